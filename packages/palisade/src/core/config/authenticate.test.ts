import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PalisadeError } from '../errors.js';
import { parseConfig } from './load.js';
import { mergeStageSettings } from './merge.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, 'p.yaml', { env: {} });
  } catch (err) {
    assert.ok(err instanceof PalisadeError);
    assert.equal(err.code, 'PALISADE_ERR_CONFIG_INVALID');
    return [...err.details];
  }
  return [];
}

const auth = (body: string) => `defaults:\n  authenticate:\n${body.replace(/^/gm, '    ')}\n`;

describe('authenticate settings', () => {
  it('are off by default, with no methods', () => {
    const cfg = parseConfig('', 'p.yaml', { env: {} });
    assert.equal(cfg.defaults.authenticate.enabled, false);
    assert.deepEqual(cfg.defaults.authenticate.methods, []);
    assert.equal(cfg.defaults.authenticate.realm, 'palisade');
  });

  it('need methods, and settings for each method', () => {
    assert.match(problems(auth('enabled: true')).join('\n'), /authenticate\.methods: list at least one method/);
    assert.match(problems(auth('enabled: true\nmethods: [jwt]')).join('\n'), /authenticate\.jwt: methods includes jwt/);
    assert.match(problems(auth('enabled: true\nmethods: [introspection]')).join('\n'), /methods includes introspection/);
    assert.match(problems(auth('enabled: true\nmethods: [mtls]')).join('\n'), /gateway\.tls\.clientCa/);
  });

  it('need exactly one key source and an explicit algorithm allow-list', () => {
    assert.match(problems(auth('enabled: true\nmethods: [jwt]\njwt: { algorithms: [RS256] }')).join('\n'), /no key source/);
    const two = problems(auth("enabled: true\nmethods: [jwt]\njwt: { jwksUrl: 'https://id.example/jwks', secretEnv: S, algorithms: [RS256] }"));
    assert.match(two.join('\n'), /p\.yaml:\d+:\d+ defaults\.authenticate\.jwt\.secretEnv: one key source only/);
    assert.match(problems(auth("enabled: true\nmethods: [jwt]\njwt: { jwksUrl: 'https://id.example/jwks' }")).join('\n'), /algorithms: required/);
    assert.match(problems(auth("enabled: true\nmethods: [jwt]\njwt: { jwksUrl: 'https://id.example/jwks', algorithms: [none] }")).join('\n'), /algorithms/);
  });

  it('refuse HMAC algorithms with public keys and asymmetric ones with a secret (algorithm confusion)', () => {
    const rs = problems(auth("enabled: true\nmethods: [jwt]\njwt: { jwksUrl: 'https://id.example/jwks', algorithms: [RS256, HS256] }"));
    assert.match(rs.join('\n'), /HS256 with public keys.*algorithm confusion/);
    const hs = problems(auth('enabled: true\nmethods: [jwt]\njwt: { secretEnv: S, algorithms: [HS256, RS256] }'));
    assert.match(hs.join('\n'), /RS256 cannot be verified with a shared secret/);
  });

  it('bound the clock skew to five minutes', () => {
    assert.match(problems(auth("enabled: true\nmethods: [jwt]\njwt: { jwksUrl: 'https://id.example/jwks', algorithms: [ES256], clockSkewSeconds: 301 }")).join('\n'), /clockSkewSeconds/);
  });

  it('need the issuer URL for discovery, and client credentials for introspection', () => {
    assert.match(problems(auth('enabled: true\nmethods: [jwt]\njwt: { discovery: true, algorithms: [ES256] }')).join('\n'), /discovery needs issuer/);
    const i = problems(auth("enabled: true\nmethods: [introspection]\nintrospection: { endpoint: 'https://id.example/introspect' }")).join('\n');
    assert.match(i, /clientId: required/);
    assert.match(i, /clientSecretEnv: set one of/);
  });

  it('let a route override one jwt option and keep the others from defaults', () => {
    const cfg = parseConfig(
      `
apis: [{ name: a, upstream: 'http://127.0.0.1:1' }]
defaults:
  authenticate:
    enabled: true
    methods: [jwt]
    jwt: { jwksUrl: 'https://id.example/jwks', algorithms: [ES256], audience: api-a, clockSkewSeconds: 60 }
routes:
  - { api: a, pathPrefix: /b, stages: { authenticate: { jwt: { audience: api-b } } } }
  - { api: a, pathPrefix: /public, stages: { authenticate: { optional: true } } }
  - { api: a, pathPrefix: /health, stages: { authenticate: { enabled: false } } }
`,
      'p.yaml',
      { env: {} },
    );
    const b = mergeStageSettings(cfg.defaults, cfg.routes[0]!.stages).authenticate;
    assert.equal(b.jwt?.audience, 'api-b');
    assert.equal(b.jwt?.clockSkewSeconds, 60, 'not reset by the override');
    assert.equal(b.jwt?.jwksUrl, 'https://id.example/jwks');
    assert.equal(mergeStageSettings(cfg.defaults, cfg.routes[1]!.stages).authenticate.optional, true);
    assert.equal(mergeStageSettings(cfg.defaults, cfg.routes[2]!.stages).authenticate.enabled, false);
  });

  it('resolve publicKeyFile against the configuration directory', () => {
    const cfg = parseConfig(auth('enabled: true\nmethods: [jwt]\njwt: { publicKeyFile: keys/issuer.pem, algorithms: [RS256] }'), 'p.yaml', { env: {}, baseDir: '/etc/palisade' });
    assert.equal(cfg.defaults.authenticate.jwt?.publicKeyFile, '/etc/palisade/keys/issuer.pem');
  });
});
