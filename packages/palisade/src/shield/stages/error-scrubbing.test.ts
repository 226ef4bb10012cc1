import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import type { StageSettings } from '../../core/index.js';
import type { HeaderMap, Stage } from '../stage.js';
import { SCRUBBED_DETAIL, createErrorScrubbingStage, decodeBody, findLeak } from './error-scrubbing.js';
import type { FakeEnv } from './fake-context.js';
import { fakeContext, fakeEnv, settingsFor } from './fake-context.js';

function build(overrides: Partial<StageSettings['errorScrubbing']> = {}, env: FakeEnv = fakeEnv()): Stage {
  const stage = createErrorScrubbingStage(settingsFor('errorScrubbing', overrides), env);
  assert.ok(stage);
  return stage;
}

function respond(stage: Stage, status: number, body: string | Buffer, headers: HeaderMap = {}, truncated = false) {
  const ctx = fakeContext({ requestId: 'req-42' });
  const head = { status, headers: { 'content-type': 'text/plain', ...headers } };
  if (stage.responseHead!(ctx, head) !== 'buffer') return 'not buffered';
  return stage.responseBody!(ctx, head, Buffer.isBuffer(body) ? body : Buffer.from(body), truncated);
}

function realNodeStack(): string {
  try {
    JSON.parse('{ not json');
  } catch (err) {
    return (err as Error).stack ?? '';
  }
  return '';
}

const LEAKS: Record<string, string> = {
  'node stack in JSON': JSON.stringify({ error: 'boom', stack: new Error('boom').stack }),
  'node stack as text': realNodeStack(),
  python: 'Traceback (most recent call last):\n  File "/srv/app/views.py", line 42, in handler\n    raise ValueError("x")\nValueError: x',
  'python frame only': '{"detail": "File \\"/app/main.py\\", line 7, in <module>"}',
  java:
    'java.lang.NullPointerException: null\n\tat com.example.orders.OrderService.find(OrderService.java:87)\n\tat com.example.orders.OrderController.get(OrderController.java:31)',
  'java thread': 'Exception in thread "main" java.lang.IllegalStateException',
  'dotnet': 'System.InvalidOperationException: bad\n   at Shop.Api.OrdersController.Get(Int32 id) in C:\\src\\Shop.Api\\OrdersController.cs:line 12',
  php: '<br />\n<b>Fatal error</b>:  Uncaught Error: Call to undefined function foo() in <b>/srv/site/index.php</b> on line <b>3</b><br />',
  'php plain': 'PHP Fatal error:  Uncaught Exception: boom in /srv/site/lib.php:12\nStack trace:\n#0 {main}',
  ruby: "app/controllers/orders_controller.rb:12:in `show'",
  go: 'panic: runtime error: index out of range [3] with length 3\n\ngoroutine 1 [running]:\nmain.main()',
  mysql: "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use near ''1''' at line 1",
  postgres: '{"error":"syntax error at or near \\"FROM\\""}',
  sqlite: '{"error":"SQLITE_ERROR: no such table: users"}',
  'sqlite near': 'near "SELEC": syntax error',
  mssql: "Unclosed quotation mark after the character string 'abc'.",
  oracle: 'ORA-00933: SQL command not properly ended',
  jdbc: 'org.postgresql.util.PSQLException: ERROR: relation "users" does not exist',
  odbc: '[Microsoft][ODBC SQL Server Driver][SQL Server]Invalid object name',
  pdo: 'SQLSTATE[42S22]: Column not found',
  django: "You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.",
  rails: '<h1>Action Controller: Exception caught</h1>',
  laravel: '<title>Whoops! There was an error.</title>',
  spring: '<h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error</p>',
  aspnet: "<h1>Server Error in '/' Application.</h1>",
  werkzeug: '<title>ValueError // Werkzeug Debugger</title>',
  'home path': '{"error":"ENOENT: no such file or directory, open \'/home/deploy/app/config.json\'"}',
  'var www path': 'failed to include /var/www/html/config.inc',
  'docker app path': 'Cannot find module /usr/src/app/dist/x',
  inetpub: '{"error":"Could not find a part of the path \'C:\\\\inetpub\\\\wwwroot\\\\web.config\'"}',
};

const BENIGN: Record<string, string> = {
  maintenance: '{"error":"maintenance"}',
  'problem json': '{"type":"about:blank","title":"Service Unavailable","status":503,"detail":"Try again at 10:30."}',
  prose: 'We are down for maintenance at the moment. Look at https://status.example.com/home/ for updates.',
  'html error page': '<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>',
};

describe('findLeak', () => {
  for (const [name, text] of Object.entries(LEAKS)) {
    it(`finds the ${name} leak`, () => {
      assert.ok(text.length > 0);
      assert.notEqual(findLeak(text), undefined, text);
    });
  }
  for (const [name, text] of Object.entries(BENIGN)) {
    it(`leaves a benign ${name} body alone`, () => {
      assert.equal(findLeak(text), undefined);
    });
  }

  it('stays fast on adversarial input', () => {
    // Long runs of the characters the patterns repeat; a backtracking blow-up would not finish.
    const inputs = ['at '.repeat(80_000), 'a'.repeat(250_000) + '.rb', '/'.repeat(250_000), 'java.' + 'a.'.repeat(120_000), 'Fatal error: ' + 'x'.repeat(250_000)];
    for (const s of inputs) findLeak(s);
  });
});

describe('decodeBody', () => {
  const text = Buffer.from('hello world '.repeat(50));
  it('undoes gzip, deflate (zlib and raw), br and stacked codings', () => {
    assert.deepEqual(decodeBody(gzipSync(text), 'gzip', 1 << 20), text);
    assert.deepEqual(decodeBody(deflateSync(text), 'deflate', 1 << 20), text);
    assert.deepEqual(decodeBody(deflateRawSync(text), 'deflate', 1 << 20), text);
    assert.deepEqual(decodeBody(brotliCompressSync(text), 'BR', 1 << 20), text);
    assert.deepEqual(decodeBody(brotliCompressSync(gzipSync(text)), 'gzip, br', 1 << 20), text);
    assert.deepEqual(decodeBody(text, 'identity', 1 << 20), text);
  });

  it('gives up on unknown codings, corrupt data and output over the cap', () => {
    assert.equal(decodeBody(text, 'zstd', 1 << 20), null);
    assert.equal(decodeBody(text, 'gzip', 1 << 20), null);
    assert.equal(decodeBody(gzipSync(Buffer.alloc(100_000)), 'gzip', 10_000), null);
  });
});

describe('errorScrubbing stage', () => {
  it('is off when disabled', () => {
    assert.equal(createErrorScrubbingStage(settingsFor('errorScrubbing', { enabled: false }), fakeEnv()), null);
  });

  it('buffers only 5xx responses, up to maxInspectBytes', () => {
    const stage = build({ maxInspectBytes: 4096 });
    assert.equal(stage.maxBufferBytes, 4096);
    assert.equal(respond(stage, 404, 'Traceback (most recent call last)'), 'not buffered');
    assert.equal(respond(stage, 200, 'ok'), 'not buffered');
  });

  it('replaces a real Node stack trace and logs the original', () => {
    const env = fakeEnv();
    const stage = build({}, env);
    const stack = realNodeStack();
    const v = respond(stage, 500, stack);
    assert.deepEqual(v, { kind: 'deny', code: 'upstream-error', status: 500, detail: SCRUBBED_DETAIL });
    assert.equal(env.logs.length, 1);
    const line = env.logs[0]!;
    assert.equal(line.level, 'error');
    assert.equal(line.msg, 'scrubbed upstream error');
    assert.equal(line.fields?.requestId, 'req-42');
    assert.equal(line.fields?.status, 500);
    assert.equal(line.fields?.reason, 'stack-trace:node');
    assert.equal(line.fields?.bodyExcerpt, stack.slice(0, 2048));
  });

  it('replaces Python, Java, PHP and SQL leaks, keeping the upstream status', () => {
    const stage = build();
    for (const name of ['python', 'java', 'php', 'mysql', 'postgres']) {
      const v = respond(stage, 502, LEAKS[name]!) as { code?: string; status?: number };
      assert.equal(v?.code, 'upstream-error', name);
      assert.equal(v.status, 502, name);
    }
  });

  it('keeps a benign 503 in leaky mode', () => {
    const env = fakeEnv();
    const stage = build({}, env);
    assert.equal(respond(stage, 503, '{"error":"maintenance"}', { 'content-type': 'application/json' }), undefined);
    assert.equal(respond(stage, 500, ''), undefined);
    assert.equal(env.logs.length, 0);
  });

  it('replaces every 5xx body in mode all, keeping Retry-After', () => {
    const stage = build({ mode: 'all' });
    const v = respond(stage, 503, '{"error":"maintenance"}', { 'retry-after': '120' });
    assert.deepEqual(v, { kind: 'deny', code: 'upstream-error', status: 503, detail: SCRUBBED_DETAIL, headers: { 'Retry-After': '120' } });
  });

  it('finds a leak inside a gzip-compressed body', () => {
    const stage = build();
    const gz = gzipSync(LEAKS.java!);
    assert.equal((respond(stage, 500, gz, { 'content-encoding': 'gzip' }) as { code?: string }).code, 'upstream-error');
    assert.equal(respond(stage, 503, gzipSync('{"error":"maintenance"}'), { 'content-encoding': 'gzip' }), undefined);
  });

  it('replaces truncated and undecodable bodies unread', () => {
    const env = fakeEnv();
    const stage = build({}, env);
    assert.equal((respond(stage, 500, '{"error":"maint', {}, true) as { code?: string }).code, 'upstream-error');
    assert.equal(env.logs[0]?.fields?.reason, 'too-large-to-inspect');
    assert.equal((respond(stage, 500, 'not gzip', { 'content-encoding': 'gzip' }) as { code?: string }).code, 'upstream-error');
    assert.equal(env.logs[1]?.fields?.reason, 'undecodable');
  });
});
