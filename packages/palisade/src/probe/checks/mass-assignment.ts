// Mass assignment: privileged properties the contract does not let a client write (role, isAdmin,
// balance...) are sent in a write, read back, and restored.
import type { Check } from '../check.js';
import type { ScanOperation } from '../import/index.js';
import { evidenceOf } from '../runner.js';
import { documentedProperties, propertySchema } from '../values.js';
import { isAdminOp, jsonOf, nonAdmins, ok, opRef } from './util.js';

export const PRIVILEGED = /^(role|roles|is_?admin|admin|is_?staff|is_?superuser|balance|credit|credits|points|verified|is_?verified|email_?verified|permissions?|scopes?|groups?|plan|tier|account_?type|internal_?notes?|discount|price|owner_?id|user_?id|tenant_?id|status)$/i;

function newValue(current: unknown, name: string): unknown {
  if (typeof current === 'number') return current + 7;
  if (typeof current === 'boolean') return !current;
  if (typeof current === 'string') return /^roles?$/i.test(name) ? (current === 'admin' ? 'customer' : 'admin') : `palisade-mass-${Math.random().toString(36).slice(2, 8)}`;
  return undefined;
}

export const massAssignment: Check = {
  id: 'PAL-SCAN-PROP-001',
  title: 'Privileged properties can be written (mass assignment)',
  category: 'API3:2023',
  cwe: 915,
  severity: 'high',
  order: 60,
  description: "For each PUT/PATCH operation a normal user could call, properties that the user's read of the same object returns but the request schema does not allow (or marks readOnly) and whose names are privileged (role, isAdmin, balance, verified, permissions, internal notes...) are written one at a time with a changed value, then read back. Reported when the read shows the new value; each changed property is restored right away.",
  remediation: { summary: 'Bind request bodies to an explicit allow-list of client-writable properties; never copy a body onto the stored object.', shieldPolicy: 'contract: request validation with additionalProperties: false (strict mode) for the operation' },
  async run(ctx) {
    const user = nonAdmins(ctx)[0] ?? ctx.users[0];
    if (!user) return;
    for (const op of ctx.operations.filter((o) => (o.method === 'PATCH' || o.method === 'PUT') && !isAdminOp(o) && o.body)) {
      if (op.path.includes('{') && !ctx.destructiveAllowed) continue;
      const read: ScanOperation | undefined = ctx.operations.find((o) => o.method === 'GET' && o.path === op.path);
      if (!read) continue;
      ctx.tested(op);
      const pathValues = ctx.explore.observed(read, user.name)?.pathValues ?? {};
      const before = await ctx.send(ctx.explore.build(read, user, { path: pathValues }).request, user);
      const current = jsonOf(before);
      if (!ok(before) || !current || typeof current !== 'object' || Array.isArray(current)) continue;
      const writable = documentedProperties(op.body?.schema) ?? new Set<string>();
      const written: string[] = [];
      const evidence = [];
      for (const [name, value] of Object.entries(current as Record<string, unknown>)) {
        if (!PRIVILEGED.test(name)) continue;
        if (writable.has(name) && propertySchema(op.body?.schema, name)?.readOnly !== true) continue;
        const next = newValue(value, name);
        if (next === undefined) continue;
        const base = ctx.explore.bodyFor(op);
        const body = { ...(base && typeof base === 'object' && !Array.isArray(base) ? (base as Record<string, unknown>) : {}), [name]: next };
        const w = await ctx.send(ctx.explore.build(op, user, { path: pathValues, body }).request, user);
        if (!ok(w)) continue;
        const after = await ctx.send(ctx.explore.build(read, user, { path: pathValues }).request, user);
        const now = jsonOf(after) as Record<string, unknown> | undefined;
        const changed = now && typeof now === 'object' && now[name] === next;
        // Put it back whatever the outcome: the scanner must not leave a customer an admin.
        await ctx.send(ctx.explore.build(op, user, { path: pathValues, body: { [name]: value } }).request, user);
        if (!changed) continue;
        written.push(name);
        if (evidence.length < 2) evidence.push(evidenceOf(w, `${name}: ${JSON.stringify(value)} → ${JSON.stringify(next)} sent`), evidenceOf(after, `read back: ${name} = ${JSON.stringify(next)}`, `"${name}"`));
      }
      if (written.length === 0) continue;
      ctx.report({
        operation: opRef(op),
        confidence: 'confirmed',
        parts: written.sort(),
        description: `${user.name} wrote ${written.join(', ')}, which the contract does not let a client write; each was read back changed and then restored.`,
        evidence,
      });
    }
  },
};
