// Request bodies of any size are accepted: a JSON body padded with megabytes of whitespace (still
// valid JSON, no extra fields) gets the same answer as the plain one.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import type { ScanRequest } from '../runner.js';
import { loginRequest, loginTarget, opFor } from './login-common.js';
import { isAdminOp, opRef, sessionOf, successes } from './util.js';

export const BODY_PAD_BYTES = 4 * 1024 * 1024;

export const bodySize: Check = {
  id: 'PAL-SCAN-RATE-003',
  title: 'Request bodies are accepted whatever their size',
  category: 'API4:2023',
  cwe: 400,
  severity: 'medium',
  description: `Takes a JSON request that succeeded (the login of a configured identity first, else a successful JSON write seen while exploring) and sends it again followed by ${BODY_PAD_BYTES / 1024 / 1024} MiB of whitespace: still the same JSON document. Reported when the padded request gets the same status as the plain one (no 413, no 400); one padded request only.`,
  remediation: { summary: 'Refuse request bodies above a size suited to the operation (413) before reading them whole.', shieldPolicy: 'limits.maxBodyBytes (413) and JSON depth/size limits' },
  async run(ctx) {
    let req: ScanRequest | undefined;
    let operation: { method: string; path: string; operationId?: string } | undefined;
    let session = ctx.anonymous;
    const t = loginTarget(ctx);
    if (t) {
      req = loginRequest(t, t.creds.user, t.creds.password);
      operation = opFor(ctx, t);
    } else {
      const o = successes(ctx, (x) => typeof x.request.body === 'string' && /json/.test(x.request.headers?.['content-type'] ?? '') && !isAdminOp(x.op))[0];
      if (!o) return;
      req = o.request;
      operation = opRef(o.op);
      session = sessionOf(ctx, o.identity);
    }
    const op = ctx.operations.find((x) => x.method === operation!.method && x.path === operation!.path);
    if (op) ctx.tested(op);
    const plain = await ctx.send(req, session);
    if (plain.status < 200 || plain.status > 299) return;
    const padded = await ctx.send({ ...req, body: `${String(req.body)}${' '.repeat(BODY_PAD_BYTES)}`, timeoutMs: 30_000 }, session);
    if (padded.status !== plain.status) return;
    ctx.report({
      operation,
      confidence: 'confirmed',
      parts: [],
      description: `A ${((BODY_PAD_BYTES + String(req.body).length) / 1024 / 1024).toFixed(1)} MiB body (the same JSON plus whitespace) is read and answered ${padded.status}, like the plain request: nothing limits body size.`,
      evidence: [evidenceOf(plain, 'plain request'), evidenceOf(padded, `padded with ${BODY_PAD_BYTES} bytes of whitespace: same answer`)],
    });
  },
};
