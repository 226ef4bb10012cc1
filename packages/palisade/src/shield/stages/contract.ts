// Contract enforcement (validate step): the request must be an operation the API's OpenAPI
// document describes, with parameters, content type and body as documented. Built per route,
// because it needs the API's compiled contract besides the stage settings.
import type { Contract, OperationMatch, StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { BodyInspector, RequestContext, Stage } from '../stage.js';

type Settings = StageSettings['contract'];

/** Where the route forwards: the path the upstream (and so its document) sees. */
export interface UpstreamPath {
  (requestPath: string): string;
}

const MAX_LISTED = 20;

function violations(list: ReadonlyArray<{ pointer: string; message: string }>): Verdict {
  const shown = list.slice(0, MAX_LISTED);
  return {
    kind: 'deny',
    code: 'contract-violation',
    status: 400,
    detail: `The request does not match the API contract (${list.length} problem${list.length === 1 ? '' : 's'}).`,
    extensions: { violations: shown, ...(list.length > MAX_LISTED ? { truncated: list.length - MAX_LISTED } : {}) },
  };
}

function cookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

function isJson(type: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/.test(type);
}

export function createContractStage(settings: Settings, contract: Contract | undefined, upstreamPath: UpstreamPath): Stage | null {
  if (!settings.enabled || !contract) return null;
  // The match found on the head is reused for the body: one lookup per request.
  const matches = new WeakMap<RequestContext, OperationMatch>();

  return {
    name: 'contract',
    request(ctx) {
      const q = ctx.url.indexOf('?');
      const r = contract.match(ctx.method, upstreamPath(ctx.path));
      if (r.kind === 'not-found') {
        if (!settings.strict) return CONTINUE;
        return deny('undocumented-operation', 404, 'This endpoint is not part of the API contract.');
      }
      if (r.kind === 'method-not-allowed') {
        if (!settings.strict) return CONTINUE;
        return deny('undocumented-method', 405, 'This method is not part of the API contract for this path.', { allow: r.allowed.join(', ') });
      }
      matches.set(ctx, r.match);
      const h = ctx.req.headers;
      const type = String(h['content-type'] ?? '').toLowerCase();
      const hasBody = h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
      const list = contract.validateRequest(r.match, {
        query: new URLSearchParams(q < 0 ? '' : ctx.url.slice(q + 1)),
        headers: h,
        cookies: cookies(typeof h.cookie === 'string' ? h.cookie : undefined),
        contentType: type,
        // The body itself is checked by requestBody once it has arrived.
        hasBody,
      });
      return list.length > 0 ? violations(list) : CONTINUE;
    },
    requestBody(ctx): BodyInspector | undefined {
      const m = matches.get(ctx);
      const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
      if (!m?.operation.body || !isJson(type)) return undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        push(chunk) {
          size += chunk.length;
          if (size > settings.maxBodyBytes) return deny('body-too-large', 413, `JSON bodies are validated up to ${settings.maxBodyBytes} bytes.`);
          chunks.push(chunk);
          return undefined;
        },
        end() {
          let body: unknown;
          try {
            body = JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
          } catch (err) {
            return violations([{ pointer: '/body', message: `is not valid JSON: ${(err as Error).message.slice(0, 120)}` }]);
          }
          const list = contract.validateRequest(m, { query: new URLSearchParams(), headers: {}, contentType: type, body, hasBody: true }).filter((v) => v.pointer.startsWith('/body'));
          return list.length > 0 ? violations(list) : undefined;
        },
      };
    },
  };
}
