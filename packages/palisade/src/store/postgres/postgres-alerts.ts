// AlertStore over PostgreSQL: the alerts table of migration 4.
import type { AlertQuery, AlertRecord, AlertStore, ErrorCode } from '../../core/index.js';
import { ALERT_COLUMNS, alertFilter, alertFromRow, alertLimit, alertParams } from '../alert-codec.js';
import type { AlertRow } from '../alert-codec.js';
import type { Query } from './postgres-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class PostgresAlertStore implements AlertStore {
  constructor(private readonly q: Query) {}

  async upsert(alert: AlertRecord): Promise<void> {
    await this.q(
      W,
      'writing an alert',
      `INSERT INTO alerts (${ALERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET detector = excluded.detector, actor_id = excluded.actor_id,
         first_seen = excluded.first_seen, last_seen = excluded.last_seen, data = excluded.data`,
      alertParams(alert),
    );
  }

  async get(id: string): Promise<AlertRecord | undefined> {
    const r = await this.q<AlertRow>(R, 'reading an alert', `SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
    return r.rows[0] ? alertFromRow(r.rows[0]) : undefined;
  }

  async list(query: AlertQuery = {}): Promise<AlertRecord[]> {
    const { where, params } = alertFilter(query, (i) => `$${i}`);
    params.push(alertLimit(query));
    const r = await this.q<AlertRow>(R, 'listing alerts', `SELECT ${ALERT_COLUMNS} FROM alerts ${where} ORDER BY last_seen DESC, id DESC LIMIT $${params.length}`, params);
    return r.rows.map(alertFromRow);
  }

  async prune(before: number): Promise<number> {
    return (await this.q(W, 'pruning alerts', 'DELETE FROM alerts WHERE last_seen < $1', [before])).rowCount;
  }
}
