// `palisade users ...` as an operator runs it: accounts land in the store the configuration names,
// passwords are hashed (a generated one is printed once), and every change is in the audit log.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from 'palisade';
import { CLI, tempDir } from './helpers.js';

function run(cwd: string, args: string[], input?: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : { stdio: ['ignore', 'pipe', 'pipe'] }) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('palisade users', () => {
  test('create (generated and from stdin), list, passwd, disable; refusals; audit entries', async () => {
    const t = tempDir();
    try {
      writeFileSync(join(t.dir, 'palisade.yaml'), 'apis:\n  - name: shop\n    upstream: http://127.0.0.1:1\nstore:\n  path: ./data/p.db\n');
      const gen = run(t.dir, ['users', 'create', 'alice', '--role', 'admin', '--json']);
      assert.equal(gen.code, 0, gen.stderr);
      const created = JSON.parse(gen.stdout) as { user: { username: string; role: string }; password: string };
      assert.equal(created.user.role, 'admin');
      assert.ok(created.password.length >= 12);
      const piped = run(t.dir, ['users', 'create', 'bob', '--role', 'viewer', '--password-stdin'], 'a-long-secret-pass\n');
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stdout, /a-long-secret-pass/, 'a given password is never printed');
      assert.equal(run(t.dir, ['users', 'create', 'bob', '--role', 'viewer']).code, 1, 'taken');
      assert.match(run(t.dir, ['users', 'create', 'carol', '--role', 'root']).stderr, /--role must be/);
      assert.match(run(t.dir, ['users', 'passwd', 'bob', '--password-stdin'], 'short\n').stderr, /at least 12 characters/);
      assert.equal(run(t.dir, ['users', 'passwd', 'bob', '--password-stdin'], 'another-long-pass\n').code, 0);
      assert.equal(run(t.dir, ['users', 'disable', 'bob']).code, 0);
      assert.match(run(t.dir, ['users', 'disable', 'alice']).stderr, /without an enabled admin/);
      const list = run(t.dir, ['users', 'list']);
      assert.match(list.stdout, /alice\s+admin\s+local\s+enabled/);
      assert.match(list.stdout, /bob\s+viewer\s+local\s+disabled/);
      assert.doesNotMatch(list.stdout, /scrypt/);

      const store = await openStore({ driver: 'sqlite', path: join(t.dir, 'data', 'p.db') });
      try {
        const bob = await store.consoleUsers.getUser('bob');
        assert.match(bob?.passwordHash ?? '', /^scrypt\$32768\$8\$1\$/);
        const actions = (await store.consoleUsers.listAudit()).map((e) => `${e.action} ${e.target}`).reverse();
        assert.deepEqual(actions, ['user.create alice', 'user.create bob', 'user.update bob', 'user.update bob']);
        const all = JSON.stringify(await store.consoleUsers.listAudit());
        assert.ok(!all.includes('another-long-pass') && !all.includes(created.password), 'no password in the audit log');
      } finally {
        await store.close();
      }
    } finally {
      t.cleanup();
    }
  });
});
