/**
 * A go-ftw runner for the CRS regression suite, in process: each test's request goes straight
 * into a Palisade WAF transaction (no sockets), the "backend" is simulated the way go-ftw's albedo
 * backend answers (`/reflect` echoes the status, headers and body described in the JSON request
 * body; every other path answers 200 with an empty text body), and the rules that matched are
 * written as ModSecurity-style log lines for `log.expect_ids` / `no_expect_ids` / `match_regex`.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { OPERATORS, RECOMMENDED_SETUP, loadWaf } from 'palisade';
import type { MatchedRule, OperatorFactory, WafEngine } from 'palisade';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from test/dist/crs/). */
export const REPO = resolve(HERE, '../../..');
export const CRS_DIR = resolve(REPO, '../shared/corpora/crs-4.28.0');
export const TESTS_DIR = join(CRS_DIR, 'tests/regression/tests');
export const OVERRIDES_FILE = join(REPO, 'test/crs/palisade-overrides.yaml');

/** The suite's required setup (tests/regression/README.md), verbatim. */
export const SETUP_900005 = `SecAction "id:900005,\\
  phase:1,\\
  nolog,\\
  pass,\\
  ctl:ruleEngine=DetectionOnly,\\
  ctl:ruleRemoveById=910000,\\
  setvar:tx.blocking_paranoia_level=4,\\
  setvar:tx.crs_validate_utf8_encoding=1,\\
  setvar:tx.arg_name_length=100,\\
  setvar:tx.arg_length=400,\\
  setvar:tx.total_arg_length=64000,\\
  setvar:tx.max_num_args=255,\\
  setvar:tx.max_file_size=64100,\\
  setvar:tx.combined_file_sizes=65535"
`;

export function crsAvailable(): boolean {
  return existsSync(join(CRS_DIR, 'rules')) && existsSync(TESTS_DIR);
}

/** Loads the engine the suite expects: recommended setup, crs-setup.conf.example, 900005, rules. */
/** Operators CRS needs that the registry does not have (yet): reported, and never matching. */
export const MISSING_OPERATORS: string[] = [];

export function loadCrsEngine(): WafEngine {
  const operators = new Map<string, OperatorFactory>(OPERATORS);
  for (const name of ['detectSQLi', 'detectXSS']) {
    if (operators.has(name.toLowerCase())) continue;
    MISSING_OPERATORS.push(name);
    operators.set(name.toLowerCase(), { name, create: () => ({ execute: () => ({ matched: false }) }) });
  }
  return loadWaf([
    { text: RECOMMENDED_SETUP, name: '<recommended>' },
    { file: join(CRS_DIR, 'crs-setup.conf.example') },
    { text: SETUP_900005, name: '<900005>' },
    { file: join(CRS_DIR, 'rules/*.conf') },
  ], { operators });
}

interface FtwInput {
  method?: string;
  uri?: string;
  version?: string;
  headers?: Record<string, string | number>;
  data?: string;
  encoded_request?: string;
  autocomplete_headers?: boolean;
}
interface FtwOutput {
  status?: number | number[];
  log?: { expect_ids?: number[]; no_expect_ids?: number[]; match_regex?: string; no_match_regex?: string };
  expect_error?: boolean;
}
interface FtwTest {
  test_id: number;
  desc?: string;
  stages: { input: FtwInput; output: FtwOutput }[];
}

export interface CrsTest {
  /** Rule file folder, e.g. REQUEST-942-APPLICATION-ATTACK-SQLI. */
  readonly group: string;
  readonly ruleId: number;
  readonly testId: number;
  readonly title: string;
  readonly stages: FtwTest['stages'];
}

export function loadTests(): CrsTest[] {
  const out: CrsTest[] = [];
  for (const group of readdirSync(TESTS_DIR).sort()) {
    const dir = join(TESTS_DIR, group);
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      const doc = parseYaml(readFileSync(join(dir, f), 'utf8')) as { rule_id: number; tests?: FtwTest[] } | null;
      if (!doc?.tests) continue;
      for (const t of doc.tests) {
        out.push({ group, ruleId: doc.rule_id, testId: t.test_id, title: `${doc.rule_id}-${t.test_id}`, stages: t.stages });
      }
    }
  }
  return out;
}

export interface Override {
  readonly rule_id: number;
  readonly test_ids: number[];
  readonly reason: string;
}

export function loadOverrides(): Map<string, string> {
  const doc = parseYaml(readFileSync(OVERRIDES_FILE, 'utf8')) as { test_overrides?: Override[] };
  const m = new Map<string, string>();
  for (const o of doc.test_overrides ?? []) for (const id of o.test_ids) m.set(`${o.rule_id}-${id}`, o.reason);
  return m;
}

interface RawRequest {
  method: string;
  uri: string;
  protocol: string;
  headers: [string, string][];
  body: Buffer;
}

function buildRequest(input: FtwInput): RawRequest {
  if (input.encoded_request) return parseRawRequest(Buffer.from(input.encoded_request.replace(/\s+/g, ''), 'base64'));
  // YAML gives UTF-16 strings; the wire (and the WAF) sees their UTF-8 bytes.
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const headers: [string, string][] = Object.entries(input.headers ?? {}).map(([k, v]) => [bytes(k), bytes(String(v))]);
  let body = Buffer.from(input.data ?? '', 'utf8');
  const method = bytes(input.method ?? 'GET');
  const has = (n: string) => headers.some(([k]) => k.toLowerCase() === n);
  if (input.autocomplete_headers === false) {
    // Without Content-Length or chunked encoding an HTTP/1.1 server reads no body at all.
    if (!has('content-length') && !has('transfer-encoding')) body = Buffer.alloc(0);
  } else {
    // go-ftw's autocompletion: Content-Length (always for methods that carry a body) and a form
    // Content-Type for a body, Connection: close.
    const bodyMethod = /^(POST|PUT|PATCH)$/.test(method);
    if ((body.length > 0 || bodyMethod) && !has('content-length')) headers.push(['Content-Length', String(body.length)]);
    if (body.length > 0 && !has('content-type')) headers.push(['Content-Type', 'application/x-www-form-urlencoded']);
    if (!has('connection')) headers.push(['Connection', 'close']);
  }
  return { method, uri: bytes(input.uri ?? '/'), protocol: bytes(input.version ?? 'HTTP/1.1'), headers, body };
}

/** Parses a raw HTTP/1.x request as a web server in front of the WAF would (chunked bodies decoded). */
export function parseRawRequest(raw: Buffer): RawRequest {
  const text = raw.toString('latin1');
  let headEnd = text.indexOf('\r\n\r\n');
  let sepLen = 4;
  if (headEnd < 0) {
    headEnd = text.indexOf('\n\n');
    sepLen = 2;
  }
  if (headEnd < 0) headEnd = text.length;
  const lines = text.slice(0, headEnd).split(/\r?\n/);
  const [method = 'GET', uri = '/', protocol = 'HTTP/1.1'] = lines[0]!.split(' ');
  const headers: [string, string][] = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.push([l.slice(0, c).trim(), l.slice(c + 1).trim()]);
  }
  let body = raw.subarray(Math.min(raw.length, headEnd + sepLen));
  if (headers.some(([k, v]) => k.toLowerCase() === 'transfer-encoding' && /chunked/i.test(v))) body = dechunk(body);
  return { method, uri, protocol, headers, body };
}

function dechunk(b: Buffer): Buffer {
  const s = b.toString('latin1');
  const parts: string[] = [];
  let p = 0;
  while (p < s.length) {
    const nl = s.indexOf('\n', p);
    if (nl < 0) break;
    const size = parseInt(s.slice(p, nl).trim(), 16);
    if (!Number.isFinite(size) || size <= 0) break;
    parts.push(s.slice(nl + 1, nl + 1 + size));
    p = nl + 1 + size;
    if (s[p] === '\r') p++;
    if (s[p] === '\n') p++;
  }
  return Buffer.from(parts.join(''), 'latin1');
}

/** What albedo would answer. */
function backend(req: RawRequest): { status: number; headers: [string, string][]; body: Buffer } {
  const path = req.uri.split('?')[0]!;
  if (path === '/reflect') {
    try {
      const spec = JSON.parse(req.body.toString('utf8')) as { status?: number; headers?: Record<string, string>; body?: string; encodedBody?: string };
      const body = spec.encodedBody !== undefined ? Buffer.from(spec.encodedBody, 'base64') : Buffer.from(spec.body ?? '', 'utf8');
      const headers: [string, string][] = Object.entries(spec.headers ?? {});
      if (!headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'text/plain; charset=utf-8']);
      return { status: spec.status ?? 200, headers, body };
    } catch {
      return { status: 400, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: Buffer.from('bad reflect spec') };
    }
  }
  return { status: 200, headers: [['Content-Type', 'text/plain; charset=utf-8']], body: Buffer.alloc(0) };
}

/** One ModSecurity-style error-log line per logged rule. */
export function logLine(r: MatchedRule): string {
  // ModSecurity escapes quotes and non-printable bytes in its log lines (\x0d…).
  const esc = (s: string) =>
    s
      .replace(/\\/g, '\\\\')
      .replace(/"/g, '\\"')
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x1f\x7f-\xff]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const tags = r.tags.map((t) => ` [tag "${esc(t)}"]`).join('');
  return (
    `ModSecurity: Warning. Matched "${esc(r.matchedData)}" against variable \`${r.matchedVar}' (Value: \`${esc(r.matchedValue.slice(0, 200))}') ` +
    `[file "${r.file}"] [line "${r.line}"] [id "${r.id}"] [msg "${esc(r.msg)}"] [data "${esc(r.data)}"] [severity "${r.severity ?? ''}"] [ver "${r.ver ?? ''}"]${tags}`
  );
}

export interface StageResult {
  readonly ok: boolean;
  readonly why: string;
  readonly ms: number;
}

export let lastLog = "";
export function runStage(engine: WafEngine, input: FtwInput, output: FtwOutput): StageResult {
  const t0 = performance.now();
  const req = buildRequest(input);
  const tx = engine.newTransaction({ clientIp: '127.0.0.1', clientPort: 40000, serverIp: '127.0.0.1', serverPort: 80 });
  let status: number | undefined;
  const stop = (): number | undefined => tx.interruption?.status;
  tx.processRequestHeaders({ method: req.method, uri: req.uri, protocol: req.protocol, headers: req.headers });
  status = stop();
  if (status === undefined) {
    tx.appendRequestBody(req.body);
    tx.processRequestBody();
    status = stop();
  }
  if (status === undefined) {
    const res = backend(req);
    tx.processResponseHeaders({ status: res.status, protocol: 'HTTP/1.1', headers: res.headers });
    status = stop();
    if (status === undefined) {
      tx.appendResponseBody(res.body);
      tx.processResponseBody();
      status = stop() ?? res.status;
    }
  }
  tx.processLogging();
  const ms = performance.now() - t0;
  const logged = tx.matchedRules.filter((r) => r.log);
  const ids = new Set(logged.map((r) => r.id));
  const log = logged.map(logLine).join("\n");
  lastLog = log;
  const problems: string[] = [];
  const l = output.log;
  if (l?.expect_ids) for (const id of l.expect_ids) if (!ids.has(id)) problems.push(`expected ${id}`);
  if (l?.no_expect_ids) for (const id of l.no_expect_ids) if (ids.has(id)) problems.push(`unexpected ${id}`);
  if (l?.match_regex && !new RegExp(l.match_regex).test(log)) problems.push(`log does not match /${l.match_regex}/`);
  if (l?.no_match_regex && new RegExp(l.no_match_regex).test(log)) problems.push(`log matches /${l.no_match_regex}/`);
  if (output.status !== undefined) {
    const want = Array.isArray(output.status) ? output.status : [output.status];
    if (!want.includes(status)) problems.push(`status ${status}, expected ${want.join('|')}`);
  }
  if (output.expect_error) problems.push('expects a connection error (no server in process)');
  if (problems.length) problems.push(`logged: [${[...ids].join(',')}]`);
  return { ok: problems.length === 0, why: problems.join('; '), ms };
}

export interface TestResult {
  readonly test: CrsTest;
  readonly ok: boolean;
  readonly why: string;
  readonly ms: number;
  readonly overridden: string | undefined;
}

export function runTest(engine: WafEngine, t: CrsTest, overrides: Map<string, string>): TestResult {
  let ok = true;
  let why = '';
  let ms = 0;
  for (const s of t.stages) {
    const r = runStage(engine, s.input ?? {}, s.output ?? {});
    ms += r.ms;
    if (!r.ok) {
      ok = false;
      why = r.why;
      break;
    }
  }
  return { test: t, ok, why, ms, overridden: overrides.get(t.title) };
}

export function groupName(file: string): string {
  return basename(file);
}
