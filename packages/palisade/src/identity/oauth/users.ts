// The authorization server's users: people who sign in on its login page. Passwords are hashed
// with scrypt (secrets.ts); TOTP secrets are sealed (seal.ts) and never leave this module in clear
// except once, as the otpauth:// URI returned when TOTP is turned on.
import { randomUUID } from 'node:crypto';
import { PalisadeError } from '../../core/index.js';
import type { OAuthUser, Store } from '../../core/index.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from './secrets.js';
import type { ScryptParams } from './secrets.js';
import type { Sealer } from './seal.js';
import { hasControlCharacter } from './clients.js';
import { base32Decode, base32Encode, generateTotpSecret, otpauthUri, verifyTotp } from './totp.js';

/** A user as shown to operators: no hash, no secret. */
export interface UserSummary {
  id: string;
  username: string;
  roles: string[];
  totp: boolean;
  createdAt: number;
}

export interface UsersOptions {
  passwordMinLength: number;
  /** Issuer name shown by authenticator apps. */
  totpLabel: string;
  /** Roles that must have TOTP. */
  totpRequiredForRoles: readonly string[];
  /** For tests: cheaper scrypt parameters. */
  scrypt?: ScryptParams;
}

const ROLE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Usernames compare case-insensitively and ignore surrounding spaces and Unicode compatibility forms. */
export function normaliseUsername(username: string): string {
  return username.normalize('NFKC').trim().toLowerCase();
}

function invalid(message: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_OAUTH_INPUT', message);
}

export function summarise(u: OAuthUser): UserSummary {
  return { id: u.id, username: u.username, roles: [...u.roles], totp: u.totpSecret !== undefined, createdAt: u.createdAt };
}

export type CredentialCheck =
  | { ok: true; user: OAuthUser; needsTotp: boolean }
  | { ok: false; reason: 'invalid' | 'totp-enrolment-required' };

export class OAuthUsers {
  constructor(
    private readonly store: Store,
    private readonly sealer: Sealer,
    private readonly opts: UsersOptions,
  ) {}

  private checkPassword(password: string): void {
    if (typeof password !== 'string' || [...password].length < this.opts.passwordMinLength) {
      throw invalid(`The password must be at least ${this.opts.passwordMinLength} characters long.`);
    }
    if (password.length > 1024) throw invalid('The password is longer than 1024 characters.');
  }

  private checkRoles(roles: readonly string[]): string[] {
    for (const r of roles) if (!ROLE.test(r)) throw invalid(`Role ${JSON.stringify(r)} is not a name of letters, digits, _ . : -.`);
    return [...new Set(roles)];
  }

  /**
   * `demoAccount`: the demo's documented accounts, whose short public passwords are the point of a
   * deliberately vulnerable demo; the length policy does not apply to them.
   */
  async create(input: { username: string; password: string; roles?: readonly string[]; id?: string }, opts: { demoAccount?: boolean } = {}): Promise<UserSummary> {
    const username = normaliseUsername(input.username);
    if (username.length < 1 || username.length > 254 || /\s/.test(username) || hasControlCharacter(username)) throw invalid('The username must be 1 to 254 characters without spaces.');
    if (!opts.demoAccount) this.checkPassword(input.password);
    const roles = this.checkRoles(input.roles ?? []);
    const id = input.id ?? randomUUID();
    if (!/^[A-Za-z0-9_.:@-]{1,128}$/.test(id)) throw invalid('The user id must be 1 to 128 letters, digits or _ . : @ -.');
    const user = await this.store.oauth.createUser({ id, username, passwordHash: await hashPassword(input.password, this.opts.scrypt), roles });
    if (!user) throw invalid(`A user named ${username} (or with id ${id}) already exists.`);
    return summarise(user);
  }

  async list(): Promise<UserSummary[]> {
    return (await this.store.oauth.listUsers()).map(summarise);
  }

  async find(username: string): Promise<OAuthUser | undefined> {
    return this.store.oauth.findUserByUsername(normaliseUsername(username));
  }

  async get(id: string): Promise<OAuthUser | undefined> {
    return this.store.oauth.getUser(id);
  }

  private async require(username: string): Promise<OAuthUser> {
    const u = await this.find(username);
    if (!u) throw invalid(`There is no user named ${normaliseUsername(username)}.`);
    return u;
  }

  async setPassword(username: string, password: string): Promise<void> {
    this.checkPassword(password);
    const u = await this.require(username);
    await this.store.oauth.updateUser(u.id, { passwordHash: await hashPassword(password, this.opts.scrypt) });
  }

  async setRoles(username: string, roles: readonly string[]): Promise<UserSummary> {
    const u = await this.require(username);
    const updated = await this.store.oauth.updateUser(u.id, { roles: this.checkRoles(roles) });
    if (!updated) throw invalid(`There is no user named ${u.username}.`);
    return summarise(updated);
  }

  async delete(username: string): Promise<boolean> {
    const u = await this.find(username);
    return u ? this.store.oauth.deleteUser(u.id) : false;
  }

  /** Turns TOTP on with a new secret; returns the otpauth:// URI to show once (as text or a QR code). */
  async enableTotp(username: string): Promise<{ uri: string; secret: string }> {
    const u = await this.require(username);
    const secret = generateTotpSecret();
    const encoded = base32Encode(secret);
    await this.store.oauth.updateUser(u.id, { totpSecret: this.sealer.seal('totp', u.id, encoded) });
    return { uri: otpauthUri(secret, u.username, this.opts.totpLabel), secret: encoded };
  }

  async disableTotp(username: string): Promise<void> {
    const u = await this.require(username);
    await this.store.oauth.updateUser(u.id, { totpSecret: null });
  }

  /**
   * Checks a username and password. Unknown users cost the same time as known ones. A user whose
   * role requires TOTP but who has none set up cannot sign in.
   */
  async checkCredentials(username: string, password: string): Promise<CredentialCheck> {
    const u = typeof password === 'string' && password.length <= 1024 ? await this.find(username) : undefined;
    if (!u) {
      await burnPasswordCheck(typeof password === 'string' ? password.slice(0, 1024) : '');
      return { ok: false, reason: 'invalid' };
    }
    const check = await verifyPassword(password, u.passwordHash, this.opts.scrypt);
    if (!check.ok) return { ok: false, reason: 'invalid' };
    if (check.needsRehash) await this.store.oauth.updateUser(u.id, { passwordHash: await hashPassword(password, this.opts.scrypt) });
    const needsTotp = u.totpSecret !== undefined;
    if (!needsTotp && u.roles.some((r) => this.opts.totpRequiredForRoles.includes(r))) return { ok: false, reason: 'totp-enrolment-required' };
    return { ok: true, user: u, needsTotp };
  }

  /** Checks a TOTP code and records its time step, so the same code cannot be used again. */
  async checkTotp(userId: string, code: string, now = Date.now()): Promise<boolean> {
    const u = await this.store.oauth.getUser(userId);
    if (!u?.totpSecret) return false;
    const secret = base32Decode(this.sealer.open('totp', u.id, u.totpSecret));
    const step = verifyTotp(secret, code, now);
    if (step === undefined) return false;
    return this.store.oauth.recordTotpStep(u.id, step);
  }
}
