// Helpers shared by the checks: response comparison, pattern libraries, picking what to attack.
import type { ScanOperation } from '../import/index.js';
import type { CheckContext } from '../check.js';
import type { Observation } from '../explore.js';
import type { Session } from '../identities.js';
import type { ScanResponse } from '../runner.js';
import { isAdminOp, parseJson } from '../explore.js';

export function ok(r: ScanResponse): boolean {
  return r.status >= 200 && r.status < 300;
}

export const jsonOf = parseJson;

const VOLATILE = /(^|_)(time|timestamp|date|at|now|nonce|request_?id|trace_?id|etag)$|At$|Time$/;

function stable(v: unknown, depth = 0): unknown {
  if (depth > 16 || v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => stable(x, depth + 1));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) if (!VOLATILE.test(k)) out[k] = stable((v as Record<string, unknown>)[k], depth + 1);
  return out;
}

/** The body with volatile JSON fields (timestamps, request ids) removed, for comparisons. */
export function bodySignature(r: ScanResponse): string {
  const j = parseJson(r);
  return j === undefined ? r.body : JSON.stringify(stable(j));
}

/** Same status and the same content (timestamps aside). */
export function sameResponse(a: ScanResponse, b: ScanResponse): boolean {
  return a.status === b.status && bodySignature(a) === bodySignature(b);
}

/** Successful observations of exercisable operations, optionally filtered. */
export function successes(ctx: CheckContext, pred: (o: Observation) => boolean = () => true): Observation[] {
  const allowed = new Set(ctx.operations);
  return ctx.explore.observations.filter((o) => allowed.has(o.op) && ok(o.response) && pred(o));
}

export function sessionOf(ctx: CheckContext, name: string): Session {
  return name === 'anonymous' ? ctx.anonymous : ctx.users.find((u) => u.name === name) ?? ctx.anonymous;
}

export function nonAdmins(ctx: CheckContext): Session[] {
  return ctx.users.filter((u) => u.role === 'user');
}

export function admins(ctx: CheckContext): Session[] {
  return ctx.users.filter((u) => u.role === 'admin');
}

export { isAdminOp };

export function opRef(op: ScanOperation): Pick<ScanOperation, 'method' | 'path' | 'operationId'> {
  return { method: op.method, path: op.path, ...(op.operationId ? { operationId: op.operationId } : {}) };
}

/** Stack traces and framework error pages: internals a client should never see. */
export const STACK_TRACE = [
  /\n\s+at [\w$.<>[\] ]+ \(?(?:file:\/\/|\/|[A-Z]:\\|node:)[^)\n]*:\d+:\d+\)?/,
  /Traceback \(most recent call last\)/,
  /\bat [a-z]+(?:\.[a-zA-Z$_]+){2,}\([A-Za-z]+\.java:\d+\)/,
  /(?:Fatal error|Warning): .* on line \d+/,
  /System\.[A-Za-z.]+Exception: .*\n\s+at /,
  /\bgoroutine \d+ \[running\]/,
];

export const SQL_ERRORS = [
  /SQLITE_ERROR|SqliteError|sqlite3\.OperationalError|unrecognized token:|near ".*": syntax error/i,
  /You have an error in your SQL syntax|mysql_fetch|MySqlException|Warning: mysql/i,
  /PG::SyntaxError|PSQLException|unterminated quoted string at or near|syntax error at or near "/i,
  /ORA-\d{5}|quoted string not properly terminated/i,
  /Microsoft OLE DB Provider for SQL Server|Unclosed quotation mark after the character string|SQLServerException/i,
  /SQLSTATE\[\w+\]/,
];

export function firstMatch(patterns: readonly RegExp[], text: string): string | undefined {
  for (const p of patterns) {
    const m = p.exec(text);
    if (m) return m[0].trim().slice(0, 200);
  }
  return undefined;
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  }));
}

export function randomToken(): string {
  return Math.random().toString(36).slice(2, 10);
}
