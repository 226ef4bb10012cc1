import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CrsFetchError, extractTarGz, fetchCrs } from './crs-fetch.js';

function entry(name: string, body: string, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100);
  h.write(Buffer.byteLength(body).toString(8).padStart(11, '0') + '\0', 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  const data = Buffer.from(body);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

test('extracts regular files below the top folder, with long (pax) names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crs-x-'));
  const longName = `crs-1/${'d'.repeat(120)}/f.conf`;
  const pax = `${String(longName.length + 7 + 3).padStart(2, '0')} path=${longName}\n`;
  const tar = Buffer.concat([entry('crs-1/rules/a.conf', 'A'), entry('pax', pax, 'x'), entry('ignored-short-name', 'B'), Buffer.alloc(1024)]);
  assert.equal(extractTarGz(gzipSync(tar), dir), 2);
  assert.equal(readFileSync(join(dir, 'rules/a.conf'), 'utf8'), 'A');
  assert.equal(readFileSync(join(dir, 'd'.repeat(120), 'f.conf'), 'utf8'), 'B');
});

test('refuses path traversal and garbage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crs-x-'));
  const evil = Buffer.concat([entry('crs-1/../../escape.txt', 'x'), Buffer.alloc(1024)]);
  assert.throws(() => extractTarGz(gzipSync(evil), dir), (e: unknown) => e instanceof CrsFetchError && /unsafe path/.test(e.message));
  assert.ok(!existsSync(join(dir, '..', 'escape.txt')));
  assert.throws(() => extractTarGz(Buffer.from('not gzip'), dir), /not a valid \.tar\.gz/);
});

test('rejects a malformed version before any download', async () => {
  await assert.rejects(fetchCrs({ version: '4.x', dest: '/nonexistent' }), /--version must look like 4\.28\.0/);
});
