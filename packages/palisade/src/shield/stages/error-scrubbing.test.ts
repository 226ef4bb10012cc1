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

describe('errorScrubbing stage: SOAP faults', () => {
  const javaTrace = 'java.lang.NullPointerException: null\n\tat com.example.stock.QuoteService.find(QuoteService.java:87)\n\tat com.example.stock.QuoteEndpoint.getQuote(QuoteEndpoint.java:31)';
  const fault11 = (faultstring: string, detail = '') =>
    `<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>${faultstring}</faultstring>${detail ? `<detail><ns:trace xmlns:ns="urn:x">${detail}</ns:trace></detail>` : ''}</soap:Fault></soap:Body></soap:Envelope>`;
  const fault12 = (reason: string, detail = '', code = 'env:Receiver') =>
    `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"><env:Body><env:Fault><env:Code><env:Value>${code}</env:Value></env:Code><env:Reason><env:Text xml:lang="en">${reason}</env:Text></env:Reason>${detail ? `<env:Detail><e:x xmlns:e="urn:e">${detail}</e:x></env:Detail>` : ''}</env:Fault></env:Body></env:Envelope>`;
  const T11 = { 'content-type': 'text/xml; charset=utf-8' };
  const T12 = { 'content-type': 'application/soap+xml; charset=utf-8' };

  function replaced(v: unknown): { status: number; type: string; body: string } {
    const r = v as { kind: string; status: number; headers: Record<string, string>; body: string };
    assert.equal(r?.kind, 'respond');
    return { status: r.status, type: r.headers['Content-Type']!, body: r.body };
  }

  it('replaces a SOAP 1.1 fault leaking a Java stack trace with a generic SOAP 1.1 fault, and logs the original', () => {
    const env = fakeEnv();
    const stage = build({}, env);
    const r = replaced(respond(stage, 500, fault11('java.lang.NullPointerException', javaTrace), T11));
    assert.equal(r.status, 500);
    assert.equal(r.type, 'text/xml; charset=utf-8');
    assert.match(r.body, /<soap:Envelope xmlns:soap="http:\/\/schemas\.xmlsoap\.org\/soap\/envelope\/"><soap:Body><soap:Fault><faultcode>soap:Server<\/faultcode><faultstring>Internal error \(request id req-42\)<\/faultstring><\/soap:Fault>/);
    assert.doesNotMatch(r.body, /java|detail|NullPointer/);
    assert.equal(env.logs[0]?.fields?.reason, 'stack-trace:java');
    assert.equal(env.logs[0]?.fields?.soap, '1.1');
    assert.match(String(env.logs[0]?.fields?.bodyExcerpt), /QuoteService\.java:87/);
  });

  it('replaces a SOAP 1.2 fault leaking a .NET exception or SQL error with a generic SOAP 1.2 fault', () => {
    const stage = build();
    const r = replaced(respond(stage, 500, fault12('System.InvalidOperationException: Sequence contains no elements'), T12));
    assert.equal(r.type, 'application/soap+xml; charset=utf-8');
    assert.match(r.body, /<env:Value>env:Receiver<\/env:Value><\/env:Code><env:Reason><env:Text xml:lang="en">Internal error \(request id req-42\)<\/env:Text>/);
    assert.doesNotMatch(r.body, /System\.|Detail/);
    const sql = replaced(respond(stage, 500, fault12('Server error', "You have an error in your SQL syntax; check the manual near ''1''"), T12));
    assert.match(sql.body, /env:Receiver/);
  });

  it('replaces a leaky Sender fault answered with 400 as a Sender fault', () => {
    const stage = build();
    const r = replaced(respond(stage, 400, fault12('bad input', 'at com.example.Parse.read(Parse.java:12)', 'env:Sender'), T12));
    assert.equal(r.status, 400);
    assert.match(r.body, /env:Sender.*The request could not be processed \(request id req-42\)/);
    const r11 = replaced(respond(stage, 422, fault11('Invalid symbol', "SQLSTATE[42S22]: Column not found"), T11));
    assert.match(r11.body, /<faultcode>soap:Client<\/faultcode>/);
  });

  it('lets a fault that leaks nothing through unchanged, whatever its version and status', () => {
    const env = fakeEnv();
    const stage = build({}, env);
    assert.equal(respond(stage, 500, fault11('Symbol not found', 'ACME is not listed'), T11), undefined);
    assert.equal(respond(stage, 500, fault12('Quote service unavailable'), T12), undefined);
    assert.equal(respond(stage, 400, fault12('symbol is required', '', 'env:Sender'), T12), undefined);
    assert.equal(env.logs.length, 0);
  });

  it('leaves 4xx answers that are not SOAP faults alone, leaks or not', () => {
    const stage = build();
    assert.equal(respond(stage, 400, LEAKS.java!, T11), undefined, 'text/xml that is not an envelope');
    const notFault = `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><r>${LEAKS.java!}</r></soap:Body></soap:Envelope>`;
    assert.equal(respond(stage, 400, notFault, T11), undefined);
    assert.equal(respond(stage, 404, LEAKS.java!, { 'content-type': 'application/json' }), 'not buffered');
  });

  it('gives plain XML and non-SOAP answers the problem response, as before', () => {
    const stage = build();
    const v = respond(stage, 500, `<error>${LEAKS.java!}</error>`, T11) as { kind?: string; code?: string };
    assert.equal(v.kind, 'deny');
    assert.equal(v.code, 'upstream-error');
  });

  it('answers truncated, undecodable and mode-all SOAP 5xx with a generic fault of the right version', () => {
    const stage = build();
    assert.match(replaced(respond(stage, 500, fault12('x').slice(0, 40), T12, true)).body, /env:Receiver/);
    assert.match(replaced(respond(stage, 500, 'not gzip', { ...T12, 'content-encoding': 'gzip' })).body, /env:Receiver/);
    const all = build({ mode: 'all' });
    const r = replaced(respond(all, 503, fault11('maintenance'), { ...T11, 'retry-after': '30' }));
    assert.match(r.body, /soap:Server/);
    assert.equal(r.status, 503);
    const headers = (respond(all, 503, fault11('maintenance'), { ...T11, 'retry-after': '30' }) as { headers: Record<string, string> }).headers;
    assert.equal(headers['Retry-After'], '30');
    // gzip-compressed fault bodies are read like any other.
    assert.match(replaced(respond(stage, 500, gzipSync(fault11('boom', javaTrace)), { ...T11, 'content-encoding': 'gzip' })).body, /soap:Server/);
  });

  it('escapes the request id it writes into the fault', () => {
    const stage = build();
    const ctx = fakeContext({ requestId: 'a<b>&"c' });
    const head = { status: 500, headers: T11 };
    assert.equal(stage.responseHead!(ctx, head), 'buffer');
    const v = stage.responseBody!(ctx, head, Buffer.from(fault11('x', javaTrace)), false) as { body: string };
    assert.match(v.body, /request id a&#60;b&#62;&#38;&#34;c\)/);
  });
});

describe('errorScrubbing stage: SOAP 1.1 answers that cannot be read', () => {
  it('are answered in kind when the request was SOAP 1.1, with a problem otherwise', () => {
    const stage = build({ mode: 'all' });
    const head = () => ({ status: 502, headers: { 'content-type': 'text/xml' } as HeaderMap });
    const soapCtx = fakeContext({ method: 'POST', headers: { 'content-type': 'text/xml', soapaction: '""' } });
    let h = head();
    assert.equal(stage.responseHead!(soapCtx, h), 'buffer');
    assert.equal((stage.responseBody!(soapCtx, h, Buffer.from('<soap:Env'), true) as { kind: string }).kind, 'respond');
    const plainCtx = fakeContext({ method: 'POST', headers: { 'content-type': 'text/xml' } });
    h = head();
    assert.equal((stage.responseBody!(plainCtx, h, Buffer.from('<soap:Env'), true) as { kind: string }).kind, 'deny');
  });
});
