// The one way the UI talks to the console API: same-origin cookies, the session's CSRF token on
// every change, problem+json errors turned into readable messages, and a 401 anywhere sending the
// user back to the sign-in page.
import type { Problem, Session, SsoInfo } from './types';

export const API_BASE = '/console/api';

/** A failed API call, with the problem document when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem | undefined;
  constructor(status: number, message: string, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

let csrfToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** Called when any request answers 401: the session is gone or never was. */
export function onUnauthorized(fn: () => void): () => void {
  unauthorizedListeners.add(fn);
  return () => unauthorizedListeners.delete(fn);
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Readable text for a problem document or a bare status. */
export function describeProblem(status: number, p: Problem | undefined): string {
  if (p) {
    const head = p.detail || p.title;
    if (head) {
      if (status === 429 && !/try again/i.test(head)) return `${head} Try again later.`;
      return head;
    }
  }
  switch (status) {
    case 400: return 'The request was not accepted (400). Check the form and try again.';
    case 401: return 'Your session has ended. Sign in again.';
    case 403: return 'Your role does not allow this action (403). Ask an administrator.';
    case 404: return 'Not found (404). It may have been removed.';
    case 409: return 'This conflicts with the current state (409). Reload and try again.';
    case 413: return 'The request is too large (413).';
    case 422: return 'The change did not validate (422).';
    case 429: return 'Too many attempts (429). Wait a few minutes and try again.';
    case 502: case 503: case 504: return `The Palisade server is not answering (${status}). Check that it is running.`;
    default: return `The server answered ${status}.`;
  }
}

export interface RequestOptions {
  /** JSON body (objects are serialised; strings sent as they are). */
  body?: unknown;
  signal?: AbortSignal;
  /** Don't broadcast a 401 (sign-in and the first session probe expect one). */
  quiet401?: boolean;
}

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(API_BASE + path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'Cannot reach the Palisade server. Check that it is running and your network connection.');
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  const isJson = type.includes('json');
  let parsed: unknown;
  if (isJson) {
    try {
      parsed = await res.json();
    } catch {
      parsed = undefined;
    }
  }
  if (!res.ok) {
    const problem = isJson && parsed && typeof parsed === 'object' ? (parsed as Problem) : undefined;
    if (res.status === 401 && !opts.quiet401) for (const fn of unauthorizedListeners) fn();
    throw new ApiError(res.status, describeProblem(res.status, problem), problem);
  }
  if (!isJson) throw new ApiError(res.status, `Unexpected answer from the server (${type || 'no content type'}).`);
  return parsed as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, { signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} }),
  put: <T>(path: string, body?: unknown) => request<T>('PUT', path, { body: body ?? {} }),
  patch: <T>(path: string, body?: unknown) => request<T>('PATCH', path, { body: body ?? {} }),
  del: <T>(path: string) => request<T>('DELETE', path),
};

/** Encodes one path segment (endpoint keys hold slashes and spaces). */
export const seg = (s: string): string => encodeURIComponent(s);

export async function loadSession(): Promise<Session | undefined> {
  try {
    const s = await request<Session>('GET', '/session', { quiet401: true });
    setCsrfToken(s.csrfToken);
    return s;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      setCsrfToken(undefined);
      return undefined;
    }
    throw err;
  }
}

export async function signIn(username: string, password: string): Promise<Session> {
  const s = await request<Session>('POST', '/session', { body: { username, password }, quiet401: true });
  setCsrfToken(s.csrfToken);
  return s;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/session', { quiet401: true });
  } finally {
    setCsrfToken(undefined);
  }
}

export const getSso = (): Promise<SsoInfo> => request<SsoInfo>('GET', '/sso', { quiet401: true });

/** Error text for anything thrown by the calls above. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}
