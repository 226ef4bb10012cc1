// Offline sources of exchanges: access logs (nginx/Apache combined format, JSON lines with
// configurable field names, or Palisade exchanges exported as JSON lines) and HAR files. Both
// stream: logs line by line, HAR entry by entry through a small structural scanner, so a file
// of any size is read in bounded memory. A record that cannot be parsed is counted and named by
// line number, never fatal.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Exchange } from '../../core/index.js';

export interface ReadStats {
  records: number;
  errors: number;
  /** The first few errors, each with its line number. */
  firstErrors: string[];
}

/** Records from sources that do not log credentials at all: their authentication is unknown, not "none". */
const noAuthInfo = new WeakSet<Exchange>();

export function authUnknown(x: Exchange): boolean {
  return noAuthInfo.has(x);
}

export function newStats(): ReadStats {
  return { records: 0, errors: 0, firstErrors: [] };
}

const MAX_ERRORS_KEPT = 20;

function fail(stats: ReadStats, message: string): void {
  stats.errors++;
  if (stats.firstErrors.length < MAX_ERRORS_KEPT) stats.firstErrors.push(message);
}

type Source = string | Readable;

function open(src: Source): Readable {
  return typeof src === 'string' ? createReadStream(src, { highWaterMark: 1 << 20 }) : src;
}

/**
 * Calls `onLine` for each line (without its end of line) with its 1-based number. Lines longer
 * than `maxLineChars` are skipped whole and reported.
 */
export async function eachLine(src: Source, maxLineChars: number, stats: ReadStats, onLine: (line: string, n: number) => void): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let skipping = false;
  let n = 0;
  const handle = (text: string, final: boolean) => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      n++;
      if (skipping) {
        skipping = false;
        fail(stats, `line ${n}: longer than ${maxLineChars} characters, skipped`);
      } else {
        let line = carry.length > 0 ? carry + text.slice(start, nl) : text.slice(start, nl);
        carry = '';
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line.length > maxLineChars) fail(stats, `line ${n}: longer than ${maxLineChars} characters, skipped`);
        else if (line.length > 0) onLine(line, n);
      }
      start = nl + 1;
    }
    if (!skipping) {
      carry += text.slice(start);
      if (carry.length > maxLineChars) {
        carry = '';
        skipping = true;
      }
    }
    if (final) {
      if (skipping) fail(stats, `line ${n + 1}: longer than ${maxLineChars} characters, skipped`);
      else if (carry.length > 0) {
        const line = carry.endsWith('\r') ? carry.slice(0, -1) : carry;
        carry = '';
        onLine(line, n + 1);
      }
    }
  };
  for await (const chunk of open(src)) handle(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer), false);
  handle(decoder.end(), true);
}

// ------------------------------------------------------------------------ access logs

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/** 10/Oct/2000:13:55:36 -0700 → epoch ms; NaN when malformed. */
export function parseClfTime(s: string): number {
  if (s.length < 20) return NaN;
  const day = Number(s.slice(0, 2));
  const mon = MONTHS[s.slice(3, 6)];
  const year = Number(s.slice(7, 11));
  const h = Number(s.slice(12, 14));
  const mi = Number(s.slice(15, 17));
  const sec = Number(s.slice(18, 20));
  if (mon === undefined || !(day >= 1 && day <= 31) || !(h >= 0 && h < 24) || !(mi >= 0 && mi < 60) || !(sec >= 0 && sec < 61) || !(year > 1970)) return NaN;
  let offset = 0;
  const tz = s.slice(21);
  const m = /^([+-])(\d{2})(\d{2})$/.exec(tz);
  if (m) offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
  return Date.UTC(year, mon, day, h, mi, sec) - offset * 60_000;
}

// ip ident user [time] "METHOD target PROTO" status bytes ["referer" "agent"] [extra...]
const COMBINED = /^(\S+) \S+ (\S+) \[([^\]]{20,40})\] "([A-Za-z]{1,20}) (\S{1,8192})(?: [^"]*)?" (\d{3}) (\d+|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(.*)$/;

/**
 * One line of the combined (or common) log format. A trailing request time is read when present:
 * a decimal number or rt=/request_time= is seconds (nginx $request_time), a bare integer is
 * microseconds (Apache %D).
 */
export function parseCombinedLine(line: string, id: string): Exchange | string {
  const m = COMBINED.exec(line);
  if (!m) return 'not in combined/common log format';
  const startedAt = parseClfTime(m[3]!);
  if (Number.isNaN(startedAt)) return `bad time [${m[3]}]`;
  let total = NaN;
  const rest = m[10]!;
  if (rest) {
    const t = /(?:^|\s)(?:rt=|request_time=)?(\d+\.\d+)(?:\s|$)/.exec(rest);
    if (t) total = Number(t[1]) * 1000;
    else {
      const us = /^\s+(\d{1,12})\s*$/.exec(rest);
      if (us) total = Number(us[1]) / 1000;
    }
  }
  const headers: Record<string, string> = {};
  if (m[8] && m[8] !== '-') headers.referer = m[8];
  if (m[9] && m[9] !== '-') headers['user-agent'] = m[9];
  const user = m[2]!;
  // Basic authentication is the only kind the log format records (as the user field).
  if (user !== '-') headers.authorization = 'Basic [from access log]';
  const x: Exchange = {
    id,
    startedAt,
    method: m[4]!.toUpperCase(),
    url: m[5]!,
    clientIp: m[1]!,
    requestHeaders: headers,
    requestBytes: 0,
    status: Number(m[6]),
    responseHeaders: {},
    responseBytes: m[7] === '-' ? 0 : Number(m[7]),
    timings: { total },
    verdicts: [],
  };
  if (user === '-') noAuthInfo.add(x);
  return x;
}

/** Where JSON-lines access logs keep each piece; dotted paths (req.method). */
export interface JsonFieldMap {
  method?: string;
  url?: string;
  status?: string;
  time?: string;
  ip?: string;
  /** Duration, with its unit after a colon: request_time:s, duration:ms, latency:us. */
  duration?: string;
  host?: string;
  userAgent?: string;
  /** An object of request headers. */
  headers?: string;
  requestBody?: string;
  responseBody?: string;
  responseHeaders?: string;
}

const DEFAULT_FIELDS: Record<keyof JsonFieldMap, readonly string[]> = {
  method: ['method', 'request_method', 'http_method', 'verb', 'req.method', 'request.method', 'httpRequest.requestMethod'],
  url: ['url', 'uri', 'request_uri', 'path', 'req.url', 'request.url', 'request.uri', 'httpRequest.requestUrl'],
  status: ['status', 'status_code', 'statusCode', 'response_status', 'res.statusCode', 'response.status', 'httpRequest.status'],
  time: ['time', 'timestamp', '@timestamp', 'ts', 'time_iso8601', 'time_local', 'startedAt', 'date'],
  ip: ['remote_addr', 'client_ip', 'clientIp', 'ip', 'remote_ip', 'remoteAddress', 'req.remoteAddress', 'httpRequest.remoteIp'],
  duration: ['request_time:s', 'duration_ms:ms', 'duration:ms', 'responseTime:ms', 'response_time:ms', 'elapsed:ms', 'latency:ms'],
  host: ['host', 'http_host', 'req.headers.host'],
  userAgent: ['http_user_agent', 'user_agent', 'userAgent', 'req.headers.user-agent'],
  headers: ['requestHeaders', 'req.headers', 'request.headers'],
  requestBody: ['requestBody', 'request_body', 'req.body'],
  responseBody: ['responseBody', 'response_body', 'res.body'],
  responseHeaders: ['responseHeaders', 'res.headers', 'response.headers'],
};

/** Parses "method=verb,url=request.uri,duration=rt:s" into a field map. */
export function parseFieldMap(spec: string): JsonFieldMap {
  const out: JsonFieldMap = {};
  for (const part of spec.split(',')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim() as keyof JsonFieldMap;
    if (eq < 0 || !(k in DEFAULT_FIELDS)) throw new TypeError(`--fields: "${part}" should be NAME=PATH with NAME one of ${Object.keys(DEFAULT_FIELDS).join(', ')}`);
    out[k] = part.slice(eq + 1).trim();
  }
  return out;
}

function get(obj: Record<string, unknown>, path: string): unknown {
  if (path in obj) return obj[path];
  let cur: unknown = obj;
  for (const p of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function pick(obj: Record<string, unknown>, configured: string | undefined, defaults: readonly string[]): { value: unknown; unit?: string } | undefined {
  for (const cand of configured !== undefined ? [configured] : defaults) {
    const colon = cand.lastIndexOf(':');
    const path = colon > 0 ? cand.slice(0, colon) : cand;
    const v = get(obj, path);
    if (v !== undefined && v !== null && v !== '') return { value: v, ...(colon > 0 ? { unit: cand.slice(colon + 1) } : {}) };
  }
  return undefined;
}

function toTime(v: unknown): number {
  if (typeof v === 'number') return v < 1e11 ? v * 1000 : v;
  if (typeof v !== 'string') return NaN;
  if (/^\d+(\.\d+)?$/.test(v)) return toTime(Number(v));
  if (/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:/.test(v)) return parseClfTime(v);
  return Date.parse(v);
}

function headerRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (Array.isArray(v)) {
    for (const h of v) if (h && typeof h === 'object' && typeof h.name === 'string') out[h.name.toLowerCase()] = String(h.value ?? '');
  } else if (v && typeof v === 'object') {
    for (const [k, val] of Object.entries(v)) if (val !== undefined && val !== null) out[k.toLowerCase()] = Array.isArray(val) ? val.join(', ') : String(val);
  }
  return out;
}

function bodyText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** One JSON line: a Palisade exchange as exported, or an access-log record mapped by `fields`. */
export function parseJsonLine(line: string, id: string, fields: JsonFieldMap = {}): Exchange | string {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (e) {
    return `invalid JSON: ${(e as Error).message}`;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return 'not a JSON object';
  const o = obj as Record<string, unknown>;
  if (typeof o.method === 'string' && typeof o.url === 'string' && typeof o.status === 'number' && o.requestHeaders && o.responseHeaders && o.timings) {
    // A Palisade Exchange (recentExchanges exported as JSON lines).
    const x = o as unknown as Exchange;
    return { ...x, id: typeof x.id === 'string' ? x.id : id, verdicts: Array.isArray(x.verdicts) ? x.verdicts : [], clientIp: typeof x.clientIp === 'string' ? x.clientIp : '' };
  }
  const method = pick(o, fields.method, DEFAULT_FIELDS.method);
  const url = pick(o, fields.url, DEFAULT_FIELDS.url);
  const status = pick(o, fields.status, DEFAULT_FIELDS.status);
  if (!method || typeof method.value !== 'string') return `no method field (${fields.method ?? DEFAULT_FIELDS.method.join('|')})`;
  if (!url || typeof url.value !== 'string') return `no url field (${fields.url ?? DEFAULT_FIELDS.url.join('|')})`;
  const st = status ? Number(status.value) : NaN;
  if (!Number.isInteger(st) || st < 100 || st > 599) return `no valid status field (${fields.status ?? DEFAULT_FIELDS.status.join('|')})`;
  let target = url.value;
  // nginx's $request is "GET /path HTTP/1.1".
  const sp = /^[A-Z]+ (\S+)(?: HTTP\/[\d.]+)?$/.exec(target);
  if (sp) target = sp[1]!;
  const time = pick(o, fields.time, DEFAULT_FIELDS.time);
  const startedAt = time ? toTime(time.value) : NaN;
  if (time && Number.isNaN(startedAt)) return `bad time ${JSON.stringify(time.value)}`;
  const dur = pick(o, fields.duration, DEFAULT_FIELDS.duration);
  let total = NaN;
  if (dur) {
    const n = Number(dur.value);
    const unit = dur.unit ?? 'ms';
    total = unit === 's' ? n * 1000 : unit === 'us' ? n / 1000 : unit === 'ns' ? n / 1e6 : n;
  }
  const headerField = pick(o, fields.headers, DEFAULT_FIELDS.headers);
  const headers = headerRecord(headerField?.value);
  const ua = pick(o, fields.userAgent, DEFAULT_FIELDS.userAgent);
  if (ua && typeof ua.value === 'string') headers['user-agent'] ??= ua.value;
  const host = pick(o, fields.host, DEFAULT_FIELDS.host);
  const ip = pick(o, fields.ip, DEFAULT_FIELDS.ip);
  const reqBody = bodyText(pick(o, fields.requestBody, DEFAULT_FIELDS.requestBody)?.value);
  const resBody = bodyText(pick(o, fields.responseBody, DEFAULT_FIELDS.responseBody)?.value);
  const x: Exchange = {
    id,
    startedAt: Number.isNaN(startedAt) ? 0 : startedAt,
    method: method.value.toUpperCase(),
    url: target,
    ...(host && typeof host.value === 'string' ? { host: host.value } : {}),
    clientIp: ip ? String(ip.value) : '',
    requestHeaders: headers,
    ...(reqBody !== undefined ? { requestBodySample: reqBody } : {}),
    requestBytes: 0,
    status: st,
    responseHeaders: headerRecord(pick(o, fields.responseHeaders, DEFAULT_FIELDS.responseHeaders)?.value),
    ...(resBody !== undefined ? { responseBodySample: resBody } : {}),
    responseBytes: 0,
    timings: { total },
    verdicts: [],
  };
  if (!headerField) noAuthInfo.add(x);
  return x;
}

export interface LogOptions {
  format?: 'auto' | 'combined' | 'json';
  fields?: JsonFieldMap;
  /** Default 1 MiB (JSON lines may carry bodies). */
  maxLineChars?: number;
}

/** Streams an access log; `onExchange` is called synchronously for each parsed line. */
export async function readAccessLog(src: Source, onExchange: (x: Exchange) => void, opts: LogOptions = {}): Promise<ReadStats> {
  const stats = newStats();
  const format = opts.format ?? 'auto';
  const fields = opts.fields ?? {};
  await eachLine(src, opts.maxLineChars ?? 1 << 20, stats, (line, n) => {
    const id = `line-${n}`;
    const json = format === 'json' || (format === 'auto' && line.charCodeAt(0) === 123 /* { */);
    const r = json ? parseJsonLine(line, id, fields) : parseCombinedLine(line, id);
    if (typeof r === 'string') fail(stats, `line ${n}: ${r}`);
    else {
      stats.records++;
      onExchange(r);
    }
  });
  return stats;
}

// ------------------------------------------------------------------------ HAR

export interface HarOptions {
  /** Entries larger than this (bodies included) are skipped and reported. Default 32 MiB. */
  maxEntryChars?: number;
  /** Body texts longer than this are left out of the exchange. Default 256 KiB. */
  maxBodyChars?: number;
}

interface Frame {
  type: '{' | '[';
  key: string | undefined;
}

/**
 * Streams the entries of a HAR file: a structural scanner follows strings and nesting, and
 * hands each element of log.entries to JSON.parse on its own, so only one entry is ever held.
 */
export async function readHar(src: Source, onExchange: (x: Exchange) => void, opts: HarOptions = {}): Promise<ReadStats> {
  const stats = newStats();
  const maxEntry = opts.maxEntryChars ?? 32 << 20;
  const maxBody = opts.maxBodyChars ?? 256 << 10;
  const decoder = new StringDecoder('utf8');
  const stack: Frame[] = [];
  let inString = false;
  let escape = false;
  let str = '';
  let collectKey = false;
  let lastString: string | undefined;
  let pendingKey: string | undefined;
  let line = 1;
  let capture: string[] | undefined;
  let captureChars = 0;
  let captureStart = 0;
  let captureTooBig = false;
  let entryNo = 0;
  let sawEntries = false;

  const finishEntry = () => {
    entryNo++;
    const text = capture!.join('');
    capture = undefined;
    if (captureTooBig) {
      fail(stats, `entry ${entryNo} (line ${captureStart}): larger than ${maxEntry} characters, skipped`);
      return;
    }
    let e: unknown;
    try {
      e = JSON.parse(text);
    } catch (err) {
      fail(stats, `entry ${entryNo} (line ${captureStart}): invalid JSON: ${(err as Error).message}`);
      return;
    }
    const x = harEntryToExchange(e, `har-${entryNo}`, maxBody);
    if (typeof x === 'string') fail(stats, `entry ${entryNo} (line ${captureStart}): ${x}`);
    else {
      stats.records++;
      onExchange(x);
    }
  };

  const scan = (text: string) => {
    let segStart = capture ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) {
          inString = false;
          if (collectKey) lastString = str;
        } else if (collectKey && str.length < 64) str += text[i];
        continue;
      }
      switch (c) {
        case 34: // "
          inString = true;
          // Only keys near the root matter (log, entries).
          collectKey = stack.length <= 2 && !capture;
          str = '';
          break;
        case 58: // :
          if (stack.length <= 2) pendingKey = lastString;
          break;
        case 44: // ,
          pendingKey = undefined;
          break;
        case 123: // {
        case 91: {
          // [
          const atEntries = stack.length === 3 && stack[1]!.key === 'log' && stack[2]!.key === 'entries' && stack[2]!.type === '[';
          if (atEntries && c === 123 && !capture) {
            capture = [];
            captureChars = 0;
            captureTooBig = false;
            captureStart = line;
            segStart = i;
          }
          if (stack.length === 2 && pendingKey === 'entries' && c === 91) sawEntries = true;
          stack.push({ type: c === 123 ? '{' : '[', key: stack.length <= 2 ? pendingKey : undefined });
          pendingKey = undefined;
          break;
        }
        case 125: // }
        case 93: // ]
          stack.pop();
          if (capture && stack.length === 3 && c === 125) {
            const piece = text.slice(segStart, i + 1);
            captureChars += piece.length;
            if (captureChars > maxEntry) captureTooBig = true;
            else capture.push(piece);
            finishEntry();
            segStart = -1;
          }
          break;
      }
    }
    if (capture && segStart >= 0) {
      const piece = text.slice(segStart);
      captureChars += piece.length;
      if (captureChars > maxEntry) {
        captureTooBig = true;
        capture.length = 0;
      } else capture.push(piece);
    }
  };

  for await (const chunk of open(src)) scan(typeof chunk === 'string' ? chunk : decoder.write(chunk as Buffer));
  scan(decoder.end());
  if (capture) fail(stats, `entry ${entryNo + 1} (line ${captureStart}): the file ends inside it`);
  if (!sawEntries) fail(stats, `line ${line}: no log.entries array found: not a HAR file`);
  return stats;
}

function harBody(text: unknown, encoding: unknown, maxBody: number): string | undefined {
  if (typeof text !== 'string' || text.length === 0) return undefined;
  const t = encoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text;
  return t.length > maxBody ? undefined : t;
}

export function harEntryToExchange(e: unknown, id: string, maxBody = 256 << 10): Exchange | string {
  if (!e || typeof e !== 'object') return 'not an object';
  const entry = e as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- HAR is loosely typed; every field read below is checked
  const req = entry.request;
  const res = entry.response;
  if (!req || typeof req.method !== 'string' || typeof req.url !== 'string') return 'no request.method/request.url';
  if (!res || typeof res.status !== 'number') return 'no response.status';
  let host: string | undefined;
  let url = req.url as string;
  try {
    const u = new URL(url);
    host = u.host;
    url = u.pathname + u.search;
  } catch {
    // A relative URL stays as it is.
  }
  const startedAt = typeof entry.startedDateTime === 'string' ? Date.parse(entry.startedDateTime) : NaN;
  const reqHeaders = headerRecord(req.headers);
  const resHeaders = headerRecord(res.headers);
  const reqBody = harBody(req.postData?.text, undefined, maxBody);
  if (req.postData?.mimeType && !reqHeaders['content-type']) reqHeaders['content-type'] = String(req.postData.mimeType);
  const resBody = harBody(res.content?.text, res.content?.encoding, maxBody);
  if (res.content?.mimeType && !resHeaders['content-type']) resHeaders['content-type'] = String(res.content.mimeType);
  return {
    id,
    startedAt: Number.isNaN(startedAt) ? 0 : startedAt,
    method: req.method.toUpperCase(),
    url,
    ...(host ? { host } : {}),
    // HAR is recorded by the client: its own address is not in it.
    clientIp: typeof entry._clientIp === 'string' ? entry._clientIp : '',
    requestHeaders: reqHeaders,
    ...(reqBody !== undefined ? { requestBodySample: reqBody } : {}),
    requestBytes: typeof req.bodySize === 'number' && req.bodySize > 0 ? req.bodySize : 0,
    status: res.status,
    responseHeaders: resHeaders,
    ...(resBody !== undefined ? { responseBodySample: resBody } : {}),
    responseBytes: typeof res.content?.size === 'number' ? res.content.size : 0,
    timings: { total: typeof entry.time === 'number' ? entry.time : NaN },
    verdicts: [],
  };
}
