// AlertStore over SQLite: the alerts table of migration 4.
import type Database from 'better-sqlite3';
import type { AlertQuery, AlertRecord, AlertStore, ErrorCode } from '../../core/index.js';
import { ALERT_COLUMNS, alertFilter, alertFromRow, alertLimit, alertParams } from '../alert-codec.js';
import type { AlertRow } from '../alert-codec.js';
import type { Run } from './sqlite-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class SqliteAlertStore implements AlertStore {
  constructor(
    private readonly db: Database.Database,
    private readonly run: Run,
  ) {}

  async upsert(alert: AlertRecord): Promise<void> {
    const params = alertParams(alert);
    this.run(W, 'writing an alert', () =>
      this.db
        .prepare(
          `INSERT INTO alerts (${ALERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET detector = excluded.detector, actor_id = excluded.actor_id,
             first_seen = excluded.first_seen, last_seen = excluded.last_seen, data = excluded.data`,
        )
        .run(...params),
    );
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const row = this.run(R, 'reading an alert', () => this.db.prepare<[string], AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`).get(id));
    return row ? alertFromRow(row) : undefined;
  }

  async list(query: AlertQuery = {}): Promise<AlertRecord[]> {
    const { where, params } = alertFilter(query, () => '?');
    const rows = this.run(R, 'listing alerts', () =>
      this.db.prepare<unknown[], AlertRow>(`SELECT ${ALERT_COLUMNS} FROM alerts ${where} ORDER BY last_seen DESC, id DESC LIMIT ?`).all(...params, alertLimit(query)),
    );
    return rows.map(alertFromRow);
  }

  async prune(before: number): Promise<number> {
    return this.run(W, 'pruning alerts', () => this.db.prepare<[number]>('DELETE FROM alerts WHERE last_seen < ?').run(before).changes);
  }
}
