// The ConsoleUsersStore part of the Store contract (store.consoleUsers), run by
// contract.test-suite.ts against every implementation. Not exported from index.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsoleSessionRecord, NewConsoleUser, Store } from '../core/index.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0, 0);
const HOUR = 3600_000;

function user(username: string, over: Partial<NewConsoleUser> = {}): NewConsoleUser {
  return { username, displayName: `User ${username}`, role: 'viewer', passwordHash: `scrypt$16384$8$1$salt$${username}`, source: 'local', createdAt: T0, ...over };
}

function session(id: string, username: string, over: Partial<ConsoleSessionRecord> = {}): ConsoleSessionRecord {
  return { id, username, role: 'admin', createdAt: T0, expiresAt: T0 + 12 * HOUR, lastSeenAt: T0, csrfSecret: `csrf-${id}`, ...over };
}

export function consoleUsersStoreContract(fresh: () => Promise<{ store: Store }>): void {
  describe('console users, sessions and audit', () => {
    it('round-trips users; a taken username or subject is refused', async () => {
      const { store } = await fresh();
      const cu = store.consoleUsers;
      const u = user('Zoë.admin@acme', { displayName: 'Zoë 🚀', role: 'admin' });
      // The pattern refuses non-ASCII usernames: display names carry them instead.
      await assert.rejects(cu.createUser(u), TypeError);
      const a = user('zoe.admin@acme', { displayName: 'Zoë 🚀', role: 'admin' });
      assert.deepStrictEqual(await cu.createUser(a), { ...a, updatedAt: T0, disabled: false });
      assert.deepStrictEqual(await cu.getUser('zoe.admin@acme'), { ...a, updatedAt: T0, disabled: false });
      assert.equal(await cu.getUser('ZOE.admin@acme'), undefined, 'usernames are case-sensitive');
      assert.equal(await cu.createUser({ ...a, displayName: 'other' }), undefined);
      const sso = user('sso-user', { source: 'oidc', subject: 'https://idp|123', role: 'operator' });
      delete sso.passwordHash;
      const created = await cu.createUser(sso);
      assert.equal(created?.passwordHash, undefined);
      assert.equal((await cu.findBySubject('oidc', 'https://idp|123'))?.username, 'sso-user');
      assert.equal(await cu.findBySubject('local', 'https://idp|123'), undefined);
      assert.equal(await cu.createUser({ ...sso, username: 'sso-user-2' }), undefined, 'one user per subject');
      assert.equal(await cu.countUsers(), 2);
      assert.deepEqual((await cu.listUsers()).map((x) => x.username), ['sso-user', 'zoe.admin@acme']);
      assert.deepEqual((await cu.listUsers(1)).map((x) => x.username), ['sso-user']);
    });

    it('updates only the fields given, and deletes users with their sessions', async () => {
      const { store } = await fresh();
      const cu = store.consoleUsers;
      await cu.createUser(user('bob'));
      const up = await cu.updateUser('bob', { role: 'operator', disabled: true, at: T0 + HOUR });
      assert.equal(up?.role, 'operator');
      assert.equal(up?.disabled, true);
      assert.equal(up?.displayName, 'User bob');
      assert.equal(up?.updatedAt, T0 + HOUR);
      assert.equal((await cu.updateUser('bob', { disabled: false, passwordHash: 'scrypt$new' }))?.passwordHash, 'scrypt$new');
      assert.equal((await cu.getUser('bob'))?.disabled, false);
      assert.equal(await cu.updateUser('absent', { role: 'admin' }), undefined);
      await assert.rejects(cu.updateUser('bob', { role: 'root' as 'admin' }), TypeError);
      await cu.createSession(session('s1', 'bob'));
      assert.equal(await cu.deleteUser('bob'), true);
      assert.equal(await cu.getUser('bob'), undefined);
      assert.equal(await cu.getSession('s1'), undefined, 'sessions go with the user');
      assert.equal(await cu.deleteUser('bob'), false);
    });

    it('keeps sessions: touch moves forward only; ends them one, per user, or by expiry', async () => {
      const { store } = await fresh();
      const cu = store.consoleUsers;
      const s = session('a'.repeat(64), 'alice');
      await cu.createSession(s);
      assert.deepStrictEqual(await cu.getSession(s.id), s);
      await cu.touchSession(s.id, T0 + 10);
      await cu.touchSession(s.id, T0 + 5);
      assert.equal((await cu.getSession(s.id))?.lastSeenAt, T0 + 10);
      await cu.createSession(session('b', 'alice'));
      await cu.createSession(session('c', 'carol'));
      assert.equal(await cu.deleteUserSessions('alice'), 2);
      assert.equal(await cu.getSession('b'), undefined);
      assert.equal(await cu.deleteSession('c'), true);
      assert.equal(await cu.deleteSession('c'), false);
      await cu.createSession(session('old', 'x', { expiresAt: T0 + HOUR }));
      await cu.createSession(session('idle', 'x', { lastSeenAt: T0 }));
      await cu.createSession(session('live', 'x', { lastSeenAt: T0 + HOUR }));
      assert.equal(await cu.purgeSessions(T0 + HOUR, T0 + 30 * 60_000), 2);
      assert.deepEqual((await cu.getSession('live'))?.id, 'live');
      assert.equal(await cu.getSession("live' OR '1'='1"), undefined);
    });

    it('appends audit entries and lists them newest first, paged by id', async () => {
      const { store } = await fresh();
      const cu = store.consoleUsers;
      const ids = ['0190a000-0000-7000-8000-000000000001', '0190a000-0000-7000-8000-000000000002', '0190a000-0000-7000-8000-000000000003'];
      for (const [i, id] of ids.entries()) {
        await cu.addAudit({ id, at: T0 + i, actor: i === 1 ? 'bob' : 'alice', role: 'admin', action: 'user.create', target: `u${i}`, detail: { role: 'viewer', n: i, note: 'ünï' } });
      }
      const all = await cu.listAudit();
      assert.deepEqual(all.map((e) => e.id), [...ids].reverse());
      assert.deepStrictEqual(all[2], { id: ids[0], at: T0, actor: 'alice', role: 'admin', action: 'user.create', target: 'u0', detail: { role: 'viewer', n: 0, note: 'ünï' } });
      assert.deepEqual((await cu.listAudit({ limit: 1 })).map((e) => e.id), [ids[2]]);
      assert.deepEqual((await cu.listAudit({ before: ids[2] })).map((e) => e.id), [ids[1], ids[0]]);
      assert.deepEqual((await cu.listAudit({ actor: 'bob' })).map((e) => e.target), ['u1']);
      await assert.rejects(cu.addAudit({ id: 'x', at: T0, actor: 'a', role: 'admin', action: 'a', target: 't', detail: { big: 'x'.repeat(10_000) } }), RangeError);
    });
  });
}
