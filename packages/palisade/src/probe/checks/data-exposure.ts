// Excessive data exposure: responses carry sensitive properties (secrets, hashes, tokens, personal
// data) that the contract's response schema does not document.
import type { Check } from '../check.js';
import type { Schema } from '../import/index.js';
import { evidenceOf } from '../runner.js';
import { documentedProperties } from '../values.js';
import { jsonOf, ok, opRef, sameResponse, successes } from './util.js';

const SECRET_NAME = /pass(word)?|passwd|pwd|hash|secret|token|api_?key|private_?key|salt|otp|mfa|totp|cvv|card_?number|pan$|ssn|internal/i;
const PII_NAME = /e-?mail|phone|mobile|address|birth|dob|iban|national_?id|passport|tax_?id|salary/i;
const SECRET_VALUE = [/^[a-f0-9]{32,128}$/i, /^\$2[aby]\$\d\d\$/, /^eyJ[\w-]+\.[\w-]+\./, /^(sk|pk|rk)_(live|test)_/];

function schemaFor(responses: Record<string, { schema?: Schema }>, status: number): Schema | undefined {
  return responses[String(status)]?.schema ?? responses[`${String(status)[0]}XX`]?.schema ?? responses.default?.schema;
}

function undocumented(value: unknown, schema: Schema | undefined, path: string, out: Map<string, string>, depth = 0): void {
  if (depth > 6 || !schema || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = schema.items as Schema | undefined;
    for (const v of value.slice(0, 20)) undocumented(v, items, `${path}[]`, out, depth + 1);
    return;
  }
  const documented = documentedProperties(schema);
  if (!documented) return;
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (!documented.has(k)) {
      const str = typeof v === 'string' ? v : '';
      if (SECRET_NAME.test(k) || SECRET_VALUE.some((re) => re.test(str))) out.set(`${path}${k}`, 'secret');
      else if (PII_NAME.test(k) && !out.has(`${path}${k}`)) out.set(`${path}${k}`, 'personal data');
      continue;
    }
    undocumented(v, props[k], `${path}${k}.`, out, depth + 1);
  }
}

export const dataExposure: Check = {
  id: 'PAL-SCAN-PROP-002',
  title: 'Responses expose sensitive properties the contract does not document',
  category: 'API3:2023',
  cwe: 213,
  severity: 'high',
  description: 'Every successful JSON response seen while exploring is compared with the response schema of its operation and status. Properties the schema does not document are reported when their name or value marks them as a secret (password, hash, token, key, internal...) or as personal data (e-mail, phone, address...). The request is sent again and the properties must still be there.',
  remediation: { summary: 'Serialise responses from an explicit view of the documented properties; never return whole database rows.', shieldPolicy: 'response property filtering to the OpenAPI schema (contract.responses) and sensitive-data masking' },
  async run(ctx) {
    const done = new Set<string>();
    for (const o of successes(ctx)) {
      const key = `${o.op.method} ${o.op.path}`;
      if (done.has(key)) continue;
      const schema = schemaFor(o.op.responses, o.response.status);
      const json = jsonOf(o.response);
      if (!schema || json === undefined) continue;
      ctx.tested(o.op);
      const found = new Map<string, string>();
      undocumented(json, schema, '', found);
      if (found.size === 0) continue;
      const again = await ctx.send(o.request, o.identity === 'anonymous' ? ctx.anonymous : ctx.users.find((u) => u.name === o.identity));
      if (!ok(again) || (o.op.method === 'GET' && !sameResponse(again, o.response) && ![...found.keys()].every((k) => again.body.includes(`"${k.split('.').pop()!.replace('[]', '')}"`)))) continue;
      done.add(key);
      const names = [...found.keys()].sort();
      const secret = [...found.values()].includes('secret');
      ctx.report({
        operation: opRef(o.op),
        severity: secret ? 'high' : 'medium',
        confidence: 'confirmed',
        parts: names,
        description: `Undocumented ${secret ? 'secret and ' : ''}sensitive properties in the ${o.response.status} response (as ${o.identity}): ${names.map((n) => `${n} (${found.get(n)})`).join(', ')}.`,
        evidence: [evidenceOf(o.response, `not in the response schema: ${names.join(', ')}`), evidenceOf(again, 'sent again: still there')],
      });
    }
  },
};
