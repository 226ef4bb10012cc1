// Injection points: string-ish query and path parameters and top-level string fields of JSON
// bodies of requests that succeeded while exploring, and how to send a payload into one.
import type { CheckContext } from '../check.js';
import type { Observation } from '../explore.js';
import type { ScanRequest } from '../runner.js';
import { isAdminOp, successes } from './util.js';

export interface InjectionPoint {
  obs: Observation;
  /** `variable`: a GraphQL argument, sent as a variable of the request; `xml`: the text of an element of a SOAP Body. */
  where: 'query' | 'path' | 'body' | 'variable' | 'xml';
  name: string;
  value: string;
}

export const MAX_POINTS = 30;

export function injectionPoints(ctx: CheckContext, nameFilter?: RegExp): InjectionPoint[] {
  const out: InjectionPoint[] = [];
  const seen = new Set<string>();
  for (const o of successes(ctx, (x) => !isAdminOp(x.op) && !ctx.loginPaths.includes(x.op.path))) {
    const u = new URL(o.request.url, 'http://x');
    for (const p of o.op.params) {
      if ((p.in !== 'query' && p.in !== 'path') || (nameFilter && !nameFilter.test(p.name))) continue;
      const value = p.in === 'query' ? u.searchParams.get(p.name) : o.pathValues[p.name];
      if (value === null || value === undefined) continue;
      const k = `${o.op.method} ${o.op.path} ${o.op.operationId ?? ''} ${p.in} ${p.name}`;
      if (!seen.has(k)) {
        out.push({ obs: o, where: p.in, name: p.name, value });
        seen.add(k);
      }
    }
    if (o.op.soap && typeof o.request.body === 'string') {
      for (const el of soapTextElements(o.request.body)) {
        if (nameFilter && !nameFilter.test(el.name)) continue;
        const k = `${o.op.method} ${o.op.path} ${o.op.operationId ?? ''} xml ${el.name}`;
        if (!seen.has(k)) {
          out.push({ obs: o, where: 'xml', name: el.name, value: el.value });
          seen.add(k);
        }
      }
      continue;
    }
    if (typeof o.request.body === 'string' && /json/.test(o.request.headers?.['content-type'] ?? '')) {
      try {
        const b = JSON.parse(o.request.body) as unknown;
        // A GraphQL request: the arguments are the variables; the query text is not an input.
        const gql = o.op.graphql !== undefined && isRecord(b) && isRecord(b.variables);
        const fields = gql ? (b as { variables: Record<string, unknown> }).variables : b;
        if (isRecord(fields)) for (const [name, v] of Object.entries(fields)) {
          if (typeof v !== 'string' || (nameFilter && !nameFilter.test(name))) continue;
          const k = `${o.op.method} ${o.op.path} ${o.op.operationId ?? ''} body ${name}`;
          if (!seen.has(k)) {
            out.push({ obs: o, where: gql ? 'variable' : 'body', name, value: v });
            seen.add(k);
          }
        }
      } catch {
        // Not JSON after all: no body points.
      }
    }
  }
  return out.slice(0, MAX_POINTS);
}

/** Fingerprint parts of a point: GraphQL fields and SOAP operations share their endpoint's path. */
export function pointParts(pt: InjectionPoint): string[] {
  const op = pt.obs.op;
  return [pt.where, pt.name, ...(op.graphql || op.soap ? [op.operationId ?? ''] : [])];
}

export function withPayload(pt: InjectionPoint, payload: string): ScanRequest {
  const r = pt.obs.request;
  if (pt.where === 'query') {
    const u = new URL(r.url, 'http://x');
    u.searchParams.set(pt.name, payload);
    return { ...r, url: `${u.pathname}${u.search}` };
  }
  if (pt.where === 'path') {
    const path = pt.obs.op.path.replace(/\{([^}]+)\}/g, (_m, n: string) => encodeURIComponent(n === pt.name ? payload : (pt.obs.pathValues[n] ?? '')));
    const q = r.url.indexOf('?');
    return { ...r, url: `${path}${q >= 0 ? r.url.slice(q) : ''}` };
  }
  if (pt.where === 'xml') return { ...r, body: withXmlText(String(r.body), pt.name, payload) };
  return withBodyValue(pt, payload);
}

// A leaf element of the Body: <prefix:name attrs>text</prefix:name> with no child element.
const LEAF_ELEMENT = /<((?:[\w.-]+:)?([\w.-]+))(\s[^<>]*)?>([^<]*)<\/\1\s*>/g;

function xmlUnescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);
}

/** The text-only elements inside a SOAP Body (the operation's parameters), first of each name. */
export function soapTextElements(xml: string): Array<{ name: string; value: string }> {
  const body = /<(?:[\w.-]+:)?Body\b[^>]*>([\s\S]*)<\/(?:[\w.-]+:)?Body\s*>/.exec(xml)?.[1] ?? '';
  const out: Array<{ name: string; value: string }> = [];
  for (const m of body.matchAll(LEAF_ELEMENT)) if (!out.some((x) => x.name === m[2]!)) out.push({ name: m[2]!, value: xmlUnescape(m[4]!) });
  return out;
}

/** The envelope with the text of the first `name` element of the Body replaced (escaped as XML text). */
function withXmlText(xml: string, name: string, value: string): string {
  const bodyAt = xml.search(/<(?:[\w.-]+:)?Body\b/);
  let done = false;
  const rest = xml.slice(Math.max(0, bodyAt)).replace(LEAF_ELEMENT, (all, qname: string, local: string, attrs: string | undefined) => {
    if (done || local !== name) return all;
    done = true;
    return `<${qname}${attrs ?? ''}>${xmlEscape(value)}</${qname}>`;
  });
  return xml.slice(0, Math.max(0, bodyAt)) + rest;
}

/** The request with the body field (or GraphQL variable) set to any JSON value: operators, objects. */
export function withBodyValue(pt: InjectionPoint, value: unknown): ScanRequest {
  const r = pt.obs.request;
  const b = JSON.parse(String(r.body)) as Record<string, unknown>;
  if (pt.where === 'variable') return { ...r, body: JSON.stringify({ ...b, variables: { ...(b.variables as Record<string, unknown>), [pt.name]: value } }) };
  return { ...r, body: JSON.stringify({ ...b, [pt.name]: value }) };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
