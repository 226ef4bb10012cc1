// FindingStore over PostgreSQL: the findings and config_changes tables of migration 6.
import { uuidv7 } from '../../core/index.js';
import type { ConfigChange, ErrorCode, FindingInput, FindingQuery, FindingStatus, FindingStore, NewConfigChange, Severity, StoredFinding } from '../../core/index.js';
import { CHANGE_COLUMNS, FINDING_COLUMNS, FIXED_NOTE, OPEN_STATUSES, REOPEN_NOTE, SYSTEM_ACTOR, changeFromRow, changeLimit, changeParams, checkStatus, chunks, findingFilter, findingFromRow, findingLimit, findingParams, findingSql, openCounts } from '../finding-codec.js';
import type { ChangeRow, FindingRow } from '../finding-codec.js';
import type { Query } from './postgres-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const d = (i: number) => `$${i}`;
const SQL = findingSql(d);

export class PostgresFindingStore implements FindingStore {
  constructor(private readonly q: Query) {}

  async upsert(finding: FindingInput): Promise<{ finding: StoredFinding; created: boolean }> {
    const params = findingParams(finding);
    // xmax = 0 only on a row this statement inserted: tells a new finding from an update in one round trip.
    const r = await this.q<FindingRow & { inserted: boolean }>(W, 'writing a finding', `${SQL.upsert(params.length)} RETURNING ${FINDING_COLUMNS}, (xmax = 0) AS inserted`, [
      ...params,
      SYSTEM_ACTOR,
      REOPEN_NOTE,
    ]);
    const row = r.rows[0]!;
    return { finding: findingFromRow(row), created: row.inserted };
  }

  async get(fingerprint: string): Promise<StoredFinding | undefined> {
    const r = await this.q<FindingRow>(R, 'reading a finding', SQL.get, [fingerprint]);
    return r.rows[0] ? findingFromRow(r.rows[0]) : undefined;
  }

  async list(query: FindingQuery = {}): Promise<StoredFinding[]> {
    const { where, params } = findingFilter(query, d);
    params.push(findingLimit(query));
    const r = await this.q<FindingRow>(R, 'listing findings', SQL.list(where, params.length), params);
    return r.rows.map(findingFromRow);
  }

  async setStatus(fingerprint: string, status: FindingStatus, by: string, at: number, note?: string): Promise<StoredFinding | undefined> {
    checkStatus(status);
    const r = await this.q<FindingRow>(W, 'setting a finding status', `${SQL.setStatus} RETURNING ${FINDING_COLUMNS}`, [status, by, at, note ?? null, fingerprint]);
    return r.rows[0] ? findingFromRow(r.rows[0]) : undefined;
  }

  async markMissingFixed(scope: string, seen: readonly string[], by: string, at: number): Promise<number> {
    const keep = new Set(seen);
    const open = await this.q<{ fingerprint: string }>(R, 'listing open findings', `SELECT fingerprint FROM findings WHERE scope = $1 AND status = ANY($2::text[])`, [scope, OPEN_STATUSES]);
    const gone = open.rows.map((r) => r.fingerprint).filter((f) => !keep.has(f));
    let n = 0;
    for (const part of chunks(gone)) {
      // The status test again: a finding triaged or re-reported meanwhile is left alone.
      const r = await this.q(
        W,
        'marking findings fixed',
        `UPDATE findings SET status = 'fixed', status_by = $1, status_at = $2, status_note = $3 WHERE fingerprint = ANY($4::text[]) AND status = ANY($5::text[])`,
        [by, at, FIXED_NOTE, part, OPEN_STATUSES],
      );
      n += r.rowCount;
    }
    return n;
  }

  async countOpen(): Promise<Record<Severity, number>> {
    const r = await this.q<{ severity: Severity; n: string }>(R, 'counting findings', SQL.countOpen);
    return openCounts(r.rows);
  }

  async addChange(change: NewConfigChange): Promise<ConfigChange> {
    const params = changeParams(uuidv7(change.at), change);
    const r = await this.q<ChangeRow>(W, 'recording a configuration change', `${SQL.addChange(params.length)} RETURNING ${CHANGE_COLUMNS}`, params);
    return changeFromRow(r.rows[0]!);
  }

  async getChange(id: string): Promise<ConfigChange | undefined> {
    const r = await this.q<ChangeRow>(R, 'reading a configuration change', SQL.getChange, [id]);
    return r.rows[0] ? changeFromRow(r.rows[0]) : undefined;
  }

  async listChanges(limit?: number): Promise<ConfigChange[]> {
    const r = await this.q<ChangeRow>(R, 'listing configuration changes', SQL.listChanges, [changeLimit(limit)]);
    return r.rows.map(changeFromRow);
  }

  async markUndone(id: string, by: string, at: number): Promise<boolean> {
    const r = await this.q(W, 'marking a configuration change undone', SQL.markUndone, [at, by, id]);
    return r.rowCount > 0;
  }
}
