// Authentication (DESIGN.md: after CORS, before rate limits so that `principal` keys see who is
// calling). Tries the methods the route allows against what the request carries, in a fixed
// order — Authorization header (Bearer: JWT or introspection; ApiKey), the API-key header, the
// API-key query parameter when allowed, the client certificate — and the first credential found
// decides: it sets ctx.principal or the request is refused. Which check failed is recorded with
// the exchange (ctx.outcomes) and never told to the client.
import type { StageSettings, Verdict } from '../../core/index.js';
import { AUTH_DEFAULTS, CONTINUE, PalisadeError } from '../../core/index.js';
import { AuthenticatorRegistry, looksLikeJwt } from '../../identity/index.js';
import type { AuthResult } from '../../identity/index.js';
import type { RequestContext, Stage, StageEnv, StageFactory } from '../stage.js';

type Settings = StageSettings['authenticate'];
type Method = Settings['methods'][number];

/** RFC 6750 §2.1 b64token. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Registries for gateways built without one (tests, embedders): one per StageEnv, kept across reloads. */
const fallbackRegistries = new WeakMap<StageEnv, AuthenticatorRegistry>();

function registryFor(env: StageEnv): AuthenticatorRegistry {
  if (env.authenticators) return env.authenticators;
  let r = fallbackRegistries.get(env);
  if (!r) fallbackRegistries.set(env, (r = new AuthenticatorRegistry({ log: env.log })));
  return r;
}

function frozenDeny(code: string, status: number, detail: string, headers: Record<string, string>): Verdict {
  return Object.freeze({ kind: 'deny', code, status, detail, headers: Object.freeze(headers) });
}

export const createAuthenticateStage: StageFactory<'authenticate'> = (settings, env): Stage | null => {
  if (!settings.enabled) return null;
  if (settings.methods.length === 0) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', 'authenticate.methods: list at least one method');
  const auth = registryFor(env).get(settings);
  const allows = (m: Method) => settings.methods.includes(m);
  const apiKeys = allows('apiKey') ? env.apiKeys : undefined;
  if (allows('apiKey') && !apiKeys) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', 'authenticate.methods includes apiKey, but this gateway has no API key store to verify keys against');
  }
  const { jwt, introspection, mtls } = auth;
  const bearer = jwt !== undefined || introspection !== undefined;
  const apiKeyHeader = (settings.apiKey?.header ?? AUTH_DEFAULTS.apiKeyHeader).toLowerCase();
  const queryParam = settings.apiKey?.queryParam;
  const realm = `realm="${settings.realm}"`;

  const challenges: string[] = [];
  if (bearer) challenges.push(`Bearer ${realm}`);
  if (apiKeys) challenges.push(`ApiKey ${realm}`);
  // No HTTP scheme asks for a client certificate; this one tells a client what is missing.
  if (mtls) challenges.push(`ClientCertificate ${realm}`);
  const everyChallenge = challenges.join(', ');

  // Built once: the refusals carry no request-specific data, and a generic detail on purpose.
  const required = frozenDeny('authentication-required', 401, 'This API requires authentication.', { 'WWW-Authenticate': everyChallenge });
  const failedDetail = 'The credentials could not be verified.';
  const refused: Readonly<Record<Method, Verdict>> = {
    // RFC 6750 §3: a rejected bearer token gets error="invalid_token", without a description that
    // would tell an attacker which check failed.
    jwt: frozenDeny('authentication-failed', 401, failedDetail, { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_token"` }),
    introspection: frozenDeny('authentication-failed', 401, failedDetail, { 'WWW-Authenticate': `Bearer ${realm}, error="invalid_token"` }),
    apiKey: frozenDeny('authentication-failed', 401, failedDetail, { 'WWW-Authenticate': `ApiKey ${realm}` }),
    mtls: frozenDeny('authentication-failed', 401, failedDetail, { 'WWW-Authenticate': everyChallenge }),
  };
  // The credential may be fine: the identity provider could not be asked. 503, so that clients
  // retry instead of throwing their token away.
  const unavailable = frozenDeny('authentication-unavailable', 503, 'Authentication is temporarily unavailable; retry later.', { 'Retry-After': '5' });

  const judged = (ctx: RequestContext, r: AuthResult, method: Method): Verdict => {
    if (r.ok) {
      ctx.principal = r.principal;
      return CONTINUE;
    }
    ctx.outcomes.push({ stage: 'authenticate', outcome: 'report', rule: method, reason: r.reason });
    return r.reason === 'unavailable' ? unavailable : refused[method];
  };
  const malformed = (ctx: RequestContext, method: Method): Verdict => judged(ctx, { ok: false, reason: 'malformed' }, method);

  const withBearer = (ctx: RequestContext, token: string): Verdict | Promise<Verdict> => {
    const method: Method = jwt && (introspection === undefined || looksLikeJwt(token)) ? 'jwt' : 'introspection';
    if (!TOKEN68.test(token)) return malformed(ctx, method);
    const verifier = method === 'jwt' ? jwt! : introspection!;
    // The common case — a client reusing a token verified moments ago — stays synchronous.
    const hit = verifier.cached(token);
    if (hit) return judged(ctx, hit, method);
    return verifier.verify(token).then((r) => judged(ctx, r, method));
  };

  const withApiKey = (ctx: RequestContext, key: string): Verdict | Promise<Verdict> => {
    if (key === '' || key.length > 1024) return malformed(ctx, 'apiKey');
    return apiKeys!.verify(key, ctx.api).then((r) => judged(ctx, r, 'apiKey'));
  };

  const run = (ctx: RequestContext): Verdict | Promise<Verdict> => {
    const headers = ctx.req.headers;
    const authorization = headers.authorization;
    if (authorization !== undefined) {
      const sp = authorization.indexOf(' ');
      const scheme = sp < 0 ? authorization : authorization.slice(0, sp);
      const credential = sp < 0 ? '' : authorization.slice(sp + 1).trim();
      // Schemes are case-insensitive (RFC 9110 §11.1). Any other scheme (Basic, for the upstream's
      // own use) is not a Palisade credential: the other sources are tried.
      if (bearer && scheme.length === 6 && scheme.toLowerCase() === 'bearer') return withBearer(ctx, credential);
      if (apiKeys && scheme.length === 6 && scheme.toLowerCase() === 'apikey') return withApiKey(ctx, credential);
    }
    if (apiKeys) {
      const v = headers[apiKeyHeader];
      const key = Array.isArray(v) ? v[0] : v;
      if (key !== undefined) return withApiKey(ctx, key.trim());
      if (queryParam !== undefined) {
        const q = ctx.url.indexOf('?');
        if (q >= 0) {
          const fromQuery = new URLSearchParams(ctx.url.slice(q + 1)).get(queryParam);
          if (fromQuery !== null) return withApiKey(ctx, fromQuery);
        }
      }
    }
    if (mtls) {
      const r = mtls.identify(ctx.req.socket);
      if (r) return judged(ctx, r, 'mtls');
    }
    if (settings.optional) return CONTINUE;
    ctx.outcomes.push({ stage: 'authenticate', outcome: 'report', reason: 'missing' });
    return required;
  };

  return { name: 'authenticate', request: run };
};
