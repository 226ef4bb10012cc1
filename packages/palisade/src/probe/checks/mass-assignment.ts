// Mass assignment: privileged properties the contract does not let a client write (role, isAdmin,
// balance...) are sent in a write, read back, and restored.
import type { Check, CheckContext } from '../check.js';
import type { ScanOperation } from '../import/index.js';
import type { Observation } from '../explore.js';
import { isLoginOp, normKey } from '../explore.js';
import { evidenceOf } from '../runner.js';
import type { ScanResponse } from '../runner.js';
import { documentedProperties, propertySchema } from '../values.js';
import { admins, isAdminOp, jsonOf, nonAdmins, ok, opRef, randomToken, sessionOf, successes } from './util.js';

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
  description: "For each PUT/PATCH operation a normal user could call, properties that the user's read of the same object returns but the request schema does not allow (or marks readOnly) and whose names are privileged (role, isAdmin, balance, verified, permissions, internal notes...) are written one at a time with a changed value, then read back. Reported when the read shows the new value; each changed property is restored right away. For creations (POST on a collection, sign-up included), privileged flags that objects of the same kind show in responses (admin: false, role: user) are sent in one creation and left out of a twin creation: reported when the lists and reads that show those objects give the flag the value sent for the first and not for the twin (the scanner's objects are deleted afterwards where an administrator can).",
  remediation: { summary: 'Bind request bodies to an explicit allow-list of client-writable properties; never copy a body onto the stored object.', shieldPolicy: 'contract: request validation with additionalProperties: false (strict mode) for the operation' },
  async run(ctx) {
    await onCreation(ctx);
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

/** Objects (up to a few levels deep) in a JSON answer. */
function objectsIn(v: unknown, out: Array<Record<string, unknown>> = [], depth = 0): Array<Record<string, unknown>> {
  if (depth > 4 || v === null || typeof v !== 'object') return out;
  if (Array.isArray(v)) for (const x of v.slice(0, 200)) objectsIn(x, out, depth + 1);
  else {
    out.push(v as Record<string, unknown>);
    for (const x of Object.values(v)) objectsIn(x, out, depth + 1);
  }
  return out;
}

/** The body with its free-text fields made unique (a second sign-up with the same name is refused). */
function uniqueBody(base: Record<string, unknown>, op: ScanOperation, tag: string): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(out)) {
    const sch = propertySchema(op.body?.schema, k);
    if (typeof v !== 'string' || /pass(word|wd)?/i.test(k) || sch?.enum) continue;
    out[k] = /mail/i.test(k) || sch?.format === 'email' ? `pal${tag}@example.com` : `${v}-pal${tag}`;
  }
  return out;
}

async function onCreation(ctx: CheckContext): Promise<void> {
  const creations = ctx.operations.filter((o) => o.method === 'POST' && !o.path.includes('{') && o.body && !isAdminOp(o) && !isLoginOp(o, ctx.loginPaths));
  for (const op of creations) {
    const made = successes(ctx, (x) => x.op === op)[0];
    const base = ctx.explore.bodyFor(op);
    if (!made || !base || typeof base !== 'object' || Array.isArray(base)) continue;
    const writable = documentedProperties(op.body?.schema) ?? new Set<string>();
    const keys = Object.keys(base as Record<string, unknown>).filter((k) => !/pass(word|wd)?/i.test(k));
    // Privileged flags of objects of the same kind (objects that carry the creation's own fields).
    const flags = new Map<string, unknown>();
    const readers: Observation[] = [];
    for (const o of successes(ctx, (x) => x.op.method === 'GET' && !x.op.path.includes('{'))) {
      let useful = false;
      for (const obj of objectsIn(jsonOf(o.response))) {
        if (!keys.some((k) => k in obj)) continue;
        for (const [k, v] of Object.entries(obj)) {
          if (!PRIVILEGED.test(k) || writable.has(k) || flags.has(k)) continue;
          if (typeof v === 'boolean' || (typeof v === 'string' && /^roles?$/i.test(k))) {
            flags.set(k, v);
            useful = true;
          }
        }
      }
      if (useful && !readers.some((r) => r.op === o.op)) readers.push(o);
    }
    if (flags.size === 0) continue;
    ctx.tested(op);
    const s = sessionOf(ctx, made.identity);
    for (const [name, seen] of [...flags].slice(0, 3)) {
      const next = typeof seen === 'boolean' ? true : 'admin';
      const tag = randomToken();
      const twin = uniqueBody(base as Record<string, unknown>, op, `${tag}a`);
      const priv = { ...uniqueBody(base as Record<string, unknown>, op, `${tag}b`), [name]: next };
      const w1 = await ctx.send(ctx.explore.build(op, s, { body: twin }).request, s);
      const w2 = await ctx.send(ctx.explore.build(op, s, { body: priv }).request, s);
      const marks = (b: Record<string, unknown>) => keys.map((k) => b[k]).filter((v): v is string => typeof v === 'string');
      if (!ok(w1) || !ok(w2)) continue;
      let proof: ScanResponse | undefined;
      let twinValue: unknown;
      for (const reader of readers.slice(0, 5)) {
        const r = await ctx.send(reader.request, sessionOf(ctx, reader.identity));
        const objs = objectsIn(jsonOf(r));
        const mine = objs.find((o) => marks(priv).some((m) => Object.values(o).includes(m)));
        const other = objs.find((o) => marks(twin).some((m) => Object.values(o).includes(m)));
        if (mine && other && mine[name] === next && other[name] !== next) {
          proof = r;
          twinValue = other[name];
          break;
        }
      }
      await removeCreated(ctx, op, [twin, priv]);
      if (!proof) continue;
      ctx.report({
        operation: opRef(op),
        confidence: 'confirmed',
        parts: [name],
        description: `A creation that carried ${name}: ${JSON.stringify(next)}, which the request schema does not allow, made an object with ${name} = ${JSON.stringify(next)}, while its twin without it got ${JSON.stringify(twinValue)} (read back from ${proof.request.method} ${new URL(proof.request.url).pathname}).`,
        evidence: [evidenceOf(w2, `${name}: ${JSON.stringify(next)} sent in the creation`), evidenceOf(proof, `read back: ${name} = ${JSON.stringify(next)}`, `"${name}"`)],
      });
      break;
    }
  }
}

/** Deletes the scanner's creations where a DELETE names them by one of their fields (as an administrator when one is configured). */
async function removeCreated(ctx: CheckContext, op: ScanOperation, bodies: Array<Record<string, unknown>>): Promise<void> {
  const parent = op.path.replace(/\/[^/]+$/, '');
  const del = ctx.operations.find((o) => o.method === 'DELETE' && (o.path.startsWith(`${op.path}/{`) || o.path.startsWith(`${parent}/{`)) && o.path.split('/').length === (o.path.startsWith(`${op.path}/{`) ? op.path : parent).split('/').length + 1);
  const param = del ? /\{([^}]+)\}$/.exec(del.path)?.[1] : undefined;
  if (!del || !param || !ctx.destructiveAllowed) return;
  const field = Object.keys(bodies[0]!).find((k) => normKey(k) === normKey(param));
  const who = admins(ctx)[0] ?? nonAdmins(ctx)[0];
  if (!field || !who) return;
  for (const b of bodies) if (typeof b[field] === 'string') await ctx.send(ctx.explore.build(del, who, { path: { [param]: b[field] as string } }).request, who);
}
