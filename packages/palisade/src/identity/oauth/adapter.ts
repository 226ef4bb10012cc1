// oidc-provider's persistence Adapter over the Store (store.oauth): every model (sessions,
// interactions, grants, codes, refresh tokens...) is one row of oauth_models, so several instances
// sharing a PostgreSQL store share sessions and tokens, and a restart loses nothing. Clients are
// the exception: they are read from oauth_clients, where operators register them.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '../../core/index.js';
import { providerMetadata } from './clients.js';

/** Models that oidc-provider revokes by grant id. */
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

function parse(payload: string, consumedAt: number | undefined): AdapterPayload {
  const p = JSON.parse(payload) as AdapterPayload;
  // oidc-provider reads `consumed` (truthy) to detect a reused code or refresh token.
  if (consumedAt !== undefined) p.consumed = Math.floor(consumedAt / 1000);
  return p;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

class StoreAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly store: Store,
  ) {}

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const grantId = GRANTABLE.has(this.model) ? str(payload.grantId) : undefined;
    const userCode = str(payload.userCode);
    const uid = this.model === 'Session' ? str(payload.uid) : undefined;
    await this.store.oauth.upsertModel({
      model: this.model,
      id,
      payload: JSON.stringify(payload),
      ...(grantId !== undefined ? { grantId } : {}),
      ...(userCode !== undefined ? { userCode } : {}),
      ...(uid !== undefined ? { uid } : {}),
      ...(typeof expiresIn === 'number' && Number.isFinite(expiresIn) ? { expiresAt: Date.now() + Math.max(0, expiresIn) * 1000 } : {}),
    });
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (typeof id !== 'string' || id === '') return undefined;
    const r = await this.store.oauth.findModel(this.model, id);
    return r ? parse(r.payload, r.consumedAt) : undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const r = await this.store.oauth.findModelByUserCode(this.model, userCode);
    return r ? parse(r.payload, r.consumedAt) : undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const r = await this.store.oauth.findModelByUid(this.model, uid);
    return r ? parse(r.payload, r.consumedAt) : undefined;
  }

  async consume(id: string): Promise<void> {
    await this.store.oauth.consumeModel(this.model, id);
  }

  async destroy(id: string): Promise<void> {
    await this.store.oauth.destroyModel(this.model, id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.store.oauth.revokeGrant(this.model, grantId);
  }
}

/** Clients come from oauth_clients; the provider never writes them (registration is off). */
class ClientAdapter implements Adapter {
  constructor(private readonly store: Store) {}

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (typeof id !== 'string' || id === '') return undefined;
    const c = await this.store.oauth.getClient(id);
    return c ? (providerMetadata(c) as AdapterPayload) : undefined;
  }

  async upsert(): Promise<void> {
    throw new Error('clients are registered with `palisade oauth clients create` or the admin API');
  }

  async destroy(): Promise<void> {
    throw new Error('clients are deleted with `palisade oauth clients delete` or the admin API');
  }

  async findByUserCode(): Promise<undefined> {
    return undefined;
  }

  async findByUid(): Promise<undefined> {
    return undefined;
  }

  async consume(): Promise<void> {}

  async revokeByGrantId(): Promise<void> {}
}

/** The `adapter` option of oidc-provider's configuration. */
export function storeAdapter(store: Store): (model: string) => Adapter {
  return (model) => (model === 'Client' ? new ClientAdapter(store) : new StoreAdapter(model, store));
}
