// OAuthStore over PostgreSQL: the oauth_* tables of migration 2, reached through PostgresStore's
// pool and error handling. Every operation is one statement, so none needs an explicit transaction.
import type { QueryResultRow } from 'pg';
import type {
  ErrorCode,
  NewOAuthClient,
  NewOAuthUser,
  OAuthClientRecord,
  OAuthModelRecord,
  OAuthSigningKey,
  OAuthStore,
  OAuthUser,
  OAuthUserPatch,
} from '../../core/index.js';
import {
  CLIENT_COLUMNS,
  KEY_COLUMNS,
  MODEL_COLUMNS,
  USER_COLUMNS,
  checkTime,
  clientFromRow,
  clientParams,
  keyFromRow,
  keyParams,
  modelFromRow,
  modelKey,
  modelParams,
  userFromRow,
  userParams,
  userPatch,
} from '../oauth-codec.js';
import type { ClientRow, KeyRow, ModelRow, UserRow } from '../oauth-codec.js';

export type Query = <R extends QueryResultRow>(code: ErrorCode, what: string, sql: string, params?: unknown[]) => Promise<{ rows: R[]; rowCount: number }>;

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class PostgresOAuthStore implements OAuthStore {
  constructor(private readonly q: Query) {}

  private async first<Row extends QueryResultRow>(code: ErrorCode, what: string, sql: string, params: unknown[]): Promise<Row | undefined> {
    return (await this.q<Row>(code, what, sql, params)).rows[0];
  }

  private async exec(what: string, sql: string, params: unknown[]): Promise<number> {
    return (await this.q(W, what, sql, params)).rowCount;
  }

  async upsertModel(record: OAuthModelRecord): Promise<void> {
    await this.exec(
      'writing an OAuth model',
      `INSERT INTO oauth_models (${MODEL_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
         user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`,
      modelParams(record),
    );
  }

  private async findBy(column: 'id' | 'uid' | 'user_code', model: string, value: string, now: number): Promise<OAuthModelRecord | undefined> {
    const [m, v] = modelKey(model, value);
    const row = await this.first<ModelRow>(
      R,
      'reading an OAuth model',
      `SELECT ${MODEL_COLUMNS} FROM oauth_models WHERE model = $1 AND ${column} = $2 AND (expires_at IS NULL OR expires_at > $3) LIMIT 1`,
      [m, v, checkTime('now', now)],
    );
    return row ? modelFromRow(row) : undefined;
  }

  async findModel(model: string, id: string, now = Date.now()): Promise<OAuthModelRecord | undefined> {
    return this.findBy('id', model, id, now);
  }

  async findModelByUid(model: string, uid: string, now = Date.now()): Promise<OAuthModelRecord | undefined> {
    return this.findBy('uid', model, uid, now);
  }

  async findModelByUserCode(model: string, userCode: string, now = Date.now()): Promise<OAuthModelRecord | undefined> {
    return this.findBy('user_code', model, userCode, now);
  }

  async consumeModel(model: string, id: string, at = Date.now()): Promise<void> {
    const [m, i] = modelKey(model, id);
    await this.exec('consuming an OAuth model', 'UPDATE oauth_models SET consumed_at = coalesce(consumed_at, $1) WHERE model = $2 AND id = $3', [checkTime('at', at), m, i]);
  }

  async destroyModel(model: string, id: string): Promise<void> {
    const [m, i] = modelKey(model, id);
    await this.exec('deleting an OAuth model', 'DELETE FROM oauth_models WHERE model = $1 AND id = $2', [m, i]);
  }

  async revokeGrant(model: string, grantId: string): Promise<number> {
    const [m, g] = modelKey(model, grantId);
    return this.exec('revoking an OAuth grant', 'DELETE FROM oauth_models WHERE grant_id = $1 AND model = $2', [g, m]);
  }

  async purgeExpiredModels(now = Date.now()): Promise<number> {
    return this.exec('purging expired OAuth models', 'DELETE FROM oauth_models WHERE expires_at IS NOT NULL AND expires_at <= $1', [checkTime('now', now)]);
  }

  async createUser(user: NewOAuthUser): Promise<OAuthUser | undefined> {
    const row = await this.first<UserRow>(
      W,
      'creating an OAuth user',
      `INSERT INTO oauth_users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING ${USER_COLUMNS}`,
      userParams(user, Date.now()),
    );
    return row ? userFromRow(row) : undefined;
  }

  async getUser(id: string): Promise<OAuthUser | undefined> {
    const row = await this.first<UserRow>(R, 'reading an OAuth user', `SELECT ${USER_COLUMNS} FROM oauth_users WHERE id = $1`, [id]);
    return row ? userFromRow(row) : undefined;
  }

  async findUserByUsername(username: string): Promise<OAuthUser | undefined> {
    const row = await this.first<UserRow>(R, 'reading an OAuth user', `SELECT ${USER_COLUMNS} FROM oauth_users WHERE username = $1`, [username]);
    return row ? userFromRow(row) : undefined;
  }

  async listUsers(): Promise<OAuthUser[]> {
    // COLLATE "C": the same byte order as SQLite, whatever the database's locale.
    const r = await this.q<UserRow>(R, 'listing OAuth users', `SELECT ${USER_COLUMNS} FROM oauth_users ORDER BY username COLLATE "C"`);
    return r.rows.map(userFromRow);
  }

  async updateUser(id: string, patch: OAuthUserPatch): Promise<OAuthUser | undefined> {
    const { sets, values } = userPatch(patch, Date.now(), (n) => `$${n}`);
    values.push(id);
    const row = await this.first<UserRow>(
      W,
      'updating an OAuth user',
      `UPDATE oauth_users SET ${sets.join(', ')} WHERE id = $${values.length} RETURNING ${USER_COLUMNS}`,
      values,
    );
    return row ? userFromRow(row) : undefined;
  }

  async recordTotpStep(id: string, step: number): Promise<boolean> {
    const s = checkTime('step', step);
    const n = await this.exec(
      'recording a TOTP step',
      'UPDATE oauth_users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)',
      [s, id],
    );
    return n === 1;
  }

  async deleteUser(id: string): Promise<boolean> {
    return (await this.exec('deleting an OAuth user', 'DELETE FROM oauth_users WHERE id = $1', [id])) === 1;
  }

  async createClient(client: NewOAuthClient): Promise<OAuthClientRecord | undefined> {
    const row = await this.first<ClientRow>(
      W,
      'creating an OAuth client',
      `INSERT INTO oauth_clients (${CLIENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING ${CLIENT_COLUMNS}`,
      clientParams(client, Date.now()),
    );
    return row ? clientFromRow(row) : undefined;
  }

  async getClient(clientId: string): Promise<OAuthClientRecord | undefined> {
    const row = await this.first<ClientRow>(R, 'reading an OAuth client', `SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE client_id = $1`, [clientId]);
    return row ? clientFromRow(row) : undefined;
  }

  async listClients(): Promise<OAuthClientRecord[]> {
    const r = await this.q<ClientRow>(R, 'listing OAuth clients', `SELECT ${CLIENT_COLUMNS} FROM oauth_clients ORDER BY name COLLATE "C", client_id COLLATE "C"`);
    return r.rows.map(clientFromRow);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return (await this.exec('deleting an OAuth client', 'DELETE FROM oauth_clients WHERE client_id = $1', [clientId])) === 1;
  }

  async addSigningKey(key: OAuthSigningKey): Promise<boolean> {
    const n = await this.exec('adding a signing key', `INSERT INTO oauth_signing_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, keyParams(key));
    return n === 1;
  }

  async listSigningKeys(): Promise<OAuthSigningKey[]> {
    const r = await this.q<KeyRow>(R, 'listing signing keys', `SELECT ${KEY_COLUMNS} FROM oauth_signing_keys ORDER BY created_at DESC, kid COLLATE "C" DESC`);
    return r.rows.map(keyFromRow);
  }

  async rotateSigningKeys(keys: readonly OAuthSigningKey[], graceUntil: number): Promise<number> {
    const rows = keys.map(keyParams);
    const at = rows[0]?.[4] ?? Date.now();
    const column = (i: number) => rows.map((r) => r[i]);
    // One statement: the UPDATEs and the INSERT see the same snapshot, so the new keys are not
    // retired, the two UPDATEs touch disjoint rows, and everything happens or nothing does.
    const r = await this.q<{ n: string }>(
      W,
      'rotating signing keys',
      `WITH retired AS (
         UPDATE oauth_signing_keys SET retired_at = $1, expires_at = $2 WHERE retired_at IS NULL RETURNING kid
       ), capped AS (
         UPDATE oauth_signing_keys SET expires_at = $2 WHERE retired_at IS NOT NULL AND expires_at > $2 RETURNING kid
       ), added AS (
         INSERT INTO oauth_signing_keys (${KEY_COLUMNS})
         SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[])
         RETURNING kid
       )
       SELECT (SELECT count(*) FROM retired) AS n`,
      [at, checkTime('graceUntil', graceUntil), column(0), column(1), column(2), column(3), column(4), column(5), column(6)],
    );
    return Number(r.rows[0]?.n ?? 0);
  }

  async purgeExpiredSigningKeys(now = Date.now()): Promise<number> {
    return this.exec('purging expired signing keys', 'DELETE FROM oauth_signing_keys WHERE expires_at IS NOT NULL AND expires_at <= $1', [checkTime('now', now)]);
  }
}
