// The verifiers each route's `authenticate` settings need, built when a configuration is loaded
// and kept across reloads while their settings do not change (a JWKS cache, the verified-token
// and introspection caches survive a reload that touched something else). Building is where bad
// keys, unreadable files, missing variables and weak secrets are found: the new configuration is
// refused and the previous one keeps serving.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PalisadeConfig, StageSettings } from '../core/index.js';
import { AUTH_DEFAULTS, PalisadeError, mergeStageSettings } from '../core/index.js';
import type { ClaimMapping } from './claims.js';
import { DEFAULT_CLAIMS } from './claims.js';
import { discoverIssuer, type IssuerMetadata } from './discovery.js';
import { IntrospectionVerifier } from './introspection.js';
import { JwksCache } from './jwks.js';
import { JwtVerifier } from './jwt.js';
import { KeyError, StaticKeys, algorithmsForPem, hmacMinBytes, isHmac, parsePublicPem } from './keys.js';
import { MtlsVerifier } from './mtls.js';
import { weakSecretReason } from './weak-secrets.js';

type AuthSettings = StageSettings['authenticate'];
type JwtSettings = NonNullable<AuthSettings['jwt']>;
type IntrospectionSettings = NonNullable<AuthSettings['introspection']>;
type MtlsSettings = NonNullable<AuthSettings['mtls']>;
type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** What one route authenticates with; absent members are methods the route does not use. */
export interface Authenticator {
  readonly jwt?: JwtVerifier;
  readonly introspection?: IntrospectionVerifier;
  readonly mtls?: MtlsVerifier;
}

export interface AuthenticatorRegistryOptions {
  /** Where secretEnv / clientSecretEnv are read; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: Log;
  readonly discoveryTimeoutMs?: number;
}

function digest(v: string | Buffer): string {
  return createHash('sha256').update(v).digest('base64url');
}

function claimsOf(c: JwtSettings['claims']): ClaimMapping {
  return {
    subject: c?.subject ?? DEFAULT_CLAIMS.subject,
    roles: c?.roles ?? DEFAULT_CLAIMS.roles,
    tenant: c?.tenant ?? DEFAULT_CLAIMS.tenant,
    ...(c?.scopes !== undefined ? { scopes: c.scopes } : {}),
  };
}

export class AuthenticatorRegistry {
  private jwts = new Map<string, JwtVerifier>();
  private jwksCaches = new Map<string, JwksCache>();
  private introspections = new Map<string, IntrospectionVerifier>();
  private mtlsVerifiers = new Map<string, MtlsVerifier>();
  /** Issuer metadata found by discovery, by issuer URL; kept so an unchanged issuer is not fetched again. */
  private issuers = new Map<string, IssuerMetadata>();
  private readonly env: NodeJS.ProcessEnv;
  private readonly log: Log;

  constructor(private readonly opts: AuthenticatorRegistryOptions = {}) {
    this.env = opts.env ?? process.env;
    this.log = opts.log ?? (() => undefined);
  }

  /**
   * Builds everything `cfg` needs (fetching issuer metadata, importing keys, loading JWKS once),
   * reusing what an earlier configuration built with the same settings, and forgets what is no
   * longer used. Throws PalisadeError; nothing is forgotten then.
   */
  async prepare(cfg: PalisadeConfig): Promise<void> {
    const scopes: Array<{ where: string; s: AuthSettings }> = [{ where: 'defaults.authenticate', s: cfg.defaults.authenticate }];
    cfg.routes.forEach((r, i) => {
      if (r.stages?.authenticate) scopes.push({ where: `routes[${i}].stages.authenticate`, s: mergeStageSettings(cfg.defaults, r.stages).authenticate });
    });
    const issuers = new Map<string, IssuerMetadata>();
    // Fetched again on every load, so a reload picks up an issuer that moved its keys; when the
    // issuer cannot be reached, what an earlier load found keeps serving.
    const discover = async (issuer: string, where: string) => {
      let meta = issuers.get(issuer);
      if (meta) return meta;
      try {
        meta = await discoverIssuer(issuer, { timeoutMs: this.opts.discoveryTimeoutMs ?? 5000 });
      } catch (err) {
        meta = this.issuers.get(issuer);
        if (!meta) throw new PalisadeError('PALISADE_ERR_AUTH_DISCOVERY', `${where}: ${(err as Error).message}`, [], { cause: err });
        this.log('warn', 'OpenID Connect discovery failed; keeping the metadata found earlier', { issuer, err: (err as Error).message });
      }
      issuers.set(issuer, meta);
      return meta;
    };
    const used = { jwt: new Set<string>(), jwks: new Set<string>(), introspection: new Set<string>(), mtls: new Set<string>() };
    const built: Authenticator[] = [];
    for (const { where, s } of scopes) {
      if (!s.enabled) continue;
      if (s.methods.includes('jwt') && s.jwt?.discovery === true && typeof s.jwt.issuer === 'string') await discover(s.jwt.issuer, `${where}.jwt`);
      if (s.methods.includes('introspection') && s.introspection?.discovery === true && s.introspection.issuer !== undefined) {
        await discover(s.introspection.issuer, `${where}.introspection`);
      }
      built.push(this.build(s, where, issuers, used));
    }
    // Static keys are imported now and JWKS fetched once, so the first requests do not pay for it.
    // A JWKS that cannot be fetched now is not fatal: it is fetched again on demand.
    const warm: Promise<unknown>[] = [];
    for (const a of built) {
      if (!a.jwt) continue;
      warm.push(
        a.jwt.warm().catch((err: unknown) => {
          throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `authenticate.jwt: the key cannot be imported: ${(err as Error).message}`, [], { cause: err });
        }),
      );
    }
    await Promise.all(warm);
    const keep = <T>(m: Map<string, T>, keys: Set<string>) => new Map([...m].filter(([k]) => keys.has(k)));
    this.jwts = keep(this.jwts, used.jwt);
    this.jwksCaches = keep(this.jwksCaches, used.jwks);
    this.introspections = keep(this.introspections, used.introspection);
    this.mtlsVerifiers = keep(this.mtlsVerifiers, used.mtls);
    this.issuers = issuers;
  }

  /**
   * The verifiers for one route's settings, synchronously: the authenticate stage's factory calls
   * this while a configuration is compiled. What prepare() built is reused; what needs no network
   * is built now; discovery must have run in prepare().
   */
  get(s: AuthSettings, where = 'authenticate'): Authenticator {
    return this.build(s, where, this.issuers);
  }

  private build(
    s: AuthSettings,
    where: string,
    issuers: ReadonlyMap<string, IssuerMetadata>,
    used?: { jwt: Set<string>; jwks: Set<string>; introspection: Set<string>; mtls: Set<string> },
  ): Authenticator {
    const out: { jwt?: JwtVerifier; introspection?: IntrospectionVerifier; mtls?: MtlsVerifier } = {};
    if (s.methods.includes('jwt')) {
      if (!s.jwt) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.methods includes jwt but ${where}.jwt is not set`);
      out.jwt = this.jwtFor(s.jwt, `${where}.jwt`, issuers, used);
    }
    if (s.methods.includes('introspection')) {
      if (!s.introspection) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.methods includes introspection but ${where}.introspection is not set`);
      out.introspection = this.introspectionFor(s.introspection, `${where}.introspection`, issuers, used);
    }
    if (s.methods.includes('mtls')) out.mtls = this.mtlsFor(s.mtls ?? {}, `${where}.mtls`, used);
    return out;
  }

  private secretFrom(inline: string | undefined, envName: string | undefined, where: string, option: string): string | undefined {
    if (inline !== undefined) return inline;
    if (envName === undefined) return undefined;
    const v = this.env[envName];
    if (v === undefined || v === '') throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `${where}.${option}: environment variable ${envName} is not set`);
    return v;
  }

  private jwtFor(j: JwtSettings, where: string, issuers: ReadonlyMap<string, IssuerMetadata>, used?: { jwt: Set<string>; jwks: Set<string> }): JwtVerifier {
    const algorithms = j.algorithms;
    if (!algorithms || algorithms.length === 0) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.algorithms is required`);
    const secretText = this.secretFrom(j.secret, j.secretEnv, where, 'secretEnv');
    let pem: string | undefined = j.publicKeyPem;
    if (j.publicKeyFile !== undefined) {
      try {
        pem = readFileSync(j.publicKeyFile, 'utf8');
      } catch (err) {
        throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `${where}.publicKeyFile: cannot read ${j.publicKeyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, [], { cause: err });
      }
    }
    let jwksUrl = j.jwksUrl;
    if (j.discovery === true) {
      const meta = typeof j.issuer === 'string' ? issuers.get(j.issuer) : undefined;
      if (!meta) throw new PalisadeError('PALISADE_ERR_AUTH_DISCOVERY', `${where}: discovery of ${String(j.issuer)} has not run (load the configuration through the Shield host)`);
      jwksUrl = meta.jwksUri;
    }
    // The identity of a verifier: its settings, with secrets and file contents by digest.
    const { secret: _s, publicKeyPem: _p, ...visible } = j;
    const key = JSON.stringify({ ...visible, jwksUrl, secret: secretText !== undefined ? digest(secretText) : undefined, pem: pem !== undefined ? digest(pem) : undefined });
    used?.jwt.add(key);
    const existing = this.jwts.get(key);
    if (existing) {
      if (jwksUrl !== undefined) used?.jwks.add(this.jwksKey(jwksUrl, j, algorithms));
      return existing;
    }

    let keys: StaticKeys | JwksCache;
    if (secretText !== undefined) {
      keys = new StaticKeys(this.secretBytes(secretText, j.secretEncoding ?? 'utf8', algorithms, where), algorithms);
    } else if (pem !== undefined) {
      try {
        const publicKey = parsePublicPem(pem);
        keys = new StaticKeys(publicKey, algorithmsForPem(publicKey, algorithms));
      } catch (err) {
        if (err instanceof KeyError) throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `${where}.${j.publicKeyFile !== undefined ? 'publicKeyFile' : 'publicKeyPem'}: ${err.message}`, [], { cause: err });
        throw err;
      }
    } else if (jwksUrl !== undefined) {
      if (algorithms.some(isHmac)) throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `${where}.algorithms: HMAC algorithms cannot be used with a JWKS`);
      const jk = this.jwksKey(jwksUrl, j, algorithms);
      used?.jwks.add(jk);
      let cache = this.jwksCaches.get(jk);
      if (!cache) {
        cache = new JwksCache({
          url: jwksUrl,
          algorithms,
          maxAgeMs: (j.jwksCacheSeconds ?? AUTH_DEFAULTS.jwksCacheSeconds) * 1000,
          cooldownMs: (j.jwksCooldownSeconds ?? AUTH_DEFAULTS.jwksCooldownSeconds) * 1000,
          log: this.log,
        });
        this.jwksCaches.set(jk, cache);
      }
      keys = cache;
    } else {
      throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: no key source (jwksUrl, discovery, publicKeyPem, publicKeyFile, secret or secretEnv)`);
    }

    let verifier: JwtVerifier;
    try {
      verifier = new JwtVerifier({
        keys,
        algorithms,
        clockSkewSeconds: j.clockSkewSeconds ?? AUTH_DEFAULTS.clockSkewSeconds,
        claims: claimsOf(j.claims),
        ...(j.issuer !== undefined ? { issuer: j.issuer } : {}),
        ...(j.audience !== undefined ? { audience: j.audience } : {}),
        ...(j.maxTokenAgeSeconds !== undefined ? { maxTokenAgeSeconds: j.maxTokenAgeSeconds } : {}),
        ...(j.requiredClaims !== undefined ? { requiredClaims: j.requiredClaims } : {}),
        ...(j.type !== undefined ? { type: j.type } : {}),
      });
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: ${(err as Error).message}`, [], { cause: err });
    }
    this.jwts.set(key, verifier);
    return verifier;
  }

  private jwksKey(url: string, j: JwtSettings, algorithms: readonly string[]): string {
    return JSON.stringify([url, [...algorithms].sort(), j.jwksCacheSeconds, j.jwksCooldownSeconds]);
  }

  private secretBytes(text: string, encoding: 'utf8' | 'base64' | 'base64url' | 'hex', algorithms: readonly string[], where: string): Uint8Array {
    let bytes: Buffer;
    if (encoding === 'utf8') bytes = Buffer.from(text, 'utf8');
    else {
      const t = text.trim();
      const ok = encoding === 'hex' ? /^(?:[0-9a-fA-F]{2})+$/.test(t) : encoding === 'base64' ? /^[A-Za-z0-9+/]+={0,2}$/.test(t) : /^[A-Za-z0-9_-]+$/.test(t);
      if (!ok) throw new PalisadeError('PALISADE_ERR_AUTH_KEY', `${where}: the secret is not valid ${encoding}`);
      bytes = Buffer.from(t, encoding);
    }
    const minBytes = Math.max(...algorithms.map(hmacMinBytes));
    // The list is compared with the text as written and, for encoded secrets, with the decoded
    // text when that is printable (base64 of "changeme" is still "changeme").
    const decodedText = encoding !== 'utf8' && /^[\x20-\x7e]+$/.test(bytes.toString('latin1')) ? bytes.toString('latin1') : undefined;
    const why = weakSecretReason(bytes, minBytes, text) ?? (decodedText !== undefined ? weakSecretReason(bytes, minBytes, decodedText) : undefined);
    if (why) throw new PalisadeError('PALISADE_ERR_AUTH_WEAK_SECRET', `${where}: the shared secret is refused: ${why}`);
    return new Uint8Array(bytes);
  }

  private introspectionFor(i: IntrospectionSettings, where: string, issuers: ReadonlyMap<string, IssuerMetadata>, used?: { introspection: Set<string> }): IntrospectionVerifier {
    let endpoint = i.endpoint;
    if (i.discovery === true) {
      const meta = i.issuer !== undefined ? issuers.get(i.issuer) : undefined;
      if (!meta) throw new PalisadeError('PALISADE_ERR_AUTH_DISCOVERY', `${where}: discovery of ${String(i.issuer)} has not run (load the configuration through the Shield host)`);
      if (!meta.introspectionEndpoint) throw new PalisadeError('PALISADE_ERR_AUTH_DISCOVERY', `${where}: the metadata of ${meta.issuer} names no introspection_endpoint`);
      endpoint = meta.introspectionEndpoint;
    }
    if (endpoint === undefined) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.endpoint is required`);
    if (i.clientId === undefined) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}.clientId is required`);
    const clientSecret = this.secretFrom(i.clientSecret, i.clientSecretEnv, where, 'clientSecretEnv');
    if (clientSecret === undefined) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: set clientSecret or clientSecretEnv`);
    const { clientSecret: _c, ...visible } = i;
    const key = JSON.stringify({ ...visible, endpoint, secret: digest(clientSecret) });
    used?.introspection.add(key);
    let v = this.introspections.get(key);
    if (!v) {
      v = new IntrospectionVerifier({
        endpoint,
        clientId: i.clientId,
        clientSecret,
        cacheSeconds: i.cacheSeconds ?? AUTH_DEFAULTS.introspectionCacheSeconds,
        timeoutMs: i.timeoutMs ?? AUTH_DEFAULTS.introspectionTimeoutMs,
        claims: claimsOf(i.claims),
        ...(i.issuer !== undefined ? { issuer: i.issuer } : {}),
        ...(i.audience !== undefined ? { audience: i.audience } : {}),
      });
      this.introspections.set(key, v);
    }
    return v;
  }

  private mtlsFor(m: MtlsSettings, where: string, used?: { mtls: Set<string> }): MtlsVerifier {
    const key = JSON.stringify(m);
    used?.mtls.add(key);
    let v = this.mtlsVerifiers.get(key);
    if (!v) {
      try {
        v = new MtlsVerifier({ principal: m.principal ?? 'subject', ...(m.mapping ? { mapping: m.mapping } : {}), ...(m.requireMapping !== undefined ? { requireMapping: m.requireMapping } : {}) });
      } catch (err) {
        throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: ${(err as Error).message}`, [], { cause: err });
      }
      this.mtlsVerifiers.set(key, v);
    }
    return v;
  }
}
