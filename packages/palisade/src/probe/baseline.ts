// Fingerprints and baselines: which findings were seen before and how they were triaged, so a
// pipeline fails on what is new, not on what a team already accepted.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument, stringify } from 'yaml';
import { PalisadeError } from '../core/index.js';
import type { ProbeReport, ReportedFinding, TriageState } from './report.js';

/** Baseline file limits. */
export const BASELINE_LIMITS = { maxBytes: 16 * 1024 * 1024, maxEntries: 100_000, maxReasonChars: 2000 } as const;

export interface FingerprintInput {
  checkId: string;
  operation?: { method: string; path: string };
  /**
   * The stable part of the evidence: a parameter or property name, a header, a JSON pointer into
   * the spec. Never a timestamp, a generated id, a token or anything else that changes per run.
   */
  parts?: readonly string[];
}

/** A stable content fingerprint: the same problem in the same place hashes the same across runs. */
export function fingerprintFinding(f: FingerprintInput): string {
  const h = createHash('sha256');
  h.update('palisade.fingerprint.v1\0');
  h.update(f.checkId);
  h.update('\0');
  h.update(f.operation ? `${f.operation.method.toUpperCase()} ${f.operation.path}` : '-');
  for (const p of f.parts ?? []) {
    h.update('\0');
    h.update(p);
  }
  return h.digest('hex').slice(0, 32);
}

export type BaselineState = Exclude<TriageState, 'new' | 'fixed'>;
const STATES: readonly BaselineState[] = ['confirmed', 'accepted', 'false-positive'];

export interface BaselineEntry {
  fingerprint: string;
  /** For people reading the file; not used for matching. */
  checkId?: string;
  operation?: string;
  title?: string;
  state: BaselineState;
  reason?: string;
  /** After this date (YYYY-MM-DD) the entry no longer applies and the finding is new again. */
  expires?: string;
}

export interface Baseline {
  version: 1;
  entries: BaselineEntry[];
}

function bad(path: string, detail: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_BASELINE_INVALID', `${path}: ${detail}`);
}

/** Parses a baseline (YAML or JSON). Errors name the file, the entry and the field. */
export function parseBaseline(text: string, path = 'baseline'): Baseline {
  if (text.length > BASELINE_LIMITS.maxBytes) throw bad(path, `larger than ${BASELINE_LIMITS.maxBytes} bytes`);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) throw bad(path, doc.errors[0]!.message.split('\n')[0]!);
  const data = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (data === null || data === undefined) return { version: 1, entries: [] };
  if (typeof data !== 'object' || Array.isArray(data)) throw bad(path, 'must be a mapping with `version: 1` and `findings:`');
  const o = data as Record<string, unknown>;
  if (o.version !== 1) throw bad(path, `version must be 1 (found ${JSON.stringify(o.version)})`);
  const list = o.findings ?? [];
  if (!Array.isArray(list)) throw bad(path, '`findings` must be a list');
  if (list.length > BASELINE_LIMITS.maxEntries) throw bad(path, `more than ${BASELINE_LIMITS.maxEntries} findings`);
  const entries = list.map((e, i): BaselineEntry => {
    const at = `findings[${i}]`;
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw bad(path, `${at} must be a mapping`);
    const x = e as Record<string, unknown>;
    if (typeof x.fingerprint !== 'string' || !/^[0-9a-f]{8,64}$/.test(x.fingerprint)) throw bad(path, `${at}.fingerprint must be the hex fingerprint from a report`);
    if (!STATES.includes(x.state as BaselineState)) throw bad(path, `${at}.state must be one of ${STATES.join(', ')} (found ${JSON.stringify(x.state)})`);
    if (x.reason !== undefined && (typeof x.reason !== 'string' || x.reason.length > BASELINE_LIMITS.maxReasonChars)) throw bad(path, `${at}.reason must be text of at most ${BASELINE_LIMITS.maxReasonChars} characters`);
    if ((x.state === 'accepted' || x.state === 'false-positive') && (typeof x.reason !== 'string' || x.reason.trim() === '')) throw bad(path, `${at}.reason is required when state is ${String(x.state)}: say why`);
    let expires: string | undefined;
    if (x.expires !== undefined) {
      expires = x.expires instanceof Date ? x.expires.toISOString().slice(0, 10) : String(x.expires);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(expires) || Number.isNaN(Date.parse(expires))) throw bad(path, `${at}.expires must be a date YYYY-MM-DD`);
    }
    return {
      fingerprint: x.fingerprint,
      state: x.state as BaselineState,
      ...(typeof x.checkId === 'string' ? { checkId: x.checkId } : {}),
      ...(typeof x.operation === 'string' ? { operation: x.operation } : {}),
      ...(typeof x.title === 'string' ? { title: x.title } : {}),
      ...(typeof x.reason === 'string' ? { reason: x.reason } : {}),
      ...(expires ? { expires } : {}),
    };
  });
  return { version: 1, entries };
}

export function loadBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_BASELINE_INVALID', `${path}: cannot be read: ${(err as Error).message}`);
  }
  return parseBaseline(text, path);
}

/**
 * Marks each finding of the report with its triage state from the baseline (in place) and returns
 * the findings that are new: not in the baseline, or whose entry has expired.
 */
export function applyBaseline(report: ProbeReport, baseline: Baseline, now: Date = new Date()): ReportedFinding[] {
  const today = now.toISOString().slice(0, 10);
  const by = new Map(baseline.entries.map((e) => [e.fingerprint, e]));
  const fresh: ReportedFinding[] = [];
  for (const f of report.findings) {
    const e = by.get(f.fingerprint);
    if (!e || (e.expires !== undefined && e.expires < today)) {
      f.triage = 'new';
      delete f.triageReason;
      fresh.push(f);
    } else {
      f.triage = e.state;
      if (e.reason) f.triageReason = e.reason;
    }
  }
  return fresh;
}

/** Baseline entries whose findings no longer occur (fixed, or the check stopped matching). */
export function staleEntries(report: ProbeReport, baseline: Baseline): BaselineEntry[] {
  const seen = new Set(report.findings.map((f) => f.fingerprint));
  return baseline.entries.filter((e) => !seen.has(e.fingerprint));
}

/**
 * Writes a baseline of the report's findings. Entries already in `previous` keep their state and
 * reason; new ones are recorded as accepted with a reason to be edited. Entries whose findings
 * are gone are dropped: the baseline describes the present.
 */
export function baselineFor(report: ProbeReport, previous?: Baseline, now: Date = new Date()): Baseline {
  const old = new Map((previous?.entries ?? []).map((e) => [e.fingerprint, e]));
  const seen = new Set<string>();
  const entries: BaselineEntry[] = [];
  for (const f of report.findings) {
    if (seen.has(f.fingerprint)) continue;
    seen.add(f.fingerprint);
    const o = old.get(f.fingerprint);
    entries.push({
      fingerprint: f.fingerprint,
      checkId: f.checkId,
      ...(f.operation ? { operation: `${f.operation.method} ${f.operation.path}` } : {}),
      title: f.title,
      state: o?.state ?? 'accepted',
      reason: o?.reason ?? `present when the baseline was written (${now.toISOString().slice(0, 10)}); review`,
      ...(o?.expires ? { expires: o.expires } : {}),
    });
  }
  entries.sort((a, b) => (a.checkId ?? '').localeCompare(b.checkId ?? '') || (a.operation ?? '').localeCompare(b.operation ?? '') || a.fingerprint.localeCompare(b.fingerprint));
  return { version: 1, entries };
}

export function writeBaseline(path: string, report: ProbeReport, previous?: Baseline): Baseline {
  const b = baselineFor(report, previous);
  const header = '# Palisade baseline: findings already triaged. state: confirmed | accepted | false-positive;\n# reason is required for accepted and false-positive; expires (YYYY-MM-DD) makes a finding new again.\n';
  writeFileSync(path, header + stringify({ version: 1, findings: b.entries }, { lineWidth: 0 }));
  return b;
}
