// Debug and management endpoints left reachable: /debug, /actuator/env, /.env, /config...
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { basePath, isRealPage, notFoundShape, origin } from './inventory-common.js';
import { isAdminOp, ok, opRef, sessionOf, successes } from './util.js';

export const DEBUG_PATHS = [
  '/debug', '/debug/config', '/debug/vars', '/debug/pprof/', '/debug/env', '/_debug', '/__debug__/', '/actuator', '/actuator/env', '/actuator/configprops',
  '/actuator/heapdump', '/actuator/mappings', '/.env', '/.env.local', '/.git/config', '/config', '/config.json', '/configuration', '/env', '/environment',
  '/server-status', '/server-info', '/phpinfo.php', '/info.php', '/console', '/admin/config', '/api/debug', '/api/config', '/internal/config', '/status/config',
  '/metrics', '/_profiler', '/elmah.axd', '/trace.axd', '/.aws/credentials', '/settings.json',
];
/** A documented operation that is a debug or dump endpoint by its name: /users/_debug, /debug/vars, /dump. */
const DEBUG_SEGMENT = /^_{0,2}(debug|dump|diagnostics?|phpinfo|heapdump|threaddump)_{0,2}$/i;
const SENSITIVE = /secret|password|passwd|api[_-]?key|token|private|credential|aws_|DB_|DATABASE_URL|jdbc:|BEGIN [A-Z ]*PRIVATE KEY|\[core\]|"activeProfiles"|"propertySources"/i;

export const debugEndpoints: Check = {
  id: 'PAL-SCAN-INV-003',
  title: 'A debug or management endpoint is exposed',
  category: 'API9:2023',
  cwe: 215,
  severity: 'high',
  description: `Requests ${DEBUG_PATHS.length} common debug and management paths (/debug, /actuator/env, /.env, /.git/config, /config, /server-status...) at the origin and under the API base path, without credentials. Reported when one answers 2xx with content that differs from what a nonsense path gets (so not a catch-all page); high when the content holds secrets, medium otherwise. Documented operations named like debug endpoints (/users/_debug, /dump) are reported when they answered anonymous or a normal user while exploring, and again when re-sent.`,
  remediation: { summary: 'Remove debug endpoints from production builds; put management endpoints on a separate, authenticated interface.', shieldPolicy: 'contract strict mode (undocumented paths refused)' },
  async run(ctx) {
    // Documented ones first: a contract that lists /users/v1/_debug does not make it less exposed.
    const seen = new Set<string>();
    for (const o of successes(ctx, (x) => x.op.method === 'GET' && !x.op.path.includes('{') && !isAdminOp(x.op) && x.op.path.split('/').some((seg) => DEBUG_SEGMENT.test(seg)))) {
      const who = sessionOf(ctx, o.identity);
      if (seen.has(o.op.path) || who.role === 'admin') continue;
      seen.add(o.op.path);
      ctx.tested(o.op);
      const again = await ctx.send(o.request, who);
      if (!ok(again) || again.body.trim().length < 16) continue;
      const secret = SENSITIVE.exec(again.body.slice(0, 50_000));
      ctx.report({ operation: opRef(o.op), severity: secret ? 'high' : 'medium', confidence: 'confirmed', parts: [o.op.path], description: `The documented debug endpoint ${o.op.path} answers ${again.status} ${who.anonymous ? 'to anyone' : `to ${who.name}, a normal user`}${secret ? `, with sensitive content (${secret[0]})` : ''}.`, evidence: [evidenceOf(again, secret ? `sensitive content: ${secret[0]}` : `${again.status}, ${again.bytes} bytes`, secret?.[0])] });
    }
    const documented = new Set(ctx.model.operations.map((o) => o.path));
    const prefixes = [...new Set([origin(ctx), `${origin(ctx)}${basePath(ctx)}`])];
    for (const prefix of prefixes) {
      const nf = await notFoundShape(ctx, prefix);
      for (const p of DEBUG_PATHS) {
        if (documented.has(p)) continue;
        const r = await ctx.sendRaw({ method: 'GET', url: `${prefix}${p}` });
        if (!isRealPage(r, nf)) continue;
        const again = await ctx.sendRaw({ method: 'GET', url: `${prefix}${p}` });
        if (!isRealPage(again, nf)) continue;
        const secret = SENSITIVE.exec(r.body.slice(0, 50_000));
        const path = new URL(r.request.url).pathname;
        ctx.report({ operation: { method: 'GET', path }, severity: secret ? 'high' : 'medium', confidence: 'confirmed', parts: [path], description: `${path} answers ${r.status} to anyone${secret ? `, with sensitive content (${secret[0]})` : ''}.`, evidence: [evidenceOf(r, secret ? `sensitive content: ${secret[0]}` : `${r.status}, ${r.bytes} bytes`, secret?.[0]), evidenceOf(nf, 'a nonsense path, for comparison')] });
      }
    }
  },
};
