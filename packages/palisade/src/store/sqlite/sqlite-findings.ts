// FindingStore over SQLite: the findings and config_changes tables of migration 6.
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../core/index.js';
import type { ConfigChange, ErrorCode, FindingInput, FindingQuery, FindingStatus, FindingStore, NewConfigChange, Severity, StoredFinding } from '../../core/index.js';
import { FIXED_NOTE, OPEN_STATUSES, REOPEN_NOTE, SYSTEM_ACTOR, changeFromRow, changeLimit, changeParams, checkStatus, chunks, findingFilter, findingFromRow, findingLimit, findingParams, findingSql, openCounts } from '../finding-codec.js';
import type { ChangeRow, FindingRow } from '../finding-codec.js';
import type { Run } from './sqlite-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const q = () => '?';
const SQL = findingSql(q);

export class SqliteFindingStore implements FindingStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: Run,
  ) {}

  private row(fingerprint: string): FindingRow | undefined {
    return this.db.prepare<[string], FindingRow>(SQL.get).get(fingerprint);
  }

  async upsert(finding: FindingInput): Promise<{ finding: StoredFinding; created: boolean }> {
    const params = findingParams(finding);
    return this.run(W, 'writing a finding', () =>
      this.db.transaction(() => {
        const created = this.row(finding.fingerprint) === undefined;
        this.db.prepare(SQL.upsert(params.length)).run(...params, SYSTEM_ACTOR, REOPEN_NOTE);
        return { finding: findingFromRow(this.row(finding.fingerprint)!), created };
      })(),
    );
  }

  async get(fingerprint: string): Promise<StoredFinding | undefined> {
    const row = this.run(R, 'reading a finding', () => this.row(fingerprint));
    return row ? findingFromRow(row) : undefined;
  }

  async list(query: FindingQuery = {}): Promise<StoredFinding[]> {
    const { where, params } = findingFilter(query, q);
    const rows = this.run(R, 'listing findings', () => this.db.prepare<unknown[], FindingRow>(SQL.list(where, params.length + 1)).all(...params, findingLimit(query)));
    return rows.map(findingFromRow);
  }

  async setStatus(fingerprint: string, status: FindingStatus, by: string, at: number, note?: string): Promise<StoredFinding | undefined> {
    checkStatus(status);
    const changed = this.run(W, 'setting a finding status', () => this.db.prepare(SQL.setStatus).run(status, by, at, note ?? null, fingerprint).changes);
    return changed > 0 ? this.get(fingerprint) : undefined;
  }

  async markMissingFixed(scope: string, seen: readonly string[], by: string, at: number): Promise<number> {
    const keep = new Set(seen);
    return this.run(W, 'marking findings fixed', () =>
      this.db.transaction(() => {
        const open = this.db
          .prepare<unknown[], { fingerprint: string }>(`SELECT fingerprint FROM findings WHERE scope = ? AND status IN (${OPEN_STATUSES.map(q).join(', ')})`)
          .all(scope, ...OPEN_STATUSES)
          .map((r) => r.fingerprint)
          .filter((f) => !keep.has(f));
        let n = 0;
        for (const part of chunks(open)) {
          n += this.db
            .prepare(`UPDATE findings SET status = 'fixed', status_by = ?, status_at = ?, status_note = ? WHERE fingerprint IN (${part.map(q).join(', ')})`)
            .run(by, at, FIXED_NOTE, ...part).changes;
        }
        return n;
      })(),
    );
  }

  async countOpen(): Promise<Record<Severity, number>> {
    return openCounts(this.run(R, 'counting findings', () => this.db.prepare<[], { severity: Severity; n: number }>(SQL.countOpen).all()));
  }

  async addChange(change: NewConfigChange): Promise<ConfigChange> {
    const id = uuidv7(change.at);
    const params = changeParams(id, change);
    this.run(W, 'recording a configuration change', () => this.db.prepare(SQL.addChange(params.length)).run(...params));
    return (await this.getChange(id))!;
  }

  async getChange(id: string): Promise<ConfigChange | undefined> {
    const row = this.run(R, 'reading a configuration change', () => this.db.prepare<[string], ChangeRow>(SQL.getChange).get(id));
    return row ? changeFromRow(row) : undefined;
  }

  async listChanges(limit?: number): Promise<ConfigChange[]> {
    const rows = this.run(R, 'listing configuration changes', () => this.db.prepare<[number], ChangeRow>(SQL.listChanges).all(changeLimit(limit)));
    return rows.map(changeFromRow);
  }

  async markUndone(id: string, by: string, at: number): Promise<boolean> {
    return this.run(W, 'marking a configuration change undone', () => this.db.prepare(SQL.markUndone).run(at, by, id).changes > 0);
  }
}
