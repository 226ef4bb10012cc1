// The console's JSON API from a test (a signed-in session: cookie + CSRF token), and the sign-in
// form driven in a browser page.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { ConsoleStack } from './stack.js';

export interface ConsoleApi {
  get<T = unknown>(path: string): Promise<T>;
  send<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Starts a scan of the demo API (as the UI's "New scan" does) and returns its id. */
  startScan(): Promise<string>;
  waitForScan(id: string, timeoutMs: number): Promise<{ status: string }>;
}

export async function consoleApi(stack: ConsoleStack): Promise<ConsoleApi> {
  const base = `${stack.adminUrl}/console/api`;
  const login = await fetch(`${base}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: stack.username, password: stack.password }),
  });
  assert.equal(login.status, 200, `console sign-in failed: ${login.status} ${await login.clone().text()}`);
  const cookie = (login.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const send = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as T };
  };
  const get = async <T>(path: string): Promise<T> => {
    const r = await send<T>('GET', path);
    assert.equal(r.status, 200, `GET ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  return {
    get,
    send,
    async startScan() {
      const r = await send<{ id: string }>('POST', '/scans', { api: 'demo' });
      assert.ok(r.status === 202 || r.status === 201 || r.status === 200, `POST /scans: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.id;
    },
    async waitForScan(id, timeoutMs) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const s = await get<{ status: string }>(`/scans/${encodeURIComponent(id)}`);
        if (!['queued', 'running'].includes(s.status)) return s;
        if (Date.now() > end) throw new Error(`scan ${id} still ${s.status} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 500));
      }
    },
  };
}

/** Signs in through the form when the page shows it (a page already signed in is left alone). */
export async function signIn(page: Page, stack: ConsoleStack): Promise<void> {
  const user = page.getByLabel('Username');
  await user.waitFor({ timeout: 15_000 });
  await user.fill(stack.username);
  await page.getByLabel('Password', { exact: true }).fill(stack.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  // Signed in: the form is gone (the main navigation may be folded into a menu on a phone).
  await user.waitFor({ state: 'detached', timeout: 15_000 });
}

/**
 * Waits until no part of the page says it is loading (aria-busy). Polled with locators: the
 * console's CSP forbids the string evaluation waitForFunction would need.
 */
export async function whenIdle(page: Page, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while ((await page.locator('[aria-busy="true"]').count()) > 0) {
    if (Date.now() > end) throw new Error('the page still shows aria-busy content');
    await page.waitForTimeout(100);
  }
}
