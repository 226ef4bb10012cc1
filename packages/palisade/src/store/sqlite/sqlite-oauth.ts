// OAuthStore over SQLite: the oauth_* tables of migration 2, reached through SqliteStore's
// connection and error handling.
import type Database from 'better-sqlite3';
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

type Params = unknown[];
/** How a SQLite sub-store runs a statement: errors become PalisadeErrors with the code and what was being done. */
export type Run = <T>(code: ErrorCode, what: string, fn: () => T) => T;

const R: ErrorCode = 'PALISADE_ERR_STORE_READ';
const W: ErrorCode = 'PALISADE_ERR_STORE_WRITE';

export class SqliteOAuthStore implements OAuthStore {
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

  private one<Row>(code: ErrorCode, what: string, sql: string, ...params: Params): Row | undefined {
    return this.run(code, what, () => this.stmt<Params, Row>(sql).get(...params));
  }

  private all<Row>(code: ErrorCode, what: string, sql: string, ...params: Params): Row[] {
    return this.run(code, what, () => this.stmt<Params, Row>(sql).all(...params));
  }

  private exec(what: string, sql: string, ...params: Params): number {
    return this.run(W, what, () => this.stmt<Params>(sql).run(...params).changes);
  }

  async upsertModel(record: OAuthModelRecord): Promise<void> {
    const p = modelParams(record);
    this.exec(
      'writing an OAuth model',
      `INSERT INTO oauth_models (${MODEL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (model, id) DO UPDATE SET payload = excluded.payload, grant_id = excluded.grant_id,
         user_code = excluded.user_code, uid = excluded.uid, expires_at = excluded.expires_at, consumed_at = excluded.consumed_at`,
      ...p,
    );
  }

  private findBy(column: 'id' | 'uid' | 'user_code', model: string, value: string, now: number): OAuthModelRecord | undefined {
    const [m, v] = modelKey(model, value);
    const row = this.one<ModelRow>(
      R,
      'reading an OAuth model',
      `SELECT ${MODEL_COLUMNS} FROM oauth_models WHERE model = ? AND ${column} = ? AND (expires_at IS NULL OR expires_at > ?) LIMIT 1`,
      m,
      v,
      checkTime('now', now),
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
    this.exec('consuming an OAuth model', 'UPDATE oauth_models SET consumed_at = coalesce(consumed_at, ?) WHERE model = ? AND id = ?', checkTime('at', at), m, i);
  }

  async destroyModel(model: string, id: string): Promise<void> {
    const [m, i] = modelKey(model, id);
    this.exec('deleting an OAuth model', 'DELETE FROM oauth_models WHERE model = ? AND id = ?', m, i);
  }

  async revokeGrant(model: string, grantId: string): Promise<number> {
    const [m, g] = modelKey(model, grantId);
    return this.exec('revoking an OAuth grant', 'DELETE FROM oauth_models WHERE grant_id = ? AND model = ?', g, m);
  }

  async purgeExpiredModels(now = Date.now()): Promise<number> {
    return this.exec('purging expired OAuth models', 'DELETE FROM oauth_models WHERE expires_at IS NOT NULL AND expires_at <= ?', checkTime('now', now));
  }

  async createUser(user: NewOAuthUser): Promise<OAuthUser | undefined> {
    const row = this.one<UserRow>(
      W,
      'creating an OAuth user',
      `INSERT INTO oauth_users (${USER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${USER_COLUMNS}`,
      ...userParams(user, Date.now()),
    );
    return row ? userFromRow(row) : undefined;
  }

  async getUser(id: string): Promise<OAuthUser | undefined> {
    const row = this.one<UserRow>(R, 'reading an OAuth user', `SELECT ${USER_COLUMNS} FROM oauth_users WHERE id = ?`, id);
    return row ? userFromRow(row) : undefined;
  }

  async findUserByUsername(username: string): Promise<OAuthUser | undefined> {
    const row = this.one<UserRow>(R, 'reading an OAuth user', `SELECT ${USER_COLUMNS} FROM oauth_users WHERE username = ?`, username);
    return row ? userFromRow(row) : undefined;
  }

  async listUsers(): Promise<OAuthUser[]> {
    return this.all<UserRow>(R, 'listing OAuth users', `SELECT ${USER_COLUMNS} FROM oauth_users ORDER BY username`).map(userFromRow);
  }

  async updateUser(id: string, patch: OAuthUserPatch): Promise<OAuthUser | undefined> {
    const { sets, values } = userPatch(patch, Date.now(), () => '?');
    const row = this.one<UserRow>(
      W,
      'updating an OAuth user',
      `UPDATE oauth_users SET ${sets.join(', ')} WHERE id = ? RETURNING ${USER_COLUMNS}`,
      ...values,
      id,
    );
    return row ? userFromRow(row) : undefined;
  }

  async recordTotpStep(id: string, step: number): Promise<boolean> {
    const s = checkTime('step', step);
    return (
      this.exec(
        'recording a TOTP step',
        'UPDATE oauth_users SET totp_last_step = ? WHERE id = ? AND (totp_last_step IS NULL OR totp_last_step < ?)',
        s,
        id,
        s,
      ) === 1
    );
  }

  async deleteUser(id: string): Promise<boolean> {
    return this.exec('deleting an OAuth user', 'DELETE FROM oauth_users WHERE id = ?', id) === 1;
  }

  async createClient(client: NewOAuthClient): Promise<OAuthClientRecord | undefined> {
    const row = this.one<ClientRow>(
      W,
      'creating an OAuth client',
      `INSERT INTO oauth_clients (${CLIENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING ${CLIENT_COLUMNS}`,
      ...clientParams(client, Date.now()),
    );
    return row ? clientFromRow(row) : undefined;
  }

  async getClient(clientId: string): Promise<OAuthClientRecord | undefined> {
    const row = this.one<ClientRow>(R, 'reading an OAuth client', `SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE client_id = ?`, clientId);
    return row ? clientFromRow(row) : undefined;
  }

  async listClients(): Promise<OAuthClientRecord[]> {
    return this.all<ClientRow>(R, 'listing OAuth clients', `SELECT ${CLIENT_COLUMNS} FROM oauth_clients ORDER BY name, client_id`).map(clientFromRow);
  }

  async deleteClient(clientId: string): Promise<boolean> {
    return this.exec('deleting an OAuth client', 'DELETE FROM oauth_clients WHERE client_id = ?', clientId) === 1;
  }

  async addSigningKey(key: OAuthSigningKey): Promise<boolean> {
    return this.exec('adding a signing key', `INSERT INTO oauth_signing_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, ...keyParams(key)) === 1;
  }

  async listSigningKeys(): Promise<OAuthSigningKey[]> {
    return this.all<KeyRow>(R, 'listing signing keys', `SELECT ${KEY_COLUMNS} FROM oauth_signing_keys ORDER BY created_at DESC, kid DESC`).map(keyFromRow);
  }

  async rotateSigningKeys(keys: readonly OAuthSigningKey[], graceUntil: number): Promise<number> {
    const rows = keys.map(keyParams);
    const until = checkTime('graceUntil', graceUntil);
    const at = rows[0]?.[4] ?? Date.now();
    return this.run(W, 'rotating signing keys', () =>
      this.db.transaction(() => {
        const retired = this.stmt<[number, number]>('UPDATE oauth_signing_keys SET retired_at = ?, expires_at = ? WHERE retired_at IS NULL').run(at, until).changes;
        this.stmt<[number, number]>('UPDATE oauth_signing_keys SET expires_at = ? WHERE retired_at IS NOT NULL AND expires_at > ?').run(until, until);
        const insert = this.stmt<Params>(`INSERT INTO oauth_signing_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`);
        for (const r of rows) insert.run(...r);
        return retired;
      })(),
    );
  }

  async purgeExpiredSigningKeys(now = Date.now()): Promise<number> {
    return this.exec('purging expired signing keys', 'DELETE FROM oauth_signing_keys WHERE expires_at IS NOT NULL AND expires_at <= ?', checkTime('now', now));
  }
}
