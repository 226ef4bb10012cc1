// GraphQL endpoints (imported from introspection): introspection left enabled, and batching abuse
// (one request carrying 100 aliased copies of a field, or a batch of 100 operations, answered in
// full). Injection through arguments is covered by the injection checks, which attack the
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
