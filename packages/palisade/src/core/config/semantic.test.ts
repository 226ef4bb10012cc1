// Consistency checks that run after the schema: addresses, origins, references, collisions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../errors.js';
import { parseConfig } from './load.js';
import { checkIpOrCidr, checkOrigin } from './semantic.js';

function errorOf(text: string): PalisadeError {
  try {
    parseConfig(text, 'palisade.yaml', { env: {} });
  } catch (e) {
    assert.ok(e instanceof PalisadeError, `expected a PalisadeError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected an error');
}

const TWO_APIS = 'apis:\n  - { name: shop, upstream: "http://127.0.0.1:3001" }\n  - { name: billing, upstream: "http://127.0.0.1:3002" }\n';

test('IP addresses and CIDR blocks, v4 and v6', () => {
  for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '192.168.1.1/32', '::1', '::/0', 'fd00::/8', '2001:db8::1/128', '::ffff:10.0.0.1']) {
    assert.equal(checkIpOrCidr(ok), null, ok);
  }
  assert.match(checkIpOrCidr('10.0.0.0/33')!, /\/33 is out of range for IPv4 \(0–32\)/);
  assert.match(checkIpOrCidr('fd00::/129')!, /\/129 is out of range for IPv6 \(0–128\)/);
  assert.match(checkIpOrCidr('10.0.0.0/')!, /is not a number/);
  assert.match(checkIpOrCidr('10.0.0.0/-1')!, /is not a number/);
  for (const bad of ['localhost', '10.0.0', '256.0.0.1', '10.0.0.1 ', 'fd00::/8/8', '']) {
    assert.match(checkIpOrCidr(bad)!, /expected an IPv4\/IPv6 address or CIDR block|not a number/, bad);
  }
});

test('CORS origins are scheme://host[:port], lower case, without path', () => {
  for (const ok of ['*', 'https://app.example.com', 'http://localhost:3000', 'http://[::1]:8080', 'app-scheme://x']) {
    assert.equal(checkOrigin(ok), null, ok);
  }
  assert.match(checkOrigin('https://app.example.com/')!, /without path or trailing slash/);
  assert.match(checkOrigin('https://app.example.com/x')!, /without path/);
  assert.match(checkOrigin('https://App.Example.com')!, /write "https:\/\/app\.example\.com"/);
  assert.match(checkOrigin('http://a:70000')!, /port 70000 is out of range/);
  assert.match(checkOrigin('app.example.com')!, /expected '\*' or an origin/);
  assert.match(checkOrigin('null')!, /expected '\*' or an origin/);
});

test('every address list is checked, with its path and line', () => {
  const text = [
    'gateway: { trustedProxies: [10.0.0.1, nope] }',
    TWO_APIS.trimEnd(),
    'routes:',
    '  - api: shop',
    '    pathPrefix: /shop',
    '    stages: { ipFilter: { allow: ["::1/200"], deny: [1.2.3.4/40] } }',
    '  - { api: billing, pathPrefix: /billing }',
    'defaults:',
    '  ipFilter: { allow: [x], deny: [y] }',
  ].join('\n');
  const d = errorOf(text).details;
  assert.equal(d.length, 5);
  assert.match(d[0]!, /^palisade\.yaml:1:39 gateway\.trustedProxies\[1\]: expected an IPv4\/IPv6 address or CIDR block, got "nope"$/);
  assert.match(d[1]!, /^palisade\.yaml:8:35 routes\[0\]\.stages\.ipFilter\.allow\[0\]: CIDR prefix \/200/);
  assert.match(d[2]!, /^palisade\.yaml:8:54 routes\[0\]\.stages\.ipFilter\.deny\[0\]: CIDR prefix \/40/);
  assert.match(d[3]!, /^palisade\.yaml:11:23 defaults\.ipFilter\.allow\[0\]/);
  assert.match(d[4]!, /^palisade\.yaml:11:34 defaults\.ipFilter\.deny\[0\]/);
});

test('routes: unknown API with suggestion, bad host, duplicates by host and prefix', () => {
  const text = [
    TWO_APIS.trimEnd(),
    'routes:',
    '  - { api: shp, pathPrefix: /a }', //                          5
    '  - { api: shop, host: "shop.example.com:443" }', //           6
    '  - { api: shop, host: Shop.Example.com, pathPrefix: /s }', // 7
    '  - { api: billing, host: shop.example.com, pathPrefix: /s }', // 8
    '  - { api: billing, host: other.example.com, pathPrefix: /s }', // 9
    '  - { api: ghost }', //                                        10
  ].join('\n');
  const d = errorOf(text).details;
  assert.deepEqual(d, [
    'palisade.yaml:5:12 routes[0].api: no API named "shp"; did you mean "shop"?',
    'palisade.yaml:6:24 routes[1].host: expected a host name without port (optionally starting with *.), got "shop.example.com:443"',
    'palisade.yaml:8:5 routes[3]: duplicate route: same host shop.example.com and pathPrefix /s as routes[2] (line 7)',
    'palisade.yaml:10:12 routes[5].api: no API named "ghost"; APIs: shop, billing',
  ]);
});

test('APIs: unique names and versions; several APIs need routes', () => {
  const dup = errorOf('apis:\n  - { name: a, upstream: "http://h:1" }\n  - { name: a, upstream: "http://h:2" }\nroutes: [{ api: a }]\n');
  assert.deepEqual(dup.details, ['palisade.yaml:3:13 apis[1].name: duplicate API name "a" (first at line 2)']);
  const versions = errorOf('apis:\n  - name: a\n    upstream: http://h\n    versions: [{ name: v1 }, { name: v1 }]\n');
  assert.match(versions.details[0]!, /^palisade\.yaml:4:\d+ apis\[0\]\.versions\[1\]\.name: duplicate version "v1"/);
  const noRoutes = errorOf(TWO_APIS);
  assert.deepEqual(noRoutes.details, ['palisade.yaml:1:1 apis: 2 APIs but no routes: add routes so that each request reaches the right API']);
  assert.equal(parseConfig('apis: [{ name: a, upstream: "http://h" }]', 'p.yaml', { env: {} }).routes.length, 0, 'one API needs no routes');
});

test("CORS '*' with credentials is unsafe, in defaults and in merged route settings, reported once", () => {
  const defaults = errorOf("defaults:\n  cors: { origins: ['*'], credentials: true }\napis: [{ name: a, upstream: 'http://h' }]\nroutes: [{ api: a, stages: { cors: { enabled: true } } }]\n");
  assert.equal(defaults.code, 'PALISADE_ERR_CONFIG_UNSAFE');
  assert.equal(defaults.details.length, 1, 'the route inherits the problem; it is reported at its source');
  assert.match(defaults.details[0]!, /^palisade\.yaml:2:11 defaults\.cors\.origins: '\*' in cors\.origins together with cors\.credentials: true/);

  const merged = errorOf("defaults:\n  cors: { origins: ['*'] }\napis: [{ name: a, upstream: 'http://h' }]\nroutes:\n  - api: a\n    stages: { cors: { credentials: true } }\n");
  assert.equal(merged.code, 'PALISADE_ERR_CONFIG_UNSAFE');
  assert.match(merged.details[0]!, /^palisade\.yaml:6:\d+ routes\[0\]\.stages\.cors\.credentials: .*merged with defaults for routes\[0\]/);

  const fixedByRoute = "defaults:\n  cors: { origins: ['*'] }\napis: [{ name: a, upstream: 'http://h' }]\nroutes:\n  - api: a\n    stages: { cors: { origins: ['https://a.example'], credentials: true } }\n";
  assert.equal(parseConfig(fixedByRoute, 'p.yaml', { env: {} }).routes[0]!.stages?.cors?.credentials, true);

  const alsoInvalid = errorOf("defaults:\n  cors: { origins: ['*', 'https://A.example'], credentials: true }\n");
  assert.equal(alsoInvalid.code, 'PALISADE_ERR_CONFIG_INVALID', 'mistakes and unsafe settings are listed together');
  assert.equal(alsoInvalid.details.length, 2);
});

test('store and listeners: postgres needs a URL; the admin API cannot share the gateway port', () => {
  assert.deepEqual(errorOf('store: { driver: postgres }\n').details, ['palisade.yaml:1:1 store.url: required when store.driver is postgres (or set PALISADE_STORE_URL)']);
  assert.deepEqual(errorOf('store: { driver: postgres, url: "mysql://h/db" }\n').details, [
    'palisade.yaml:1:33 store.url: expected a postgres:// or postgresql:// connection URL',
  ]);
  assert.deepEqual(errorOf('admin: { listen: { host: 0.0.0.0, port: 8080 } }\n').details, [
    'palisade.yaml:1:41 admin.listen.port: port 8080 is already used by gateway.listen.port (its default); pick another port',
  ]);
  const apart = parseConfig('gateway: { listen: { host: 127.0.0.1, port: 8080 } }\nadmin: { listen: { host: 127.0.0.2, port: 8080 } }\n', 'p.yaml', { env: {} });
  assert.equal(apart.admin.listen.port, 8080, 'different addresses may share a port number');
  assert.match(errorOf('gateway:\n  listen: { port: 8443 }\n  tls: { cert: c.pem, key: k.pem, redirectHttpPort: 8443 }\n').details[0]!, /redirectHttpPort: port 8443 is the gateway's own TLS port/);
});
