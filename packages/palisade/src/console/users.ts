// Console user management shared by the API (users-routes.ts) and the CLI (`palisade users`):
// validation, hashing, the last-admin rule, and an audit entry for every change.
import type { ConsoleRole, ConsoleUserRecord, Store } from '../core/index.js';
import type { AuditActor, AuditFn } from './audit.js';
import { DEFAULT_SCRYPT, generatePassword, hashPassword, passwordProblem } from './passwords.js';
import type { ScryptParams } from './passwords.js';
import { ConsoleHttpError, isRole } from './routes.js';
import { validUsername } from './validation.js';

/** A user as the API shows it: never the password hash. */
export interface PublicUser {
  username: string;
  displayName: string;
  role: ConsoleRole;
  source: 'local' | 'oidc';
  createdAt: number;
  updatedAt: number;
  disabled: boolean;
}

export function publicUser(u: ConsoleUserRecord): PublicUser {
  return { username: u.username, displayName: u.displayName, role: u.role, source: u.source, createdAt: u.createdAt, updatedAt: u.updatedAt, disabled: u.disabled };
}

export interface NewUserInput {
  username: string;
  role: ConsoleRole;
  displayName?: string;
  /** Absent: one is generated and returned once. */
  password?: string;
}

export interface UserPatchInput {
  role?: ConsoleRole;
  displayName?: string;
  disabled?: boolean;
  password?: string;
}

export class ConsoleUsers {
  constructor(
    private readonly store: Store,
    private readonly audit: AuditFn,
    private readonly now: () => number = Date.now,
    private readonly scrypt: ScryptParams = DEFAULT_SCRYPT,
  ) {}

  async create(input: NewUserInput, actor: AuditActor): Promise<{ user: PublicUser; generatedPassword?: string }> {
    if (!validUsername(input.username)) throw new ConsoleHttpError(400, 'bad-request', 'username must be 1 to 128 letters, digits or . _ @ : + -');
    if (!isRole(input.role)) throw new ConsoleHttpError(400, 'bad-request', 'role must be viewer, operator or admin');
    const displayName = (input.displayName ?? input.username).slice(0, 200);
    const generated = input.password === undefined ? generatePassword() : undefined;
    const password = input.password ?? generated!;
    const problem = passwordProblem(password);
    if (problem) throw new ConsoleHttpError(400, 'bad-request', problem);
    const created = await this.store.consoleUsers.createUser({
      username: input.username,
      displayName,
      role: input.role,
      passwordHash: await hashPassword(password, this.scrypt),
      source: 'local',
      createdAt: this.now(),
    });
    if (!created) throw new ConsoleHttpError(409, 'conflict', `A console user named ${input.username} exists already.`);
    await this.audit(actor, 'user.create', created.username, { role: created.role, source: 'local', passwordGenerated: generated !== undefined });
    return { user: publicUser(created), ...(generated !== undefined ? { generatedPassword: generated } : {}) };
  }

  async update(username: string, patch: UserPatchInput, actor: AuditActor): Promise<PublicUser> {
    const before = await this.store.consoleUsers.getUser(username);
    if (!before) throw new ConsoleHttpError(404, 'not-found', `No console user named ${username}.`);
    if (patch.role !== undefined && !isRole(patch.role)) throw new ConsoleHttpError(400, 'bad-request', 'role must be viewer, operator or admin');
    let passwordHash: string | undefined;
    if (patch.password !== undefined) {
      const problem = passwordProblem(patch.password);
      if (problem) throw new ConsoleHttpError(400, 'bad-request', problem);
      passwordHash = await hashPassword(patch.password, this.scrypt);
    }
    const losesAdmin = before.role === 'admin' && !before.disabled && ((patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true);
    if (losesAdmin) await this.keepOneAdmin(username);
    const after = await this.store.consoleUsers.updateUser(username, {
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.displayName !== undefined ? { displayName: patch.displayName.slice(0, 200) } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
      ...(passwordHash !== undefined ? { passwordHash } : {}),
      at: this.now(),
    });
    if (!after) throw new ConsoleHttpError(404, 'not-found', `No console user named ${username}.`);
    // A changed role, password or a disabled account ends the sessions opened before.
    if (patch.role !== undefined || patch.disabled === true || passwordHash !== undefined) await this.store.consoleUsers.deleteUserSessions(username);
    const detail: Record<string, unknown> = {};
    if (patch.role !== undefined && patch.role !== before.role) detail.role = { from: before.role, to: patch.role };
    if (patch.disabled !== undefined && patch.disabled !== before.disabled) detail.disabled = patch.disabled;
    if (patch.displayName !== undefined && patch.displayName !== before.displayName) detail.displayName = patch.displayName;
    if (passwordHash !== undefined) detail.passwordChanged = true;
    await this.audit(actor, 'user.update', username, detail);
    return publicUser(after);
  }

  async remove(username: string, actor: AuditActor): Promise<void> {
    const before = await this.store.consoleUsers.getUser(username);
    if (!before) throw new ConsoleHttpError(404, 'not-found', `No console user named ${username}.`);
    if (username === actor.username) throw new ConsoleHttpError(409, 'conflict', 'You cannot delete your own account.');
    if (before.role === 'admin' && !before.disabled) await this.keepOneAdmin(username);
    await this.store.consoleUsers.deleteUser(username);
    await this.audit(actor, 'user.delete', username, { role: before.role, source: before.source });
  }

  async list(): Promise<PublicUser[]> {
    return (await this.store.consoleUsers.listUsers(1000)).map(publicUser);
  }

  private async keepOneAdmin(leaving: string): Promise<void> {
    const admins = (await this.store.consoleUsers.listUsers(10_000)).filter((u) => u.role === 'admin' && !u.disabled && u.username !== leaving);
    if (admins.length === 0) throw new ConsoleHttpError(409, 'conflict', 'This would leave the console without an enabled admin.');
  }
}
