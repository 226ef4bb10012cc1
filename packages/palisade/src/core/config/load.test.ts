import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PalisadeError } from '../errors.js';
import { parseConfig, loadConfigFile } from './load.js';
import { mergeStageSettings } from './merge.js';
import { redactConfig } from './redact.js';
import { configJsonSchema } from './json-schema.js';
import { watchConfig } from './watch.js';
import type { PalisadeConfig } from './schema.js';

const REALISTIC = `
gateway:
  listen: { host: 0.0.0.0, port: 8443 }
  trustedProxies: [10.0.0.0/8, 'fd00::/8']
admin:
  token: 0123456789abcdef0123456789abcdef-admin
store:
  driver: postgres
  url: postgres://palisade:hunter2@db.internal:5432/palisade
apis:
  - name: shop
    upstream: http://127.0.0.1:3001
    openapi: specs/shop.yaml
  - name: billing
    upstream: https://billing.internal/v1
routes:
  - api: shop
    pathPrefix: /api
    stages:
      limits: { maxBodyBytes: 10485760 }
      methods: { allow: [GET] }
  - api: billing
    host: billing.example.com
    pathPrefix: /
defaults:
  cors: { enabled: true, origins: ['https://app.example.com'], credentials: true }
`;

function errorOf(fn: () => unknown): PalisadeError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof PalisadeError, `expected a PalisadeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

describe('parseConfig', () => {
  test('a realistic configuration: defaults filled, paths resolved, result frozen', () => {
    const c = parseConfig(REALISTIC, 'palisade.yaml', { env: {}, baseDir: '/etc/palisade' });
    assert.equal(c.gateway.listen.port, 8443);
    assert.equal(c.apis[0]!.openapi, '/etc/palisade/specs/shop.yaml');
    assert.equal(c.defaults.limits.maxBodyBytes, 1024 * 1024);
    assert.equal(c.routes[0]!.stages?.limits?.maxBodyBytes, 10485760);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.apis[0]) && Object.isFrozen(c.defaults.limits));
    assert.throws(() => {
      (c.gateway.listen as { port: number }).port = 1;
    }, TypeError);
  });

  test('an empty file is the defaults', () => {
    const c = parseConfig('', 'empty.yaml', { env: {} });
    assert.equal(c.gateway.listen.port, 8080);
    assert.equal(c.store.driver, 'sqlite');
    assert.deepEqual(c.apis, []);
  });

  test('every schema problem at once, each with file, line, column and option path', () => {
    const text = ['apis:', '  - name: shop', '    upstream: ftp://x', '    conections: 3', 'defaults:', '  limits:', '    maxBodyBytes: lots', '    maxJsonDepth: -1', 'gateway:', '  workers: many'].join('\n');
    const e = errorOf(() => parseConfig(text, 'p.yaml', { env: {} }));
    assert.equal(e.code, 'PALISADE_ERR_CONFIG_INVALID');
    const d = e.details.join('\n');
    assert.match(d, /^p\.yaml:3:\d+ apis\[0\]\.upstream: /m);
    assert.match(d, /^p\.yaml:4:\d+ apis\[0\]\.conections: .*did you mean "connections"/m);
    assert.match(d, /^p\.yaml:7:\d+ defaults\.limits\.maxBodyBytes: /m);
    assert.match(d, /^p\.yaml:8:\d+ defaults\.limits\.maxJsonDepth: /m);
    assert.match(d, /^p\.yaml:10:\d+ gateway\.workers: /m);
    assert.equal(e.details.length, 5);
  });

  test('YAML syntax errors and duplicate keys name the position', () => {
    const e = errorOf(() => parseConfig('gateway:\n  listen: { port: 1 }\ngateway: {}\n', 'dup.yaml', { env: {} }));
    assert.equal(e.code, 'PALISADE_ERR_CONFIG_SYNTAX');
    assert.match(e.details[0]!, /^dup\.yaml:3:\d+ duplicate key/);
    const s = errorOf(() => parseConfig('apis: [\n  - name: x\n', 's.yaml', { env: {} }));
    assert.equal(s.code, 'PALISADE_ERR_CONFIG_SYNTAX');
    assert.match(s.details[0]!, /^s\.yaml:\d+:\d+ /);
  });

  test('consistency: unknown API, duplicate API names, bad CIDRs, several APIs without routes, duplicate routes', () => {
    const e = errorOf(() =>
      parseConfig(
        [
          'gateway: { trustedProxies: [10.0.0.0/33] }',
          'apis:',
          '  - { name: a, upstream: http://127.0.0.1:1 }',
          '  - { name: a, upstream: http://127.0.0.1:2 }',
          'routes:',
          '  - { api: b, pathPrefix: /x }',
          '  - { api: a, pathPrefix: /y }',
          '  - { api: a, pathPrefix: /y }',
          'defaults:',
          '  ipFilter: { deny: [not-an-ip] }',
        ].join('\n'),
        'c.yaml',
        { env: {} },
      ),
    );
    const d = e.details.join('\n');
    assert.match(d, /c\.yaml:1:\d+ gateway\.trustedProxies\[0\]/);
    assert.match(d, /c\.yaml:4:\d+ apis\[1\]\.name/);
    assert.match(d, /c\.yaml:6:\d+ routes\[0\]\.api/);
    assert.match(d, /c\.yaml:8:\d+ routes\[2\]/);
    assert.match(d, /c\.yaml:10:\d+ defaults\.ipFilter\.deny\[0\]/);
    const noRoutes = errorOf(() => parseConfig('apis:\n  - { name: a, upstream: http://h:1 }\n  - { name: b, upstream: http://h:2 }\n', 'n.yaml', { env: {} }));
    assert.match(noRoutes.details.join('\n'), /routes/);
  });

  test("CORS '*' with credentials is refused as unsafe, in defaults and in a route", () => {
    const e = errorOf(() => parseConfig("defaults:\n  cors: { enabled: true, origins: ['*'], credentials: true }\n", 'u.yaml', { env: {} }));
    assert.equal(e.code, 'PALISADE_ERR_CONFIG_UNSAFE');
    const r = errorOf(() =>
      parseConfig("apis: [{ name: a, upstream: 'http://h:1' }]\nroutes:\n  - api: a\n    stages:\n      cors: { enabled: true, origins: ['*'], credentials: true }\n", 'r.yaml', { env: {} }),
    );
    assert.equal(r.code, 'PALISADE_ERR_CONFIG_UNSAFE');
    const bad = errorOf(() => parseConfig("defaults:\n  cors: { origins: ['https://x.example/path'] }\n", 'o.yaml', { env: {} }));
    assert.match(bad.details.join('\n'), /defaults\.cors\.origins\[0\]/);
  });

  test('environment overrides apply before validation and are named in errors', () => {
    const c = parseConfig('gateway: { listen: { port: 1 } }', 'e.yaml', { env: { PALISADE_GATEWAY_PORT: '9090', PALISADE_WORKERS: 'auto', PALISADE_ADMIN_TOKEN: 'x'.repeat(40) } });
    assert.equal(c.gateway.listen.port, 9090);
    assert.equal(c.gateway.workers, 'auto');
    assert.equal(c.admin.token, 'x'.repeat(40));
    const e = errorOf(() => parseConfig('', 'e.yaml', { env: { PALISADE_ADMIN_PORT: 'ninety' } }));
    assert.match(e.details.join('\n'), /PALISADE_ADMIN_PORT/);
  });
});

test('loadConfigFile: unreadable files are PALISADE_ERR_CONFIG_READ; relative paths resolve against the file', async () => {
  await assert.rejects(loadConfigFile('/nonexistent/palisade.yaml'), (e: unknown) => e instanceof PalisadeError && e.code === 'PALISADE_ERR_CONFIG_READ');
  const dir = mkdtempSync(join(tmpdir(), 'pal-cfg-'));
  try {
    writeFileSync(join(dir, 'p.yaml'), 'apis: [{ name: a, upstream: "http://h:1", openapi: spec.yaml }]\n');
    const { config } = await loadConfigFile(join(dir, 'p.yaml'), { env: {} });
    assert.equal(config.apis[0]!.openapi, join(dir, 'spec.yaml'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mergeStageSettings: objects merge, lists replace, inputs untouched', () => {
  const c = parseConfig("defaults:\n  ipFilter: { deny: ['10.0.0.0/8'] }\n", 'm.yaml', { env: {} });
  const merged = mergeStageSettings(c.defaults, { methods: { allow: ['GET'] }, limits: { maxBodyBytes: 5 } });
  assert.deepEqual(merged.methods.allow, ['GET']);
  assert.equal(merged.limits.maxBodyBytes, 5);
  assert.equal(merged.limits.maxJsonDepth, c.defaults.limits.maxJsonDepth);
  assert.deepEqual(merged.ipFilter.deny, ['10.0.0.0/8']);
  assert.ok(c.defaults.methods.allow.includes('POST'), 'defaults unchanged');
  assert.ok(Object.isFrozen(merged.limits));
});

test('redactConfig hides the admin token and the store password, keeps the rest', () => {
  const c = parseConfig(REALISTIC, 'palisade.yaml', { env: {} });
  const r = JSON.stringify(redactConfig(c));
  assert.doesNotMatch(r, /hunter2|0123456789abcdef0123456789abcdef-admin/);
  assert.match(r, /postgres:\/\/palisade:\[redacted\]@db\.internal:5432\/palisade/);
  assert.match(r, /maxHeaderCount/);
});

test('the published JSON Schema accepts a real configuration and rejects unknown options', () => {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(configJsonSchema());
  const yamlAsJson = { gateway: { listen: { port: 8080 } }, apis: [{ name: 'shop', upstream: 'http://127.0.0.1:3001' }], defaults: { limits: { maxBodyBytes: 2048 } } };
  assert.ok(validate(yamlAsJson), JSON.stringify(validate.errors));
  assert.ok(!validate({ gateway: { lisen: {} } }));
  assert.ok(!validate({ defaults: { limits: { maxBodyBytes: 'big' } } }));
});

describe('watchConfig', () => {
  test('applies a changed file, rejects a bad one (keeping the old), applies the fix', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pal-watch-'));
    const file = join(dir, 'palisade.yaml');
    const reloads: PalisadeConfig[] = [];
    const errors: PalisadeError[] = [];
    writeFileSync(file, 'gateway: { listen: { port: 1000 } }\n');
    let wake: () => void = () => undefined;
    // The watcher holds no reference on the event loop (it must not keep a process alive), so the
    // wait does: a ref'd timer that also bounds it.
    const next = () =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no reload event within 10 s')), 10_000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    const w = watchConfig(file, {
      env: {},
      debounceMs: 20,
      onReload: ({ config }) => {
        reloads.push(config);
        wake();
      },
      onError: (e) => {
        errors.push(e);
        wake();
      },
    });
    try {
      let event = next();
      writeFileSync(file, 'gateway: { listen: { port: 2000 } }\n');
      await event;
      assert.equal(reloads.at(-1)?.gateway.listen.port, 2000);

      event = next();
      writeFileSync(file, 'gateway: { listen: { prot: 3000 } }\n');
      await event;
      assert.ok(errors.length >= 1);
      assert.equal(errors[0]!.code, 'PALISADE_ERR_CONFIG_INVALID');
      assert.equal(reloads.length, 1, 'a bad file is not handed over');
      assert.equal((await w.reload()).status, 'rejected', 'a manual reload of the still-broken file is rejected again');
      assert.equal(reloads.length, 1);

      event = next();
      writeFileSync(file, 'gateway: { listen: { port: 4000 } }\n');
      await event;
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(reloads.at(-1)?.gateway.listen.port, 4000);
      assert.deepEqual(await w.reload(), { status: 'unchanged' });
      assert.ok(reloads.every((c) => c.gateway.listen.port !== 8080), 'a half-written (empty) file is never applied');
    } finally {
      w.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
