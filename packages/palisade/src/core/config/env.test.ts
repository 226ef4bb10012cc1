import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEnvOverrides, ENV_OVERRIDES } from './env.js';
import { parseConfig } from './load.js';
import { ConfigSchema } from './schema.js';
import { schemaAt } from './walk.js';

test('every override names an existing option, once', () => {
  const names = new Set<string>();
  for (const o of ENV_OVERRIDES) {
    assert.match(o.name, /^PALISADE_[A-Z_]+$/);
    assert.ok(!names.has(o.name), o.name);
    names.add(o.name);
    assert.ok(schemaAt(ConfigSchema, o.path), `${o.name} → ${o.option}`);
    assert.ok(o.description.length > 10);
  }
  assert.equal(names.size, 15);
});

test('overrides win over the file and are typed like the option', () => {
  const env = {
    PALISADE_GATEWAY_HOST: '::',
    PALISADE_GATEWAY_PORT: ' 9443 ',
    PALISADE_ADMIN_HOST: '10.0.0.5',
    PALISADE_ADMIN_PORT: '9100',
    PALISADE_ADMIN_TOKEN: 't'.repeat(32),
    PALISADE_STORE_DRIVER: 'postgres',
    PALISADE_STORE_PATH: '/var/lib/palisade.db',
    PALISADE_STORE_URL: 'postgres://u:p@db/palisade',
    PALISADE_WORKERS: '4',
    PALISADE_LOG_LEVEL: 'debug',
  };
  const c = parseConfig('gateway: { listen: { port: 1 }, workers: auto }\nlog: { level: warn }\n', 'e.yaml', { env });
  assert.deepEqual(c.gateway.listen, { host: '::', port: 9443 });
  assert.deepEqual(c.admin.listen, { host: '10.0.0.5', port: 9100 });
  assert.equal(c.admin.token, 't'.repeat(32));
  assert.equal(c.store.driver, 'postgres');
  assert.equal(c.store.path, '/var/lib/palisade.db');
  assert.equal(c.store.url, 'postgres://u:p@db/palisade');
  assert.equal(c.gateway.workers, 4);
  assert.equal(c.log.level, 'debug');
});

test('empty variables count as unset; process.env is the default source', () => {
  const c = parseConfig('gateway: { listen: { port: 1234 } }', 'e.yaml', { env: { PALISADE_GATEWAY_PORT: '' } });
  assert.equal(c.gateway.listen.port, 1234);
});

test('a section that is not a mapping is left for validation to report', () => {
  const raw: Record<string, unknown> = { gateway: 5 };
  const applied = applyEnvOverrides(raw, { PALISADE_GATEWAY_PORT: '1', PALISADE_LOG_LEVEL: 'info' });
  assert.deepEqual(raw, { gateway: 5, log: { level: 'info' } });
  assert.deepEqual([...applied.keys()], ['log.level']);
});
