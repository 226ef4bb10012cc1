// `palisade crs fetch` against a local HTTP server serving a release tarball built here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLI, tempDir } from './helpers.js';

/** A minimal ustar writer: enough for regular files and directories. */
function tar(entries: { name: string; body?: string; type?: '0' | '5' | '2' }[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100);
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(body.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('00000000000\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.type === '2') h.write('/etc/passwd', 157);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

test('crs fetch: downloads, verifies the SHA-256 (fetched or given) and extracts; refuses a mismatch', async () => {
  const archive = gzipSync(
    tar([
      { name: 'coreruleset-4.99.0/', type: '5' },
      { name: 'coreruleset-4.99.0/crs-setup.conf.example', body: 'SecDefaultAction "phase:1,log,auditlog,pass"\n' },
      { name: 'coreruleset-4.99.0/rules/REQUEST-901-INITIALIZATION.conf', body: 'SecAction "id:901001,phase:1,pass,nolog"\n' },
      { name: 'coreruleset-4.99.0/rules/link', type: '2' },
    ]),
  );
  const digest = createHash('sha256').update(archive).digest('hex');
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    served.push(req.url ?? '');
    if (req.url === '/dl/v4.99.0/coreruleset-4.99.0-minimal.tar.gz') res.end(archive);
    else if (req.url === '/dl/v4.99.0/coreruleset-4.99.0-minimal.tar.gz.sha256') res.end(`${digest}  coreruleset-4.99.0-minimal.tar.gz\n`);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dl`;
  const t = tempDir();
  try {
    const dest = join(t.dir, 'crs');
    const ok = await run(['crs', 'fetch', '--version', '4.99.0', '--base-url', base, '--dest', dest]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /2 files extracted/);
    assert.match(readFileSync(join(dest, 'rules/REQUEST-901-INITIALIZATION.conf'), 'utf8'), /id:901001/);
    assert.ok(existsSync(join(dest, 'crs-setup.conf.example')));
    assert.ok(!existsSync(join(dest, 'rules/link')), 'links are not extracted');
    assert.ok(served.includes('/dl/v4.99.0/coreruleset-4.99.0-minimal.tar.gz.sha256'));

    const dest2 = join(t.dir, 'crs2');
    const bad = await run(['crs', 'fetch', '--version', '4.99.0', '--base-url', base, '--dest', dest2, '--sha256', '0'.repeat(64)]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /SHA-256 mismatch/);
    assert.ok(!existsSync(dest2), 'nothing extracted on a mismatch');

    const missing = await run(['crs', 'fetch', '--version', '4.98.0', '--base-url', base, '--dest', dest2]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /HTTP 404/);

    const usage = await run(['crs', 'fetch']);
    assert.notEqual(usage.code, 0, usage.stderr);
    assert.match(usage.stderr, /--version/);
  } finally {
    t.cleanup();
    server.close();
  }
});
