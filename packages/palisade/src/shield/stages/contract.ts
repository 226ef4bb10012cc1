// Contract enforcement (validate step): the request must be an operation the API's OpenAPI
// document describes, with parameters, content type and body as documented. Optionally the
// upstream's response too (API10:2023, unsafe consumption; data leaks): status, content type and
// JSON body, undeclared properties included, reported or blocked. Built per route, because it
// needs the API's compiled contract besides the stage settings.
import type { Contract, OperationMatch, StageSettings, Verdict, Violation } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { BodyInspector, RequestContext, ResponseHead, Stage, StageEnv } from '../stage.js';
import type { JsonBody } from '../body.js';
import { parseJson } from '../body.js';
import { decodeBody } from './error-scrubbing.js';

type Settings = StageSettings['contract'];

/** Where the route forwards: the path the upstream (and so its document) sees. */
export interface UpstreamPath {
  (requestPath: string): string;
}

const MAX_LISTED = 20;

export const RESPONSE_VIOLATION = 'response-contract-violation';

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

function headerValue(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : v?.[0];
}

/** Statuses and methods whose responses never have a body (RFC 9110 §6.4.1). */
function bodyless(method: string, head: ResponseHead): boolean {
  return method === 'HEAD' || head.status === 204 || head.status === 304 || headerValue(head.headers['content-length']) === '0';
}

const noLog: StageEnv['log'] = () => undefined;

/** For requests without a query string: nothing to parse, nothing to allocate. */
const NO_QUERY = new URLSearchParams();

export function createContractStage(settings: Settings, contract: Contract | undefined, upstreamPath: UpstreamPath, env?: Pick<StageEnv, 'log'>): Stage | null {
  if (!settings.enabled || !contract) return null;
  // The match found on the head is reused for the body and the response: one lookup per request.
  const matches = new WeakMap<RequestContext, OperationMatch>();
  const log = env?.log ?? noLog;
  const block = settings.responses === 'block';
  const maxResponse = settings.maxResponseBytes;
  const tooLarge = deny('body-too-large', 413, `JSON bodies are validated up to ${settings.maxBodyBytes} bytes.`);

  /**
   * The violations of an upstream response, its body bounded by maxResponseBytes. `unchecked`: the
   * body could not be validated (too large, or not decodable within the bound).
   */
  const checkResponse = (ctx: RequestContext, m: OperationMatch, head: ResponseHead, body: Buffer, truncated: boolean): { list: Violation[]; unchecked: boolean } => {
    const contentType = headerValue(head.headers['content-type']);
    const typed = contentType !== undefined ? { contentType } : {};
    if (bodyless(ctx.method, head)) return { list: contract.validateResponse(m, { status: head.status, ...typed, hasBody: false }), unchecked: false };
    // An undocumented status needs no body to be wrong.
    const status = contract.validateResponse(m, { status: head.status, hasBody: false });
    if (status.length > 0) return { list: status, unchecked: false };
    if (body.length === 0) return { list: [], unchecked: false };
    if (truncated || body.length > maxResponse) {
      return { list: [{ pointer: '/response/body', message: `is larger than ${maxResponse} bytes (contract.maxResponseBytes) and was not validated` }], unchecked: true };
    }
    const decoded = decodeBody(body, head.headers['content-encoding'], maxResponse);
    if (decoded === null) {
      return { list: [{ pointer: '/response/body', message: `cannot be decoded (Content-Encoding) within ${maxResponse} bytes and was not validated` }], unchecked: true };
    }
    return { list: contract.validateResponse(m, { status: head.status, ...typed, text: decoded.toString('utf8'), hasBody: decoded.length > 0 }), unchecked: false };
  };

  const responseSide: Pick<Stage, 'responseHead' | 'responseBody' | 'maxBufferBytes'> =
    settings.responses === 'off'
      ? {}
      : {
          maxBufferBytes: maxResponse,
          // Decides only whether to see the body: this hook also runs on Shield's own responses,
          // which responseBody never sees, so nothing is judged or recorded here.
          responseHead(ctx, head) {
            const m = matches.get(ctx);
            if (!m) return undefined;
            if (bodyless(ctx.method, head)) return contract.validateResponse(m, { status: head.status, hasBody: false }).length > 0 ? 'buffer' : undefined;
            return contract.inspectsResponse(m, head.status, headerValue(head.headers['content-type'])) ? 'buffer' : undefined;
          },
          responseBody(ctx, head, body, truncated) {
            const m = matches.get(ctx);
            if (!m) return undefined;
            const { list, unchecked } = checkResponse(ctx, m, head, body, truncated);
            if (list.length === 0) return undefined;
            const shown = list.slice(0, MAX_LISTED);
            log('warn', block ? 'response refused: it does not match the API contract' : 'response does not match the API contract', {
              requestId: ctx.requestId,
              route: ctx.routeName,
              operation: m.operation.operationId ?? `${m.operation.method} ${m.operation.template}`,
              status: head.status,
              violations: shown,
              ...(list.length > MAX_LISTED ? { truncated: list.length - MAX_LISTED } : {}),
            });
            if (!block) {
              ctx.outcomes.push({ stage: 'contract', outcome: 'report', code: RESPONSE_VIOLATION, violations: shown, ...(unchecked ? { rule: 'not-validated' } : {}) });
              return undefined;
            }
            // Only pointers and schema messages: never a value from the upstream's answer.
            return {
              kind: 'deny',
              code: RESPONSE_VIOLATION,
              status: 502,
              detail: `The upstream response does not match the API contract (${list.length} problem${list.length === 1 ? '' : 's'}).`,
              extensions: { violations: shown, ...(list.length > MAX_LISTED ? { truncated: list.length - MAX_LISTED } : {}) },
            };
          },
        };

  return {
    name: 'contract',
    ...responseSide,
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
      // Parameters, content type and whether a required body comes; the body itself is checked by
      // requestBody once it has arrived, against its schema only.
      const list = contract.validateRequest(r.match, {
        query: q < 0 ? NO_QUERY : new URLSearchParams(ctx.url.slice(q + 1)),
        headers: h,
        cookies: cookies(typeof h.cookie === 'string' ? h.cookie : undefined),
        contentType: type,
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
      const check = (json: JsonBody): Verdict | undefined => {
        if (!json.ok) return violations([{ pointer: '/body', message: `is not valid JSON: ${json.message.slice(0, 120)}` }]);
        const list = contract.validateBody(m, type, json.value);
        return list.length > 0 ? violations(list) : undefined;
      };
      return {
        push(chunk) {
          size += chunk.length;
          if (size > settings.maxBodyBytes) return tooLarge;
          chunks.push(chunk);
          return undefined;
        },
        // A small body usually comes in one chunk: decoded where it lies, not copied first.
        end: () => check(parseJson(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size))),
        whole: (bytes, json) => (bytes.length > settings.maxBodyBytes ? tooLarge : check(json())),
      };
    },
  };
}
