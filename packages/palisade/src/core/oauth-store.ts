// The part of the Store port used by the built-in OAuth 2.0 / OpenID Connect authorization server
// (identity/oauth): oidc-provider's models, the server's users and clients, and its signing keys.
// Reached as `store.oauth`. Secrets arrive already hashed or sealed (encrypted); a store never
// sees a password, a client secret, a TOTP secret or a private key in clear.

/** One oidc-provider model instance (session, interaction, grant, authorization code, refresh token...). */
export interface OAuthModelRecord {
  /** oidc-provider's model name: 'Session', 'Grant', 'AuthorizationCode', 'RefreshToken'... */
  model: string;
  id: string;
  /** The model's payload as JSON text; opaque to the store. */
  payload: string;
  grantId?: string;
  userCode?: string;
  uid?: string;
  /** Epoch ms after which the record is gone (find* no longer return it). Absent: no expiry. */
  expiresAt?: number;
  /** Epoch ms when the record was consumed (a used authorization code or rotated refresh token). */
  consumedAt?: number;
}

export interface OAuthUser {
  /** Stable id, the `sub` of the user's tokens. */
  id: string;
  /** Login name (an e-mail address in practice), stored lower-case; unique. */
  username: string;
  /** Self-describing password hash (algorithm, parameters, salt and hash); never the password. */
  passwordHash: string;
  roles: string[];
  /** The TOTP secret, sealed (encrypted) by identity/oauth; absent when TOTP is off. */
  totpSecret?: string;
  /** The last TOTP time step accepted, so a code cannot be used twice. */
  totpLastStep?: number;
  createdAt: number;
  updatedAt: number;
}

export interface NewOAuthUser {
  id: string;
  username: string;
  passwordHash: string;
  roles: string[];
  totpSecret?: string;
}

/** What `updateUser` changes; absent fields are kept. `totpSecret: null` turns TOTP off. */
export interface OAuthUserPatch {
  passwordHash?: string;
  roles?: string[];
  totpSecret?: string | null;
}

export interface OAuthClientRecord {
  clientId: string;
  name: string;
  /** Hash of the client secret; absent for a public client (PKCE, no secret). */
  secretHash?: string;
  redirectUris: string[];
  grantTypes: string[];
  scopes: string[];
  createdAt: number;
  updatedAt: number;
}

export type NewOAuthClient = Omit<OAuthClientRecord, 'createdAt' | 'updatedAt'>;

export interface OAuthSigningKey {
  kid: string;
  alg: string;
  /** Public JWK as JSON text (published in the JWKS). */
  publicJwk: string;
  /** Private JWK, sealed (encrypted) by identity/oauth. */
  privateJwk: string;
  createdAt: number;
  /** Epoch ms when a newer key replaced it for signing; it is still published until expiresAt. */
  retiredAt?: number;
  /** Epoch ms after which a retired key is no longer published or used. */
  expiresAt?: number;
}

export interface OAuthStore {
  /** Creates or replaces the record (model, id). */
  upsertModel(record: OAuthModelRecord): Promise<void>;
  /** The record unless absent or expired at `now` (default: the current time). */
  findModel(model: string, id: string, now?: number): Promise<OAuthModelRecord | undefined>;
  findModelByUid(model: string, uid: string, now?: number): Promise<OAuthModelRecord | undefined>;
  findModelByUserCode(model: string, userCode: string, now?: number): Promise<OAuthModelRecord | undefined>;
  /** Marks the record consumed at `at` (default: now). Consuming twice keeps the first time. */
  consumeModel(model: string, id: string, at?: number): Promise<void>;
  destroyModel(model: string, id: string): Promise<void>;
  /** Deletes every record of `model` that belongs to the grant; returns how many. */
  revokeGrant(model: string, grantId: string): Promise<number>;
  /** Deletes records expired at `now`; returns how many. */
  purgeExpiredModels(now?: number): Promise<number>;

  /** Stores a new user; undefined when the id or username is taken. */
  createUser(user: NewOAuthUser): Promise<OAuthUser | undefined>;
  getUser(id: string): Promise<OAuthUser | undefined>;
  findUserByUsername(username: string): Promise<OAuthUser | undefined>;
  /** Users ordered by username. */
  listUsers(): Promise<OAuthUser[]>;
  /** The updated user, or undefined when there is none with this id. Changing the TOTP secret clears totpLastStep. */
  updateUser(id: string, patch: OAuthUserPatch): Promise<OAuthUser | undefined>;
  /**
   * Records that TOTP time step `step` was used, only if it is later than the last one recorded:
   * true when recorded, false when the step (or a later one) was already used. Atomic, so two
   * logins racing with the same code cannot both succeed.
   */
  recordTotpStep(id: string, step: number): Promise<boolean>;
  deleteUser(id: string): Promise<boolean>;

  /** Stores a new client; undefined when the client id is taken. */
  createClient(client: NewOAuthClient): Promise<OAuthClientRecord | undefined>;
  getClient(clientId: string): Promise<OAuthClientRecord | undefined>;
  /** Clients ordered by name, then id. */
  listClients(): Promise<OAuthClientRecord[]>;
  deleteClient(clientId: string): Promise<boolean>;

  /** Stores a key; false when the kid exists. */
  addSigningKey(key: OAuthSigningKey): Promise<boolean>;
  /** Every stored key, newest first (by createdAt, then kid). */
  listSigningKeys(): Promise<OAuthSigningKey[]>;
  /**
   * In one transaction: retires every key not yet retired (retiredAt = the new keys' createdAt,
   * expiresAt = graceUntil), brings the expiry of keys retired earlier forward to graceUntil when
   * it is later (never postpones it), and adds `keys`. Returns how many keys were newly retired.
   */
  rotateSigningKeys(keys: readonly OAuthSigningKey[], graceUntil: number): Promise<number>;
  /** Deletes retired keys expired at `now`; returns how many. */
  purgeExpiredSigningKeys(now?: number): Promise<number>;
}
