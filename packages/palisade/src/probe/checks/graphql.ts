// GraphQL endpoints (imported from introspection): introspection left enabled, batching abuse
// (one request carrying 100 aliased copies of a field, or a batch of 100 operations, answered in
// full), and depth abuse (a query nested through a recursive type far past any sane limit). Injection through arguments is covered by the injection checks, which attack the
// variables of every GraphQL operation.
import type { Check, CheckContext } from '../check.js';
import type { Observation } from '../explore.js';
import type { Session } from '../identities.js';
import type { ScanResponse } from '../runner.js';
import { evidenceOf } from '../runner.js';
import { jsonOf, ok, sessionOf, successes } from './util.js';

export const BATCH_SIZE = 100;
const PROBE_QUERY = 'query PalisadeProbe { __schema { queryType { name } types { name } } }';

function endpoints(ctx: CheckContext): Map<string, Observation | undefined> {
  const out = new Map<string, Observation | undefined>();
  for (const op of ctx.operations) if (op.graphql && !out.has(op.path)) out.set(op.path, undefined);
  for (const o of successes(ctx, (x) => x.op.graphql?.kind === 'query')) if (out.get(o.op.path) === undefined && answered(o.response)) out.set(o.op.path, o);
  return out;
}

/** A GraphQL answer with data and no errors. */
function answered(r: ScanResponse): boolean {
  const j = jsonOf(r) as { data?: unknown; errors?: unknown } | undefined;
  return ok(r) && !!j && typeof j.data === 'object' && j.data !== null && !(Array.isArray(j.errors) && j.errors.length > 0);
}

function schemaTypes(r: ScanResponse): number {
  const j = jsonOf(r) as { data?: { __schema?: { types?: unknown } } } | undefined;
  const t = j?.data?.__schema?.types;
  return ok(r) && Array.isArray(t) ? t.length : 0;
}

export const graphqlIntrospection: Check = {
  id: 'PAL-SCAN-GQL-001',
  title: 'GraphQL introspection is enabled',
  category: 'API8:2023',
  cwe: 200,
  severity: 'low',
  description: 'Sends an introspection query (__schema with its types) to each GraphQL endpoint, without credentials and then as each identity. Reported when the answer lists the schema\'s types, twice: anyone (or any user) can read the whole schema, hidden and internal fields included.',
  remediation: { summary: 'Disable introspection in production (or allow it only to developers), and publish the schema deliberately if clients need it.', shieldPolicy: 'graphql validation: introspection disabled for the route (or a WAF rule on __schema)' },
  async run(ctx) {
    for (const [path, o] of endpoints(ctx)) {
      if (o) ctx.tested(o.op);
      for (const s of [ctx.anonymous, ...ctx.users]) {
        const send = (): Promise<ScanResponse> => ctx.send({ method: 'POST', url: path, headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ query: PROBE_QUERY }) }, s);
        const r = await send();
        const n = schemaTypes(r);
        if (n === 0 || schemaTypes(await send()) === 0) continue;
        ctx.report({ operation: { method: 'POST', path }, confidence: 'confirmed', parts: [], description: `POST ${path} answers an introspection query ${s.anonymous ? 'without credentials' : `as ${s.name}`} with the schema's ${n} types.`, evidence: [evidenceOf(r, `__schema with ${n} types`, '__schema')] });
        break;
      }
    }
  },
};

export const graphqlBatching: Check = {
  id: 'PAL-SCAN-GQL-002',
  title: 'GraphQL batching abuse: 100 operations in one request are answered',
  category: 'API4:2023',
  cwe: 770,
  severity: 'medium',
  description: `Takes a query that succeeded while exploring and sends it (1) as one document with ${BATCH_SIZE} aliased copies of its field and (2) as a JSON array batch of ${BATCH_SIZE} operations. Reported when every copy is answered (no error, no refusal), twice: rate limits per request are bypassed ${BATCH_SIZE} times over (password or one-time-code guessing, expensive resolvers).`,
  remediation: { summary: 'Limit aliases, batch size, query depth and cost per request (and count each operation of a batch against the rate limit).', shieldPolicy: 'limits: GraphQL depth, alias and batch limits; rateLimit counting operations, not requests' },
  async run(ctx) {
    for (const [path, o] of endpoints(ctx)) {
      if (!o) continue;
      ctx.tested(o.op);
      const s: Session = sessionOf(ctx, o.identity);
      const body = JSON.parse(String(o.request.body)) as { query: string; variables?: Record<string, unknown> };
      const open = body.query.indexOf('{');
      const close = body.query.lastIndexOf('}');
      if (open < 0 || close <= open) continue;
      const inner = body.query.slice(open + 1, close).trim();
      const aliased = `${body.query.slice(0, open)}{ ${Array.from({ length: BATCH_SIZE }, (_, i) => `p${i}: ${inner}`).join(' ')} }`;
      const headers = { ...(o.request.headers ?? {}), 'content-type': 'application/json' };
      const sendAliased = (): Promise<ScanResponse> => ctx.send({ method: 'POST', url: o.request.url, headers, body: JSON.stringify({ query: aliased, variables: body.variables ?? {} }) }, s);
      const allAliases = (r: ScanResponse): boolean => {
        const d = (jsonOf(r) as { data?: Record<string, unknown> } | undefined)?.data;
        return answered(r) && !!d && Array.from({ length: BATCH_SIZE }, (_, i) => `p${i}`).every((k) => d[k] !== undefined && d[k] !== null);
      };
      const r = await sendAliased();
      if (allAliases(r) && allAliases(await sendAliased())) ctx.report({ operation: { method: 'POST', path }, confidence: 'confirmed', parts: ['aliases'], description: `POST ${path} answers one query with ${BATCH_SIZE} aliased copies of ${o.op.graphql?.field ?? 'a field'}, every one resolved.`, evidence: [evidenceOf(r, `${BATCH_SIZE} aliases answered`)] });
      const sendBatch = (): Promise<ScanResponse> => ctx.send({ method: 'POST', url: o.request.url, headers, body: JSON.stringify(Array.from({ length: BATCH_SIZE }, () => body)) }, s);
      const allBatched = (x: ScanResponse): boolean => {
        const j = jsonOf(x);
        return ok(x) && Array.isArray(j) && j.length === BATCH_SIZE && j.every((e) => typeof e === 'object' && e !== null && (e as { data?: unknown }).data != null && !(e as { errors?: unknown }).errors);
      };
      const b = await sendBatch();
      if (allBatched(b) && allBatched(await sendBatch())) ctx.report({ operation: { method: 'POST', path }, confidence: 'confirmed', parts: ['batch'], description: `POST ${path} answers a JSON array of ${BATCH_SIZE} operations, every one resolved.`, evidence: [evidenceOf(b, `batch of ${BATCH_SIZE} answered`)] });
    }
  },
};

/** Levels of nesting of the abusive query: past the limits servers use (5 to 10) and no client's need. */
export const NEST_DEPTH = 15;
/** The abusive query must be answered within this time to be reported as answered (not a timeout). */
const DEPTH_TIME_BUDGET_MS = 8000;

/** `{ author { notes { author ... { __typename } } } }`: `levels` fields of the cycle, repeated. */
export function nestedSelection(cycle: readonly string[], levels: number): string {
  const names = Array.from({ length: levels }, (_, i) => cycle[i % cycle.length]!);
  return `${names.map((n) => `{ ${n} `).join('')}{ __typename }${' }'.repeat(levels)}`;
}

/** How deep the answer actually goes along the cycle (lists followed through their first item). */
function reachedDepth(data: unknown, field: string, cycle: readonly string[]): number {
  let cur: unknown = (data as Record<string, unknown> | null)?.[field];
  let depth = 0;
  for (let i = 0; i < NEST_DEPTH + 1; i++) {
    while (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return depth;
    const next = (cur as Record<string, unknown>)[cycle[i % cycle.length]!];
    if (next === undefined || next === null) return depth;
    depth++;
    cur = next;
  }
  return depth;
}

export const graphqlDepth: Check = {
  id: 'PAL-SCAN-GQL-003',
  title: `GraphQL depth abuse: a query nested ${NEST_DEPTH} levels through a recursive type is answered`,
  category: 'API4:2023',
  cwe: 674,
  severity: 'medium',
  description: `For query fields whose type is recursive in the schema (Note.author → User.notes → Note), takes the request that succeeded while exploring and replaces its selection: first with one turn of the cycle (the baseline, which must be answered), then with the cycle repeated to ${NEST_DEPTH} levels. Reported when the deep query is answered with data and no error (no depth or complexity limit) within ${DEPTH_TIME_BUDGET_MS / 1000} s, twice: each level can multiply the work of the resolvers, so one request can exhaust the server.`,
  remediation: { summary: 'Limit query depth (a depth of 5 to 10 suits most schemas) and query cost/complexity, and refuse the query before executing it.', shieldPolicy: 'limits: GraphQL depth, alias and batch limits' },
  async run(ctx) {
    const done = new Set<string>();
    for (const o of successes(ctx, (x) => x.op.graphql?.kind === 'query' && (x.op.graphql.cycle?.length ?? 0) > 0 && answered(x.response))) {
      const g = o.op.graphql!;
      const key = `${o.op.path} ${g.field}`;
      if (done.has(key)) continue;
      done.add(key);
      ctx.tested(o.op);
      const body = JSON.parse(String(o.request.body)) as { query: string; variables?: Record<string, unknown> };
      // The importer's query: `query P($a: T) { field(a: $a) { ...selection } }`.
      const first = body.query.indexOf('{');
      const sel = body.query.indexOf('{', first + 1);
      if (first < 0 || sel < 0) continue;
      const withLevels = (levels: number): string => `${body.query.slice(0, sel)}${nestedSelection(g.cycle!, levels)} }`;
      const s = sessionOf(ctx, o.identity);
      const headers = { ...(o.request.headers ?? {}), 'content-type': 'application/json' };
      const send = (levels: number): Promise<ScanResponse> => ctx.send({ method: 'POST', url: o.request.url, headers, body: JSON.stringify({ query: withLevels(levels), variables: body.variables ?? {} }), timeoutMs: DEPTH_TIME_BUDGET_MS }, s);
      const base = await send(g.cycle!.length);
      // A baseline the server refuses says nothing about depth. An empty or null field is fine: a
      // depth limit refuses the query when validating it, whatever the data.
      if (!answered(base)) continue;
      const deep = await send(NEST_DEPTH);
      if (!answered(deep) || deep.durationMs > DEPTH_TIME_BUDGET_MS) continue;
      const again = await send(NEST_DEPTH);
      if (!answered(again)) continue;
      const reached = reachedDepth((jsonOf(deep) as { data?: unknown }).data, g.field, g.cycle!);
      ctx.report({
        operation: { method: 'POST', path: o.op.path, ...(o.op.operationId ? { operationId: o.op.operationId } : {}) },
        confidence: 'confirmed',
        parts: [g.field],
        description: `POST ${o.op.path} executes ${g.field} nested ${NEST_DEPTH} levels through ${g.cycle!.join(' → ')} without a depth limit (the answer goes ${reached} levels deep where data exists; ${deep.durationMs} ms against ${base.durationMs} ms for one turn of the cycle).`,
        evidence: [evidenceOf(deep, `${NEST_DEPTH} levels answered with data and no error`), evidenceOf(base, 'baseline: one turn of the cycle')],
      });
    }
  },
};
