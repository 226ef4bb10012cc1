// The palisade command as a user runs it.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ADMIN_TOKEN, startUpstream, tempDir, waitFor } from './helpers.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('palisade CLI', () => {
  test('--help everywhere', () => {
    const main = run(['--help']);
    assert.equal(main.code, 0);
    for (const c of ['start', 'gateway', 'config validate', 'config schema']) assert.match(main.stdout, new RegExp(c));
    assert.match(main.stdout, /PALISADE_GATEWAY_PORT/);
    for (const c of [['start'], ['gateway'], ['config', 'validate'], ['config', 'schema']]) {
      const r = run([...c, '--help']);
      assert.equal(r.code, 0, `${c.join(' ')} --help`);
      assert.match(r.stdout, /Usage: palisade/);
    }
    const bad = run(['frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /unknown command/);
    const badFlag = run(['gateway', '--nope']);
    assert.equal(badFlag.code, 2);
    assert.match(badFlag.stderr, /nope/);
  });

  test('config validate: a valid file, and a broken one with every problem named with its line', () => {
    const t = tempDir();
    try {
      const good = join(t.dir, 'good.yaml');
      writeFileSync(good, 'apis:\n  - name: shop\n    upstream: http://127.0.0.1:3001\n');
      const ok = run(['config', 'validate', good]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /valid/);
      const badFile = join(t.dir, 'bad.yaml');
      writeFileSync(badFile, 'apis:\n  - name: shop\n    upstream: ftp://x\n    conections: 3\ndefaults:\n  limits:\n    maxBodyBytes: lots\n');
      const bad = run(['config', 'validate', badFile]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /PALISADE_ERR_CONFIG_INVALID/);
      assert.match(bad.stderr, /bad\.yaml:3:\d+ apis\[0\]\.upstream/);
      assert.match(bad.stderr, /bad\.yaml:4:\d+ apis\[0\]\.conections/);
      assert.match(bad.stderr, /did you mean .?connections/);
      assert.match(bad.stderr, /bad\.yaml:7:\d+ defaults\.limits\.maxBodyBytes/);
      const syntax = join(t.dir, 'syntax.yaml');
      writeFileSync(syntax, 'apis: [\n  - name: x\n');
      const s = run(['config', 'validate', syntax]);
      assert.equal(s.code, 1);
      assert.match(s.stderr, /PALISADE_ERR_CONFIG_SYNTAX/);
      const missing = run(['config', 'validate', join(t.dir, 'nope.yaml')]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /PALISADE_ERR_CONFIG_READ/);
    } finally {
      t.cleanup();
    }
  });

  test('config schema prints a JSON Schema', () => {
    const r = run(['config', 'schema']);
    assert.equal(r.code, 0);
    const schema = JSON.parse(r.stdout) as { $schema: string; properties: Record<string, unknown> };
    assert.match(schema.$schema, /json-schema\.org/);
    for (const k of ['gateway', 'admin', 'store', 'apis', 'routes', 'defaults']) assert.ok(k in schema.properties, k);
  });

  test('gateway with two workers shares one port and aggregates metrics; SIGTERM stops it', async () => {
    const up = await startUpstream((_req, res) => res.end('ok'));
    const t = tempDir();
    const file = join(t.dir, 'palisade.yaml');
    writeFileSync(file, `gateway: { workers: 2, listen: { port: 0 } }\nadmin: { listen: { port: 0 } }\nstore: { path: ${JSON.stringify(join(t.dir, 'db.sqlite'))} }\napis: [{ name: up, upstream: ${up.url} }]\nlog: { level: info }\n`);
    const child = spawn(process.execPath, [CLI, 'gateway', '-c', file], { env: { ...process.env, PALISADE_ADMIN_TOKEN: ADMIN_TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const urls = await waitFor(() => {
        const g = /Shield gateway\s+(http:\/\/\S+)/.exec(out)?.[1];
        const a = /admin API\s+(http:\/\/\S+)/.exec(out)?.[1];
        return g && a ? { g, a } : undefined;
      }, 20_000, `the start banner; output so far: ${out}`);
      assert.match(out, /2 workers/);
      for (let i = 0; i < 20; i++) assert.equal((await fetch(`${urls.g}/x`)).status, 200);
      const metrics = await (await fetch(`${urls.a}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
      const total = [...metrics.matchAll(/palisade_requests_total\{[^}]*status="200"[^}]*\} (\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
      assert.equal(total, 20, 'metrics from both workers are summed');
    } finally {
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exited, 0, out);
      await up.close();
      t.cleanup();
    }
  });
});
