// FindingStore over SQLite: the findings and config_changes tables of migration 6.
import type Database from 'better-sqlite3';
import { uuidv7 } from '../../core/index.js';
import type { ConfigChange, ErrorCode, FindingInput, FindingQuery, FindingStatus, FindingStore, NewConfigChange, Severity, StoredFinding } from '../../core/index.js';
import {
  CHANGE_COLUMNS,
  CHANGE_INSERT_COLUMNS,
  FINDING_COLUMNS,
  FINDING_INSERT_COLUMNS,
  FINDING_ORDER,
  OPEN_STATUSES,
  REOPEN_NOTE,
  SYSTEM_ACTOR,
  changeFromRow,
  changeLimit,
  changeParams,
  checkStatus,
  chunks,
  emptyCounts,
  findingFilter,
  findingFromRow,
  findingLimit,
  findingParams,
  upsertSet,
} from '../finding-codec.js';
import type { ChangeRow, FindingRow } from '../finding-codec.js';

type Run = <T>(code: ErrorCode, what: string, fn: () => T) => T;

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const q = () => '?';

export class SqliteFindingStore implements FindingStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: Run,
  ) {}

  private row(fingerprint: string): FindingRow | undefined {
    return this.db.prepare<[string], FindingRow>(`SELECT ${FINDING_COLUMNS} FROM findings WHERE fingerprint = ?`).get(fingerprint);
  }

  async upsert(finding: FindingInput): Promise<{ finding: StoredFinding; created: boolean }> {
    const params = findingParams(finding);
    const n = params.length;
    return this.run(W, 'writing a finding', () =>
      this.db.transaction(() => {
        const created = this.row(finding.fingerprint) === undefined;
        this.db
          .prepare(`INSERT INTO findings (${FINDING_INSERT_COLUMNS}) VALUES (${params.map(q).join(', ')}) ON CONFLICT (fingerprint) DO UPDATE SET ${upsertSet(q, n + 1, n + 2)}`)
          .run(...params, SYSTEM_ACTOR, REOPEN_NOTE);
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
    const rows = this.run(R, 'listing findings', () =>
      this.db.prepare<unknown[], FindingRow>(`SELECT ${FINDING_COLUMNS} FROM findings ${where} ${FINDING_ORDER} LIMIT ?`).all(...params, findingLimit(query)),
    );
    return rows.map(findingFromRow);
  }

  async setStatus(fingerprint: string, status: FindingStatus, by: string, at: number, note?: string): Promise<StoredFinding | undefined> {
    checkStatus(status);
    const changed = this.run(W, 'setting a finding status', () =>
      this.db.prepare('UPDATE findings SET status = ?, status_by = ?, status_at = ?, status_note = ? WHERE fingerprint = ?').run(status, by, at, note ?? null, fingerprint).changes,
    );
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
            .run(by, at, 'no longer reported by a later run of the same scope', ...part).changes;
        }
        return n;
      })(),
    );
  }

  async countOpen(): Promise<Record<Severity, number>> {
    const rows = this.run(R, 'counting findings', () =>
      this.db.prepare<[], { severity: Severity; n: number }>(`SELECT severity, count(*) AS n FROM findings WHERE status NOT IN ('fixed', 'false-positive') GROUP BY severity`).all(),
    );
    const out = emptyCounts();
    for (const r of rows) if (r.severity in out) out[r.severity] = Number(r.n);
    return out;
  }

  async addChange(change: NewConfigChange): Promise<ConfigChange> {
    const id = uuidv7(change.at);
    const params = changeParams(id, change);
    this.run(W, 'recording a configuration change', () => this.db.prepare(`INSERT INTO config_changes (${CHANGE_INSERT_COLUMNS}) VALUES (${params.map(q).join(', ')})`).run(...params));
    return (await this.getChange(id))!;
  }

  async getChange(id: string): Promise<ConfigChange | undefined> {
    const row = this.run(R, 'reading a configuration change', () => this.db.prepare<[string], ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM config_changes WHERE id = ?`).get(id));
    return row ? changeFromRow(row) : undefined;
  }

  async listChanges(limit?: number): Promise<ConfigChange[]> {
    const rows = this.run(R, 'listing configuration changes', () =>
      this.db.prepare<[number], ChangeRow>(`SELECT ${CHANGE_COLUMNS} FROM config_changes ORDER BY at DESC, id DESC LIMIT ?`).all(changeLimit(limit)),
    );
    return rows.map(changeFromRow);
  }

  async markUndone(id: string, by: string, at: number): Promise<boolean> {
    return this.run(W, 'marking a configuration change undone', () => this.db.prepare('UPDATE config_changes SET undone_at = ?, undone_by = ? WHERE id = ? AND undone_at IS NULL').run(at, by, id).changes > 0);
  }
}
