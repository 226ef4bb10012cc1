// ApiKeyStore over PostgreSQL: the api_keys table of migration 3, reached through PostgresStore's
// pool and error handling. Every operation is one statement (rotation uses a data-modifying CTE),
// so none needs an explicit transaction.
import type { ApiKeyQuery, ApiKeyRecord, ApiKeyStore, ApiKeyUse, ErrorCode, NewApiKey } from '../../core/index.js';
import { API_KEY_COLUMNS, API_KEY_INSERT_COLUMNS, checkTime, keyFromRow, keyId, latestUses, listApi, listLimit, newKeyParams } from '../api-key-codec.js';
import type { ApiKeyRow } from '../api-key-codec.js';
import type { Query } from './postgres-oauth.js';

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';
const VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11';

export class PostgresApiKeyStore implements ApiKeyStore {
  constructor(private readonly q: Query) {}

  private async first(code: ErrorCode, what: string, sql: string, params: unknown[]): Promise<ApiKeyRecord | undefined> {
    const row = (await this.q<ApiKeyRow>(code, what, sql, params)).rows[0];
    return row ? keyFromRow(row) : undefined;
  }

  async create(key: NewApiKey): Promise<ApiKeyRecord | undefined> {
    return this.first(
      W,
      'creating an API key',
      `INSERT INTO api_keys (${API_KEY_INSERT_COLUMNS}) VALUES (${VALUES}) ON CONFLICT DO NOTHING RETURNING ${API_KEY_COLUMNS}`,
      newKeyParams(key),
    );
  }

  async get(id: string): Promise<ApiKeyRecord | undefined> {
    return this.first(R, 'reading an API key', `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = $1`, [keyId(id)]);
  }

  async list(query: ApiKeyQuery = {}): Promise<ApiKeyRecord[]> {
    const api = listApi(query);
    const limit = listLimit(query);
    const r =
      api === undefined
        ? await this.q<ApiKeyRow>(R, 'listing API keys', `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC LIMIT $1`, [limit])
        : await this.q<ApiKeyRow>(R, 'listing API keys', `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE api = $1 ORDER BY created_at DESC, id DESC LIMIT $2`, [api, limit]);
    return r.rows.map(keyFromRow);
  }

  async revoke(id: string, at: number = Date.now()): Promise<ApiKeyRecord | undefined> {
    return this.first(
      W,
      'revoking an API key',
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2 RETURNING ${API_KEY_COLUMNS}`,
      [checkTime('revocation time', at), keyId(id)],
    );
  }

  async rotate(id: string, successor: NewApiKey, graceUntil: number): Promise<ApiKeyRecord | undefined> {
    const old = keyId(id);
    const params = newKeyParams(successor, old);
    const until = checkTime('graceUntil', graceUntil);
    if (successor.id === old) throw new TypeError('A rotated API key needs a successor with another id');
    // The INSERT selects from the UPDATE's result: no row updated (missing, revoked, replaced,
    // expired), nothing inserted. One statement, so both happen or neither does.
    return this.first(
      W,
      'rotating an API key',
      `WITH old AS (
         UPDATE api_keys SET replaced_by = $1, grace_until = $12
         WHERE id = $11 AND revoked_at IS NULL AND replaced_by IS NULL AND (expires_at IS NULL OR expires_at > $8)
         RETURNING id)
       INSERT INTO api_keys (${API_KEY_INSERT_COLUMNS})
       SELECT $1, $2, $3, $4, $5, $6, $7, $8::bigint, $9, $10::bigint, old.id FROM old
       RETURNING ${API_KEY_COLUMNS}`,
      [...params, until],
    );
  }

  async touch(uses: readonly ApiKeyUse[]): Promise<number> {
    const latest = latestUses(uses);
    if (latest.length === 0) return 0;
    // One statement per batch whatever its size: ids and times travel as two array parameters.
    const r = await this.q(
      W,
      'recording API key use',
      `UPDATE api_keys k SET last_used_at = u.at
       FROM unnest($1::text[], $2::bigint[]) AS u(id, at)
       WHERE k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
      [latest.map((u) => u.id), latest.map((u) => u.at)],
    );
    return r.rowCount;
  }
}
