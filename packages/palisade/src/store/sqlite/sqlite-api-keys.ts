// ApiKeyStore over SQLite: the api_keys table of migration 3, reached through SqliteStore's
// connection and error handling.
import type Database from 'better-sqlite3';
import type { ApiKeyQuery, ApiKeyRecord, ApiKeyStore, ApiKeyUse, ErrorCode, NewApiKey } from '../../core/index.js';
import { API_KEY_COLUMNS, API_KEY_INSERT_COLUMNS, checkTime, keyFromRow, keyId, latestUses, listApi, listLimit, newKeyParams } from '../api-key-codec.js';
import type { ApiKeyRow } from '../api-key-codec.js';
import type { Run } from './sqlite-oauth.js';

type Params = unknown[];
const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const INSERT = `INSERT INTO api_keys (${API_KEY_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export class SqliteApiKeyStore implements ApiKeyStore {
  private readonly statements = new Map<string, Database.Statement<Params>>();

  constructor(
    private readonly db: Database.Database,
    private readonly run: Run,
  ) {}

  private stmt<P extends Params = Params, Row = unknown>(sql: string): Database.Statement<P, Row> {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare<Params>(sql);
      this.statements.set(sql, s);
    }
    // The cache holds statements of every shape; each call site names the shape it prepared.
    return s as unknown as Database.Statement<P, Row>;
  }

  private row(id: string): ApiKeyRow | undefined {
    return this.stmt<[string], ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`).get(id);
  }

  async create(key: NewApiKey): Promise<ApiKeyRecord | undefined> {
    const params = newKeyParams(key);
    const row = this.run(W, 'creating an API key', () =>
      this.stmt<Params, ApiKeyRow>(`${INSERT} ON CONFLICT DO NOTHING RETURNING ${API_KEY_COLUMNS}`).get(...params),
    );
    return row ? keyFromRow(row) : undefined;
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    const k = keyId(id);
    const row = this.run(R, 'reading an API key', () => this.row(k));
    return row ? keyFromRow(row) : undefined;
  }

  async list(query: ApiKeyQuery = {}): Promise<ApiKeyRecord[]> {
    const api = listApi(query);
    const limit = listLimit(query);
    const rows = this.run(R, 'listing API keys', () =>
      api === undefined
        ? this.stmt<[number], ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC LIMIT ?`).all(limit)
        : this.stmt<[string, number], ApiKeyRow>(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE api = ? ORDER BY created_at DESC, id DESC LIMIT ?`).all(api, limit),
    );
    return rows.map(keyFromRow);
  }

  async revoke(id: string, at: number = Date.now()): Promise<ApiKeyRecord | undefined> {
    const k = keyId(id);
    const when = checkTime('revocation time', at);
    const row = this.run(W, 'revoking an API key', () =>
      this
        .stmt<[number, string], ApiKeyRow>(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? RETURNING ${API_KEY_COLUMNS}`)
        .get(when, k),
    );
    return row ? keyFromRow(row) : undefined;
  }

  async rotate(id: string, successor: NewApiKey, graceUntil: number): Promise<ApiKeyRecord | undefined> {
    const old = keyId(id);
    const params = newKeyParams(successor, old);
    const until = checkTime('graceUntil', graceUntil);
    if (successor.id === old) throw new TypeError('A rotated API key needs a successor with another id');
    const at = successor.createdAt;
    return this.run(W, 'rotating an API key', () =>
      this.db.transaction((): ApiKeyRecord | undefined => {
        const changed = this.stmt<[string, number, string, number]>(
          `UPDATE api_keys SET replaced_by = ?, grace_until = ?
           WHERE id = ? AND revoked_at IS NULL AND replaced_by IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
        ).run(successor.id, until, old, at).changes;
        if (changed !== 1) return undefined;
        const row = this.stmt<Params, ApiKeyRow>(`${INSERT} RETURNING ${API_KEY_COLUMNS}`).get(...params);
        return row ? keyFromRow(row) : undefined;
      })(),
    );
  }

  async touch(uses: readonly ApiKeyUse[]): Promise<number> {
    const latest = latestUses(uses);
    if (latest.length === 0) return 0;
    return this.run(W, 'recording API key use', () =>
      this.db.transaction((): number => {
        const update = this.stmt<[number, string, number]>('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)');
        let n = 0;
        for (const u of latest) n += update.run(u.at, u.id, u.at).changes;
        return n;
      })(),
    );
  }
}
