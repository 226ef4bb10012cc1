// palisade-scan.yaml: what to scan, as whom, within which budgets. Validated with zod; every error
// names the option path. `${NAME}` in any string is replaced from the environment, so passwords
// and client secrets stay out of the file.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { PalisadeError } from '../core/index.js';

const Str = z.string().min(1).max(8192);
const PathOrUrl = Str.refine((s) => s.startsWith('/') || /^https?:\/\//i.test(s), 'must be a path starting with / or an http(s) URL');

const Extract = z
  .object({
    /** Dotted path into the JSON body, e.g. token or data.access_token ($. prefix allowed). */
    json: Str.optional(),
    header: Str.optional(),
    cookie: Str.optional(),
  })
  .strict()
  .refine((e) => [e.json, e.header, e.cookie].filter((x) => x !== undefined).length === 1, 'give exactly one of json, header or cookie');

const Apply = z
  .object({
    header: Str.default('authorization'),
    /** `{token}` is replaced by the token. */
    format: Str.default('Bearer {token}'),
    cookie: Str.optional(),
  })
  .strict();

const Login = z
  .object({
    method: z.enum(['POST', 'PUT', 'GET']).default('POST'),
    path: PathOrUrl,
    contentType: z.enum(['json', 'form']).default('json'),
    body: z.record(z.string(), z.unknown()).default({}),
    headers: z.record(z.string(), Str).default({}),
    extract: Extract,
    /** Default: a cookie extracted is sent back as that cookie; otherwise `Authorization: Bearer {token}`. */
    apply: Apply.optional(),
    /**
     * session (default): the identity signs in with this request. checks: it does not (its
     * `headers` carry credentials, e.g. a gateway's token), but the login checks use the request
     * and the account's password (throttling, enumeration, password hashes).
     */
    use: z.enum(['session', 'checks']).default('session'),
  })
  .strict();

const OAuth = z
  .object({
    tokenUrl: PathOrUrl,
    grant: z.enum(['client_credentials', 'password']),
    clientId: Str,
    clientSecret: Str.optional(),
    username: Str.optional(),
    password: Str.optional(),
    scope: Str.optional(),
    audience: Str.optional(),
  })
  .strict()
  .refine((o) => o.grant !== 'password' || (o.username !== undefined && o.password !== undefined), 'the password grant needs username and password');

const Whoami = z.object({ method: z.enum(['GET', 'POST']).default('GET'), path: PathOrUrl, expectStatus: z.number().int().min(100).max(599).optional() }).strict();

export const IdentitySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
    /** admin: may call admin operations (the BFLA reference); user: may not. */
    role: z.enum(['admin', 'user']).default('user'),
    headers: z.record(z.string(), Str).default({}),
    cookies: z.record(z.string(), Str).default({}),
    login: Login.optional(),
    oauth2: OAuth.optional(),
    whoami: Whoami.optional(),
    /** A validly signed but expired token of this identity, for the expired-token check. */
    expiredToken: Str.optional(),
  })
  .strict()
  .refine((i) => !(i.login && i.oauth2), 'give login or oauth2, not both')
  .refine((i) => i.name !== 'anonymous', 'anonymous always exists; do not declare it');

export const ScanConfigSchema = z
  .object({
    target: z.string().url().optional(),
    spec: Str.optional(),
    identities: z.array(IdentitySchema).max(20).default([]),
    budgets: z
      .object({
        maxRequests: z.number().int().min(1).max(1_000_000).default(5000),
        maxDurationSeconds: z.number().int().min(1).max(86_400).default(600),
        perCheckRequests: z.number().int().min(1).max(100_000).default(600),
        perCheckSeconds: z.number().int().min(1).max(3600).default(120),
        concurrency: z.number().int().min(1).max(64).default(8),
        requestsPerSecond: z.number().min(0.1).max(10_000).default(200),
        timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
        maxBodyBytes: z.number().int().min(1024).max(16 * 1024 * 1024).default(256 * 1024),
      })
      .strict()
      .default({ maxRequests: 5000, maxDurationSeconds: 600, perCheckRequests: 600, perCheckSeconds: 120, concurrency: 8, requestsPerSecond: 200, timeoutMs: 10_000, maxBodyBytes: 256 * 1024 }),
    checks: z
      .object({
        /** Check ids or prefixes (PAL-SCAN-JWT) to run; empty runs all. */
        enable: z.array(Str).default([]),
        disable: z.array(Str).default([]),
      })
      .strict()
      .default({ enable: [], disable: [] }),
    /** DELETE, and PUT/PATCH on objects the scanner did not create, only when true. */
    destructive: z.boolean().default(false),
    /** Path templates or prefixes (ending in *) never sent. */
    exclude: z.array(Str).default([]),
    /** Where the target can reach the scanner's out-of-band listener (default: its loopback address). */
    canary: z.object({ host: Str.default('127.0.0.1'), publicUrl: z.string().url().optional() }).strict().default({ host: '127.0.0.1' }),
    /** Operations (METHOD /path) whose repetition the business must limit (coupons, checkout...). */
    sensitiveFlows: z.array(Str).default([]),
  })
  .strict();

export type ScanConfig = z.infer<typeof ScanConfigSchema>;
export type IdentityConfig = z.infer<typeof IdentitySchema>;

function envSubst(v: unknown, env: NodeJS.ProcessEnv, path: string, missing: string[]): unknown {
  if (typeof v === 'string') {
    return v.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_m, name: string) => {
      const val = env[name];
      if (val === undefined) missing.push(`${path}: environment variable ${name} is not set`);
      return val ?? '';
    });
  }
  if (Array.isArray(v)) return v.map((x, i) => envSubst(x, env, `${path}[${i}]`, missing));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, envSubst(x, env, path ? `${path}.${k}` : k, missing)]));
  return v;
}

function pathOf(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '') || '(top level)';
}

/** Validates a parsed configuration; errors list every problem with its option path. */
export function parseScanConfig(data: unknown, where = 'palisade-scan.yaml', env: NodeJS.ProcessEnv = process.env): ScanConfig {
  const missing: string[] = [];
  const substituted = envSubst(data ?? {}, env, '', missing);
  const r = ScanConfigSchema.safeParse(substituted);
  const details = [...missing];
  if (!r.success) for (const i of r.error.issues) details.push(`${pathOf(i.path)}: ${i.message}`);
  if (r.success) {
    const names = new Set<string>();
    r.data.identities.forEach((id, i) => {
      if (names.has(id.name)) details.push(`identities[${i}].name: "${id.name}" is declared twice`);
      names.add(id.name);
    });
  }
  if (details.length > 0 || !r.success) throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', `${where}: ${details.length} problem${details.length === 1 ? '' : 's'}`, details);
  return r.data;
}

export function loadScanConfig(file: string, env: NodeJS.ProcessEnv = process.env): ScanConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', `${file}: cannot be read: ${(err as Error).message}`);
  }
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) throw new PalisadeError('PALISADE_ERR_SCAN_CONFIG', `${file}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  const cfg = parseScanConfig(doc.toJS({ maxAliasCount: 100 }), file, env);
  // A relative spec path is relative to the configuration file, not to the working directory.
  if (cfg.spec && !/^(graphql:)?https?:\/\//i.test(cfg.spec) && !isAbsolute(cfg.spec)) cfg.spec = resolve(dirname(resolve(file)), cfg.spec);
  return cfg;
}
