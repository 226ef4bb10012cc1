// Test support for stage unit tests: a fake RequestContext and StageEnv, and settings with the
// schema's real defaults. Used only by *.test.ts files.
import type { IncomingMessage } from 'node:http';
import type { StageSettings } from '../../core/index.js';
import { StageSettingsSchema } from '../../core/index.js';
import { MemoryBlocklist } from '../blocklist.js';
import type { RequestContext, StageEnv, StageName } from '../stage.js';

export interface FakeRequest {
  method?: string;
  url?: string;
  /** Lower-case names, as Node gives them. rawHeaders are derived from these unless given. */
  headers?: Record<string, string | string[]>;
  rawHeaders?: string[];
  clientIp?: string;
  peerIp?: string;
  tls?: boolean;
  hasCredentials?: boolean;
  requestId?: string;
  routeName?: string;
}

export function fakeContext(init: FakeRequest = {}): RequestContext {
  const method = init.method ?? 'GET';
  const url = init.url ?? '/';
  const headers = init.headers ?? {};
  const rawHeaders =
    init.rawHeaders ?? Object.entries(headers).flatMap(([k, v]) => (Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v]));
  // Stages read only these members of IncomingMessage; a real one would need a socket.
  const req = { method, url, headers, rawHeaders } as unknown as IncomingMessage;
  const q = url.indexOf('?');
  const hostHeader = typeof headers.host === 'string' ? headers.host : '';
  return {
    req,
    method,
    url,
    path: q < 0 ? url : url.slice(0, q),
    host: hostHeader.replace(/:\d+$/, '').toLowerCase(),
    clientIp: init.clientIp ?? '203.0.113.7',
    peerIp: init.peerIp ?? init.clientIp ?? '203.0.113.7',
    tls: init.tls ?? false,
    requestId: init.requestId ?? 'req-test-1',
    startedAt: 0,
    api: 'test-api',
    routeName: init.routeName ?? 'test-route',
    hasCredentials: init.hasCredentials ?? false,
    outcomes: [],
  };
}

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  msg: string;
  fields?: Record<string, unknown>;
}

export interface FakeEnv extends StageEnv {
  readonly blocklist: MemoryBlocklist;
  readonly logs: LogLine[];
}

export function fakeEnv(blocklist = new MemoryBlocklist()): FakeEnv {
  const logs: LogLine[] = [];
  return {
    blocklist,
    logs,
    log: (level, msg, fields) => {
      logs.push(fields === undefined ? { level, msg } : { level, msg, fields });
    },
  };
}

/** The settings of stage `name` as palisade.yaml would produce them: schema defaults plus `overrides`. */
export function settingsFor<K extends StageName>(name: K, overrides: Partial<StageSettings[K]> = {}): StageSettings[K] {
  return StageSettingsSchema.parse({ [name]: overrides })[name];
}
