import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMultipart } from './multipart.js';

const L = { maxParts: 10, maxHeaderLines: 10 };
const CT = 'multipart/form-data; boundary=XyZ';

test('a clean multipart body: fields, files, no flags', () => {
  const body =
    '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\nhello\r\n' +
    '--XyZ\r\nContent-Disposition: form-data; name="f"; filename="x.txt"\r\nContent-Type: text/plain\r\n\r\nfile\r\ndata\r\n--XyZ--\r\n';
  const r = parseMultipart(body, CT, L);
  assert.equal(r.error, undefined);
  assert.deepEqual(r.parts.map((p) => [p.name, p.filename, p.value]), [['a', undefined, 'hello'], ['f', 'x.txt', 'file\r\ndata']]);
  assert.deepEqual(r.parts[1]!.headers, ['Content-Disposition: form-data; name="f"; filename="x.txt"', 'Content-Type: text/plain']);
  assert.ok(Object.values(r.flags).every((v) => v === false), JSON.stringify(r.flags));
});

test('evasions raise the flags ModSecurity raises', () => {
  const f = (body: string, ct = CT) => parseMultipart(body, ct, L);
  assert.ok(f('junk\r\n--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n').flags.dataBefore);
  assert.ok(f('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\nafter').flags.dataAfter);
  assert.ok(f('--XyZ\nContent-Disposition: form-data; name="a"\n\n1\n--XyZ--\n').flags.lfLine);
  assert.ok(f('--XyZ\r\nContent-Disposition: form-data;\r\n name="a"\r\n\r\n1\r\n--XyZ--\r\n').flags.headerFolding);
  assert.ok(f("--XyZ\r\nContent-Disposition: form-data; name='a'\r\n\r\n1\r\n--XyZ--\r\n").flags.invalidQuoting);
  assert.ok(f('--XyZ\r\nContent-Type: text/plain\r\n\r\n1\r\n--XyZ--\r\n').flags.invalidPart);
  assert.ok(f('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n', 'multipart/form-data; boundary="XyZ"').flags.boundaryQuoted);
  assert.ok(f('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--XyZ--\r\n', 'multipart/form-data boundary=XyZ').flags.missingSemicolon);
  assert.match(f('--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n').error!, /final boundary missing/);
  assert.match(f('x', 'multipart/form-data').error!, /boundary not found/);
});

test('the part limit is enforced', () => {
  const part = '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n';
  const r = parseMultipart(part.repeat(11) + '--XyZ--\r\n', CT, L);
  assert.ok(r.flags.fileLimitExceeded);
  assert.match(r.error!, /more than 10 parts/);
});
