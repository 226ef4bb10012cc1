// CORS from an explicit origin allow-list. Palisade owns CORS for the routes it protects: whatever
// the upstream says about CORS is removed, because an upstream that reflects any origin with
// credentials lets every website read authenticated responses.
import type { Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { HeaderMap, RequestContext, ResponseHead, StageFactory } from '../stage.js';

const PREFIX = 'access-control-';
const ALLOW_ORIGIN = 'access-control-allow-origin';
const ALLOW_CREDENTIALS = 'access-control-allow-credentials';
const EXPOSE_HEADERS = 'access-control-expose-headers';

const ORIGIN_DENIED = Object.freeze(deny('cors-origin-denied', 403, 'Cross-origin requests from this origin are not allowed.'));
const PREFLIGHT_DENIED = Object.freeze(
  deny('cors-preflight-denied', 403, 'The cross-origin request asks for a method or headers that are not allowed.'),
);

/** Removes every Access-Control-* header from a response head (lower-case names, as HeaderMap has them). */
export function stripUpstreamCors(head: ResponseHead): void {
  const h = head.headers;
  for (const name in h) if (name.startsWith(PREFIX)) delete h[name];
}

/** Adds `token` to the Vary header unless it is there already (or Vary is '*'), keeping what the upstream listed. */
export function addVary(headers: HeaderMap, token: string): void {
  const current = headers.vary;
  if (current === undefined || current === '') {
    headers.vary = token;
    return;
  }
  const text = typeof current === 'string' ? current : current.join(', ');
  const wanted = token.toLowerCase();
  for (const part of text.split(',')) {
    const t = part.trim().toLowerCase();
    if (t === '*' || t === wanted) {
      headers.vary = text;
      return;
    }
  }
  headers.vary = `${text}, ${token}`;
}

/** Browsers serialise origins in lower case without a trailing slash; accept config written otherwise. */
function canonicalOrigin(o: string): string {
  const t = o.trim().toLowerCase();
  return t.endsWith('/') ? t.slice(0, -1) : t;
}

function single(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const createCorsStage: StageFactory<'cors'> = (settings, env) => {
  if (!settings.enabled) return null;
  const anyOrigin = settings.origins.includes('*');
  const origins = new Set(settings.origins.filter((o) => o !== '*').map(canonicalOrigin));
  if (anyOrigin && settings.credentials) {
    env.log('warn', "cors: credentials are never allowed for the '*' origin; only explicitly listed origins get them", {
      origins: settings.origins,
    });
  }
  const methods = new Set(settings.methods.map((m) => m.toUpperCase()));
  const allowHeaders = new Set(settings.allowHeaders.map((h) => h.trim().toLowerCase()));
  const methodsValue = [...methods].join(', ');
  const allowHeadersValue = [...allowHeaders].join(', ');
  const exposeValue = settings.exposeHeaders.join(', ');
  const maxAge = String(settings.maxAgeSeconds);
  const credentials = settings.credentials;

  /** True when `origin` is listed exactly (gets itself echoed, and credentials). */
  const listed = (origin: string): boolean =>
    origins.size > 0 && (origins.has(origin) || origins.has(origin.toLowerCase()));

  /** Every Access-Control-Request-Headers entry must be allowed. */
  const headersAllowed = (requested: string | undefined): boolean => {
    if (requested === undefined) return true;
    for (const part of requested.split(',')) {
      const name = part.trim().toLowerCase();
      if (name !== '' && !allowHeaders.has(name)) return false;
    }
    return true;
  };

  return {
    name: 'cors',

    request(ctx: RequestContext): Verdict {
      const h = ctx.req.headers;
      const origin = single(h.origin);
      if (origin === undefined) return CONTINUE;
      const exact = listed(origin);
      const allowed = exact || anyOrigin;
      const requestMethod = ctx.method === 'OPTIONS' ? single(h['access-control-request-method']) : undefined;

      if (requestMethod !== undefined) {
        if (!allowed) return ORIGIN_DENIED;
        if (!methods.has(requestMethod) || !headersAllowed(single(h['access-control-request-headers']))) return PREFLIGHT_DENIED;
        const cors: Record<string, string> = {
          [ALLOW_ORIGIN]: exact ? origin : '*',
          'access-control-allow-methods': methodsValue,
          'access-control-max-age': maxAge,
        };
        if (allowHeadersValue !== '') cors['access-control-allow-headers'] = allowHeadersValue;
        if (exact && credentials) cors[ALLOW_CREDENTIALS] = 'true';
        // The preflight answer goes through the response stages like any other, where responseHead
        // strips Access-Control-* and re-applies the request's own from extraResponseHeaders.
        Object.assign((ctx.extraResponseHeaders ??= {}), cors);
        return {
          kind: 'respond',
          status: 204,
          headers: { ...cors, vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers' },
          body: '',
        };
      }

      if (!allowed) return CONTINUE;
      const extra = (ctx.extraResponseHeaders ??= {});
      extra[ALLOW_ORIGIN] = exact ? origin : '*';
      if (exact && credentials) extra[ALLOW_CREDENTIALS] = 'true';
      if (exposeValue !== '') extra[EXPOSE_HEADERS] = exposeValue;
      return CONTINUE;
    },

    responseHead(ctx: RequestContext, head: ResponseHead): void {
      stripUpstreamCors(head);
      const extra = ctx.extraResponseHeaders;
      if (extra) {
        for (const name in extra) if (name.startsWith(PREFIX)) head.headers[name] = extra[name];
      }
      // Whether Access-Control-Allow-Origin is sent depends on Origin, so caches must key on it,
      // also for responses that carry none. Merged, never replaced: upstream Vary values stay.
      addVary(head.headers, 'Origin');
    },
  };
};
