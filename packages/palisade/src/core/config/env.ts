// Environment variables that override palisade.yaml. They are applied to the parsed YAML before
// validation, so a bad value is reported like a bad file value, naming the variable.
import type { OptionPath } from './walk.js';
import { formatPath } from './walk.js';

export interface EnvOverride {
  /** Variable name, e.g. PALISADE_GATEWAY_PORT. */
  readonly name: string;
  /** The option it sets, as a path and as text (gateway.listen.port). */
  readonly path: OptionPath;
  readonly option: string;
  readonly description: string;
  /** How the text of the variable becomes a value. */
  readonly kind: 'string' | 'integer' | 'workers';
}

function def(name: string, path: OptionPath, kind: EnvOverride['kind'], description: string): EnvOverride {
  return Object.freeze({ name, path: Object.freeze([...path]), option: formatPath(path), description, kind });
}

export const ENV_OVERRIDES: readonly EnvOverride[] = Object.freeze([
  def('PALISADE_GATEWAY_HOST', ['gateway', 'listen', 'host'], 'string', 'Address the gateway binds.'),
  def('PALISADE_GATEWAY_PORT', ['gateway', 'listen', 'port'], 'integer', 'Port the gateway listens on.'),
  def('PALISADE_ADMIN_HOST', ['admin', 'listen', 'host'], 'string', 'Address the admin API binds.'),
  def('PALISADE_ADMIN_PORT', ['admin', 'listen', 'port'], 'integer', 'Port the admin API listens on.'),
  def('PALISADE_ADMIN_TOKEN', ['admin', 'token'], 'string', 'Bearer token for the admin API (at least 32 characters); keeps the secret out of the file.'),
  def('PALISADE_STORE_DRIVER', ['store', 'driver'], 'string', 'Store driver: sqlite or postgres.'),
  def('PALISADE_STORE_PATH', ['store', 'path'], 'string', 'SQLite database file.'),
  def('PALISADE_STORE_URL', ['store', 'url'], 'string', 'PostgreSQL connection URL; keeps credentials out of the file.'),
  def('PALISADE_REDIS_URL', ['store', 'redis', 'url'], 'string', 'Redis connection URL for shared counters; keeps credentials out of the file.'),
  def('PALISADE_WORKERS', ['gateway', 'workers'], 'workers', "Gateway processes: a number or 'auto'."),
  def('PALISADE_LOG_LEVEL', ['log', 'level'], 'string', 'Least severe log level: trace, debug, info, warn, error, fatal or silent.'),
  def('PALISADE_OAUTH_HOST', ['oauth', 'listen', 'host'], 'string', 'Address the built-in authorization server binds.'),
  def('PALISADE_OAUTH_PORT', ['oauth', 'listen', 'port'], 'integer', 'Port the built-in authorization server listens on.'),
  def('PALISADE_OAUTH_ISSUER', ['oauth', 'issuer'], 'string', 'Public URL (issuer) of the built-in authorization server.'),
  def('PALISADE_OAUTH_ENCRYPTION_SECRET', ['oauth', 'encryptionSecret'], 'string', 'Master secret of the built-in authorization server (at least 32 characters); keeps it out of the file.'),
]);

function convert(kind: EnvOverride['kind'], raw: string): unknown {
  const text = raw.trim();
  if (kind === 'string') return raw;
  if (kind === 'workers' && text === 'auto') return text;
  // Anything that is not plainly an integer stays text, so validation reports it with the variable name.
  return /^-?\d+$/.test(text) ? Number(text) : raw;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Sets every PALISADE_* override present in `env` on the raw (parsed, unvalidated) document.
 * Empty variables count as unset. Returns which variable set which option, for error locations.
 * When the file has a non-mapping where a section belongs, the override is skipped: validation
 * reports the file's mistake instead.
 */
export function applyEnvOverrides(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, EnvOverride> {
  const applied = new Map<string, EnvOverride>();
  for (const o of ENV_OVERRIDES) {
    const value = env[o.name];
    if (value === undefined || value === '') continue;
    let target: Record<string, unknown> = raw;
    let ok = true;
    for (const seg of o.path.slice(0, -1)) {
      const key = String(seg);
      const next = target[key];
      if (next === undefined || next === null) {
        const created: Record<string, unknown> = {};
        target[key] = created;
        target = created;
      } else if (isPlainObject(next)) {
        target = next;
      } else {
        ok = false;
        break;
      }
    }
    if (!ok) continue;
    target[String(o.path[o.path.length - 1])] = convert(o.kind, value);
    applied.set(o.option, o);
  }
  return applied;
}
