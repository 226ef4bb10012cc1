import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { MtlsVerifier, normaliseFingerprint, type MtlsOptions } from './mtls.js';
import type { AuthResult } from './types.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A CA, a client certificate it signed, a self-signed impostor with the same CN, and a server certificate. */
function makeCerts(dir: string): void {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Palisade Test Client CA');
  run('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=svc-billing/O=Example');
  run('x509', '-req', '-in', 'client.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.pem', '-days', '2');
  run('req', '-x509', ...ec, '-keyout', 'rogue.key', '-out', 'rogue.pem', '-days', '2', '-subj', '/CN=svc-billing');
  run('req', '-x509', ...ec, '-keyout', 'server.key', '-out', 'server.pem', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1');
}

describe('mTLS client certificates', { skip: !hasOpenssl() && 'openssl is not installed' }, () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  let verifier: MtlsVerifier;
  let clientFp: string;
  const file = (n: string) => readFileSync(join(dir, n));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'palisade-mtls-'));
    makeCerts(dir);
    clientFp = normaliseFingerprint(new X509Certificate(file('client.pem')).fingerprint256);
    server = https.createServer({ cert: file('server.pem'), key: file('server.key'), ca: file('ca.pem'), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const r = verifier.identify(req.socket) ?? null;
      res.end(JSON.stringify(r));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const call = (opts: MtlsOptions, client?: 'client' | 'rogue'): Promise<AuthResult | null> => {
    verifier = new MtlsVerifier(opts);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          ca: file('server.pem'),
          agent: false,
          ...(client ? { cert: file(`${client}.pem`), key: file(`${client}.key`) } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve(JSON.parse(body) as AuthResult | null));
        },
      );
      req.on('error', reject);
      req.end();
    });
  };

  it('a certificate signed by the client CA gives a principal named by its subject CN', async () => {
    const r = await call({ principal: 'subject' }, 'client');
    assert.ok(r?.ok);
    assert.equal(r.principal.id, 'svc-billing');
    assert.equal(r.principal.method, 'mtls');
    assert.equal((r.principal.claims as { fingerprint: string }).fingerprint, clientFp);
  });

  it('or by its SHA-256 fingerprint, with roles from the mapping (colons and case ignored)', async () => {
    const colons = clientFp.toUpperCase().match(/../g)!.join(':');
    const r = await call({ principal: 'fingerprint', mapping: { [colons]: { roles: ['billing'], scopes: ['invoices:write'], tenant: 'acme' } } }, 'client');
    assert.ok(r?.ok);
    assert.equal(r.principal.id, clientFp);
    assert.deepEqual(r.principal.roles, ['billing']);
    assert.deepEqual(r.principal.scopes, ['invoices:write']);
    assert.equal(r.principal.tenant, 'acme');
    const named = await call({ principal: 'subject', mapping: { [clientFp]: { id: 'billing-service' } } }, 'client');
    assert.ok(named?.ok && named.principal.id === 'billing-service');
  });

  it('refuses a certificate no configured CA signed, even with the same CN', async () => {
    const r = await call({ principal: 'subject' }, 'rogue');
    assert.ok(r && !r.ok);
    assert.equal(r.reason, 'unknown');
  });

  it('with requireMapping, refuses CA-signed certificates that are not listed', async () => {
    const r = await call({ principal: 'subject', requireMapping: true, mapping: { ['ab'.repeat(32)]: { id: 'someone-else' } } }, 'client');
    assert.ok(r && !r.ok && r.reason === 'unknown');
  });

  it('reports no credential when the client sends no certificate, or on plain sockets', async () => {
    assert.equal(await call({ principal: 'subject' }), null);
    assert.equal(new MtlsVerifier({ principal: 'subject' }).identify(undefined), undefined);
  });

  it('refuses malformed fingerprints in the mapping', () => {
    assert.throws(() => new MtlsVerifier({ principal: 'subject', mapping: { abc: {} } }), /fingerprint/);
  });
});
