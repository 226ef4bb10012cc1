// Console users and the audit log (admin only):
//   GET    /users                 users (never a password hash)
//   POST   /users                 {username, role, displayName?, password?}: 201; a generated password appears once
//   PATCH  /users/{username}      {role?, displayName?, disabled?, password?}
//   DELETE /users/{username}      204
//   GET    /audit?limit&before    audit entries, newest first
import type { Store } from '../core/index.js';
import { ConsoleHttpError, intParam, isRole, json, noContent, optStr } from './routes.js';
import type { Role, Route, RouteContext } from './routes.js';
import type { ConsoleUsers, UserPatchInput } from './users.js';

function actor(ctx: RouteContext): { username: string; role: string } {
  return { username: ctx.user!.username, role: ctx.user!.role };
}

function role(v: unknown): Role {
  if (!isRole(v)) throw new ConsoleHttpError(400, 'bad-request', 'role must be viewer, operator or admin');
  return v;
}

export function usersRoutes(d: { store: Store; users: ConsoleUsers }): Route[] {
  return [
    { method: 'GET', pattern: '/users', role: 'admin', handler: async () => json({ users: await d.users.list() }) },
    {
      method: 'POST',
      pattern: '/users',
      role: 'admin',
      handler: async (ctx) => {
        const b = await ctx.body(8 * 1024);
        const username = optStr(b, 'username', 128) ?? '';
        const displayName = optStr(b, 'displayName', 200);
        const password = optStr(b, 'password', 1024);
        const r = await d.users.create({ username, role: role(b.role), ...(displayName ? { displayName } : {}), ...(password !== undefined ? { password } : {}) }, actor(ctx));
        return json({ user: r.user, ...(r.generatedPassword ? { password: r.generatedPassword } : {}) }, 201);
      },
    },
    {
      method: 'PATCH',
      pattern: '/users/:username',
      role: 'admin',
      handler: async (ctx) => {
        const b = await ctx.body(8 * 1024);
        const patch: UserPatchInput = {};
        if (b.role !== undefined) patch.role = role(b.role);
        const dn = optStr(b, 'displayName', 200);
        if (dn !== undefined) patch.displayName = dn;
        if (b.disabled !== undefined) {
          if (typeof b.disabled !== 'boolean') throw new ConsoleHttpError(400, 'bad-request', 'disabled must be true or false');
          patch.disabled = b.disabled;
        }
        const pw = optStr(b, 'password', 1024);
        if (pw !== undefined) patch.password = pw;
        if (ctx.params.username === ctx.user!.username && (patch.disabled === true || (patch.role !== undefined && patch.role !== 'admin'))) {
          throw new ConsoleHttpError(409, 'conflict', 'You cannot disable your own account or take away your own admin role.');
        }
        return json({ user: await d.users.update(ctx.params.username!, patch, actor(ctx)) });
      },
    },
    {
      method: 'DELETE',
      pattern: '/users/:username',
      role: 'admin',
      handler: async (ctx) => {
        await d.users.remove(ctx.params.username!, actor(ctx));
        return noContent();
      },
    },
    {
      method: 'GET',
      pattern: '/audit',
      role: 'admin',
      handler: async (ctx) => {
        const limit = intParam(ctx.query, 'limit', 100, 1, 1000);
        const before = ctx.query.get('before') ?? undefined;
        if (before !== undefined && (before.length === 0 || before.length > 64)) throw new ConsoleHttpError(400, 'bad-request', 'before must be an audit entry id');
        return json({ entries: await d.store.consoleUsers.listAudit({ limit, ...(before ? { before } : {}) }) });
      },
    },
  ];
}
