// The SSRF guard (validate step): URLs a client sends — in configured query parameters and body
// fields, or anything shaped like a URL — may not point at internal destinations. The rules live in
// ssrf.ts (shared with safeFetch); this stage finds the URLs in a request and applies them.
import type { StageSettings, Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { BodyInspector, RequestContext, Stage, StageFactory } from '../stage.js';
import { parseJson } from '../body.js';
import type { JsonBody } from '../body.js';
import { checkDestination, checkUrl, systemResolver } from '../ssrf.js';
import type { DestinationPolicy, Resolver } from '../ssrf.js';

type Settings = StageSettings['ssrfGuard'];

// Cheap pre-filter: only strings that start like an absolute URL are parsed.
const URL_SHAPE = /^\s*[a-z][a-z0-9+.-]{1,20}:\/\//i;
const MAX_URLS = 50;

function refuse(where: string, _reason: string): Verdict {
  // The reason (which address class) stays out of the response: it would map the network for an attacker.
  return deny('ssrf-blocked', 400, `The URL in ${where} is not allowed: it points at a destination this API may not reach.`);
}

/** Splits 'a.b[].c' into ['a', 'b', '[]', 'c']. */
function compilePath(p: string): string[] {
  return p.split('.').flatMap((seg) => (seg.endsWith('[]') ? [seg.slice(0, -2), '[]'] : [seg])).filter((s) => s !== '');
}

function valuesAt(v: unknown, path: readonly string[], i: number, out: string[]): void {
  if (out.length >= MAX_URLS) return;
  if (i === path.length) {
    if (typeof v === 'string') out.push(v);
    return;
  }
  const seg = path[i]!;
  if (seg === '[]') {
    if (Array.isArray(v)) for (const x of v) valuesAt(x, path, i + 1, out);
    return;
  }
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) valuesAt((v as Record<string, unknown>)[seg], path, i + 1, out);
}

function urlShaped(v: unknown, out: Array<[string, string]>, where: string, depth = 0): void {
  if (out.length >= MAX_URLS || depth > 64) return;
  if (typeof v === 'string') {
    if (URL_SHAPE.test(v)) out.push([where, v]);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => urlShaped(x, out, `${where}[${i}]`, depth + 1));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) urlShaped(x, out, where ? `${where}.${k}` : k, depth + 1);
  }
}

export function createSsrfGuard(settings: Settings, resolver: Resolver = systemResolver): Stage | null {
  if (!settings.enabled) return null;
  const policy: DestinationPolicy = {
    schemes: settings.schemes.map((s) => s.toLowerCase()),
    ...(settings.allowHosts.length > 0 ? { allowHosts: settings.allowHosts } : {}),
    allowClasses: settings.allowClasses,
  };
  const queryParams = new Set(settings.queryParams);
  const jsonPaths = settings.jsonPaths.map((p) => ({ text: p, path: compilePath(p) }));
  const formFields = new Set(settings.jsonPaths.filter((p) => !p.includes('.') && !p.includes('[')));

  /** Checks the URLs found; synchronous unless a host name must be resolved. */
  const check = (found: Array<[string, string]>): Verdict | Promise<Verdict> => {
    const names: Array<[string, string]> = [];
    for (const [where, value] of found) {
      const v = checkUrl(value.trim(), policy);
      if (!v.ok) return refuse(where, v.reason);
      if (settings.resolveDns) names.push([where, value.trim()]);
    }
    if (names.length === 0) return CONTINUE;
    return (async () => {
      for (const [where, value] of names) {
        const v = await checkDestination(value, policy, resolver);
        if (!v.ok) return refuse(where, v.reason);
      }
      return CONTINUE;
    })();
  };

  const fromQuery = (ctx: RequestContext): Array<[string, string]> => {
    const q = ctx.url.indexOf('?');
    if (q < 0) return [];
    const found: Array<[string, string]> = [];
    for (const [k, v] of new URLSearchParams(ctx.url.slice(q + 1))) {
      if (queryParams.has(k) || (settings.detectByShape && URL_SHAPE.test(v))) found.push([`query parameter ${k}`, v]);
    }
    return found;
  };

  return {
    name: 'ssrfGuard',
    request(ctx) {
      const found = fromQuery(ctx);
      if (found.length === 0 && queryParams.size === 0) return CONTINUE;
      // A listed parameter that does not even parse as a URL is refused too: the upstream would try it.
      return check(found);
    },
    requestBody(ctx): BodyInspector | undefined {
      const type = String(ctx.req.headers['content-type'] ?? '').toLowerCase();
      const json = /^application\/(?:[\w.+-]+\+)?json\b/.test(type);
      const form = type.startsWith('application/x-www-form-urlencoded');
      if (!json && !form) return undefined;
      const inspect = (bytes: Buffer, parsed: (() => JsonBody) | undefined): ReturnType<BodyInspector['end']> => {
        const found: Array<[string, string]> = [];
        if (json) {
          const j = parsed ? parsed() : parseJson(bytes);
          // Malformed JSON is the contract validator's business; there is no URL to check in it.
          if (!j.ok) return undefined;
          const body = j.value;
          for (const p of jsonPaths) {
            const values: string[] = [];
            valuesAt(body, p.path, 0, values);
            for (const v of values) found.push([`body field ${p.text}`, v]);
          }
          if (settings.detectByShape) {
            const shaped: Array<[string, string]> = [];
            urlShaped(body, shaped, '');
            for (const [where, v] of shaped) found.push([`body field ${where}`, v]);
          }
        } else {
          for (const [k, v] of new URLSearchParams(bytes.toString('utf8'))) {
            if (formFields.has(k) || (settings.detectByShape && URL_SHAPE.test(v))) found.push([`form field ${k}`, v]);
          }
        }
        if (found.length === 0) return undefined;
        return check(found);
      };
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        push(chunk) {
          size += chunk.length;
          if (size > settings.maxInspectBytes) return deny('body-too-large', 413, `The request body exceeds ${settings.maxInspectBytes} bytes.`);
          chunks.push(chunk);
          return undefined;
        },
        end: () => inspect(Buffer.concat(chunks, size), undefined),
        // Held whole: a JSON body another stage parsed (the contract's) is not parsed again.
        whole: (bytes, parsed) => (bytes.length > settings.maxInspectBytes ? deny('body-too-large', 413, `The request body exceeds ${settings.maxInspectBytes} bytes.`) : inspect(bytes, parsed)),
      };
    },
  };
}

export const createSsrfGuardStage: StageFactory<'ssrfGuard'> = (settings) => createSsrfGuard(settings);
