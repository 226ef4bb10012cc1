// Where the authorization server's master secret comes from: the configuration (preferably
// through PALISADE_OAUTH_ENCRYPTION_SECRET), or else a file generated on first use beside the
// SQLite database (.palisade/ for PostgreSQL), readable by its owner only. The secret is never
// logged and never stored in the database it protects.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { PalisadeConfig } from '../../core/index.js';
import { PalisadeError } from '../../core/index.js';

export interface MasterSecret {
  secret: string;
  /** 'configuration' or the file it was read from or written to. */
  source: string;
}

export function masterSecretFile(config: Pick<PalisadeConfig, 'store'>): string {
  const dir = config.store.driver === 'sqlite' && config.store.path !== ':memory:' ? dirname(resolve(config.store.path)) : resolve('.palisade');
  return resolve(dir, 'oauth-secret');
}

/** The configured secret, or the one in the secret file, generating the file when it is absent. */
export function resolveMasterSecret(config: Pick<PalisadeConfig, 'store' | 'oauth'>): MasterSecret {
  if (config.oauth.encryptionSecret) return { secret: config.oauth.encryptionSecret, source: 'configuration' };
  const file = masterSecretFile(config);
  if (existsSync(file)) {
    const secret = readFileSync(file, 'utf8').trim();
    if (secret.length < 32) throw new PalisadeError('PALISADE_ERR_OAUTH_SECRET', `${file} holds fewer than 32 characters.`);
    return { secret, source: file };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  // 'wx': never overwrite a secret another process wrote meanwhile; read theirs instead.
  try {
    writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return resolveMasterSecret(config);
    throw e;
  }
  chmodSync(file, 0o600);
  return { secret, source: file };
}
