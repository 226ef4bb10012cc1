// Realistic traffic against the demo API for Watch's tests: every documented operation and the
// undocumented ones, many products, orders, users and lookups (known and unknown addresses),
// with tokens, wrong passwords and errors. Deterministic (seeded), so runs compare.
import { DEMO_USERS, WELCOME_COUPON, PRODUCT_COUNT } from 'palisade-demo';

export interface TrafficResult {
  requests: number;
  /** METHOD + template (OpenAPI-style, as documented or as the demo routes them) of each request sent. */
  sent: Map<string, number>;
}

/** A small deterministic PRNG (mulberry32), so the traffic is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function driveDemoTraffic(baseUrl: string, opts: { rounds?: number; seed?: number; concurrency?: number; avatarUrl?: string } = {}): Promise<TrafficResult> {
  const rand = rng(opts.seed ?? 7);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const sent = new Map<string, number>();
  let requests = 0;
  const call = async (method: string, template: string, path: string, o: { token?: string; body?: unknown } = {}): Promise<{ status: number; json: unknown }> => {
    const headers: Record<string, string> = { 'user-agent': 'watch-traffic/1' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    const r = await fetch(baseUrl + path, { method, headers, ...(body !== undefined ? { body } : {}), redirect: 'manual' });
    const text = await r.text();
    requests++;
    const k = `${method} ${template}`;
    sent.set(k, (sent.get(k) ?? 0) + 1);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, json };
  };

  const tokens = new Map<number, string>();
  for (const u of DEMO_USERS) {
    const r = await call('POST', '/api/v2/auth/login', '/api/v2/auth/login', { body: { email: u.email, password: u.password } });
    tokens.set(u.id, (r.json as { token: string }).token);
  }
  const customers = DEMO_USERS.filter((u) => u.role === 'customer');
  const admin = DEMO_USERS.find((u) => u.role === 'admin')!;
  const orders: number[] = [1001, 1002, 1003, 1004];
  const rounds = opts.rounds ?? 40;

  const round = async () => {
    const u = pick(customers);
    const token = tokens.get(u.id)!;
    const steps: Array<() => Promise<unknown>> = [
      () => call('GET', '/api/health', '/api/health'),
      () => call('GET', '/api/v2/users/me', '/api/v2/users/me', { token }),
      () => call('PATCH', '/api/v2/users/me', '/api/v2/users/me', { token, body: { name: `${u.name.split(' ')[0]} ${int(1, 99)}` } }),
      () => call('GET', '/api/v2/users/lookup', `/api/v2/users/lookup?email=${encodeURIComponent(pick(DEMO_USERS).email)}`),
      () => call('GET', '/api/v2/users/lookup', `/api/v2/users/lookup?email=${encodeURIComponent(`nobody${int(1, 10_000)}@example.com`)}`),
      () => call('POST', '/api/v2/users/me/avatar', '/api/v2/users/me/avatar', { token, body: { url: opts.avatarUrl ?? `${baseUrl}/api/health` } }),
      () => call('GET', '/api/v2/products', `/api/v2/products?page=${int(1, 50)}&limit=${pick([10, 20, 50])}`),
      () => call('GET', '/api/v2/products/search', `/api/v2/products/search?q=${pick(['anvil', 'rope', 'hammer', 'nail', 'kit'])}`),
      () => call('GET', '/api/v2/products/{productId}', `/api/v2/products/${int(1, PRODUCT_COUNT)}`),
      () => call('GET', '/api/v2/products/{productId}', `/api/v2/products/${int(1, PRODUCT_COUNT)}`),
      () => call('GET', '/api/v2/products/{productId}/thumbnail', `/api/v2/products/${int(1, PRODUCT_COUNT)}/thumbnail?size=${pick([16, 32])}`),
      () => call('GET', '/api/v2/orders', `/api/v2/orders?page=1&limit=${pick([5, 20])}`, { token }),
      async () => {
        const r = await call('POST', '/api/v2/orders', '/api/v2/orders', { token, body: { productId: int(2, PRODUCT_COUNT), quantity: 1 } });
        const id = (r.json as { id?: number } | undefined)?.id;
        if (r.status === 201 && typeof id === 'number') orders.push(id);
      },
      () => call('GET', '/api/v2/orders/{orderId}', `/api/v2/orders/${pick(orders)}`, { token }),
      () => call('PATCH', '/api/v2/orders/{orderId}', `/api/v2/orders/${pick(orders)}`, { token, body: { shippingAddress: `${int(1, 999)} Main Street` } }),
      () => call('GET', '/api/v2/orders/{orderId}/invoice', `/api/v2/orders/${pick(orders)}/invoice`, { token }),
      () => call('POST', '/api/v2/orders/{orderId}/shipping-quote', `/api/v2/orders/${pick(orders)}/shipping-quote`, { token }),
      () => call('POST', '/api/v2/coupons/redeem', '/api/v2/coupons/redeem', { token, body: { code: rand() < 0.5 ? WELCOME_COUPON : `BOGUS${int(1, 99)}` } }),
      () => call('GET', '/api/v2/admin/users', '/api/v2/admin/users', { token: tokens.get(admin.id)! }),
      () => call('GET', '/api/v2/admin/users/{userId}', `/api/v2/admin/users/${pick(DEMO_USERS).id}`, { token: tokens.get(admin.id)! }),
      // Deleting an account that does not exist: a 404, and the demo keeps its users.
      () => call('DELETE', '/api/v2/admin/users/{userId}', `/api/v2/admin/users/${int(5000, 9000)}`, { token: tokens.get(admin.id)! }),
      () => call('POST', '/api/v2/auth/login', '/api/v2/auth/login', { body: { email: u.email, password: 'wrong-password' } }),
      () => call('POST', '/api/v2/auth/login', '/api/v2/auth/login', { body: { email: `ghost${int(1, 999)}@example.com`, password: 'x' } }),
      // Undocumented: the retired v1 API and a debug endpoint.
      () => call('GET', '/api/v1/users/{userId}', `/api/v1/users/${pick([1, 2, 3, 10, int(11, 500)])}`),
      () => call('GET', '/api/v1/account', '/api/v1/account', { token }),
      () => call('GET', '/debug/config', '/debug/config'),
    ];
    for (const s of steps) await s();
  };
  const concurrency = opts.concurrency ?? 4;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < rounds) {
        next++;
        await round();
      }
    }),
  );
  return { requests, sent };
}

/** Templates compared without their parameter names: /a/{x} and /a/{y} are one template. */
export function shape(key: string): string {
  return key.replace(/\{[^}]+\}/g, '{}');
}

/** Templating precision and recall of `learnt` against the templates the traffic really used. */
export function precisionRecall(learnt: readonly string[], truth: readonly string[]): { precision: number; recall: number; missing: string[]; extra: string[] } {
  const t = new Set(truth.map(shape));
  const l = new Set(learnt.map(shape));
  const hit = [...l].filter((k) => t.has(k)).length;
  return {
    precision: l.size ? hit / l.size : 0,
    recall: t.size ? hit / t.size : 0,
    missing: [...t].filter((k) => !l.has(k)),
    extra: [...l].filter((k) => !t.has(k)),
  };
}
