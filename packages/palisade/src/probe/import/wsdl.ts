// WSDL 1.1 (SOAP 1.1 and 1.2 bindings) into the scanner's ApiModel: one POST operation per binding
// operation, on the path of the service's soap:address, with a SOAPAction header and a sample
// envelope built from the schema element the input message carries. Written for the scanner
// rather than shared with shield/wsdl.ts: Shield rejects a whole document on one defect (it is an
// allow-list), the scanner skips what is broken and reports it as an import defect.
import { SaxesParser } from 'saxes';
import type { ImportDefect } from '../report.js';
import type { ApiModel, ScanOperation } from './model.js';
import { IMPORT_LIMITS } from './model.js';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const SOAP11 = 'http://schemas.xmlsoap.org/wsdl/soap/';
const SOAP12 = 'http://schemas.xmlsoap.org/wsdl/soap12/';
const XSD = 'http://www.w3.org/2001/XMLSchema';
export const ENVELOPE_NS = { '1.1': 'http://schemas.xmlsoap.org/soap/envelope/', '1.2': 'http://www.w3.org/2003/05/soap-envelope' } as const;
/** Limits: element nesting of the document, nesting of sample bodies, children per sample element. */
const WSDL_LIMITS = { maxDepth: 64, sampleDepth: 6, sampleChildren: 30 } as const;

interface Node { ns: string; local: string; attrs: Map<string, string>; children: Node[]; scope: Record<string, string> }

/** The prolog (declaration, comments, a DTD) is looked at in the first 4 KiB only: bounded work on any input. */
export function looksLikeWsdl(text: string): boolean {
  return /^\s*(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*|<!DOCTYPE[^[>]*(\[[\s\S]*?\])?\s*>\s*)*<([\w-]+:)?definitions\b/.test(text.replace(/^\uFEFF/, '').slice(0, 4096));
}

function parse(text: string): Node {
  const p = new SaxesParser({ xmlns: true });
  const stack: Node[] = [];
  let root: Node | undefined;
  let error: string | undefined;
  // A WSDL never needs a DTD; entities in one could expand without bound.
  p.on('doctype', () => (error ??= 'a document type declaration (DTD) is not accepted in a WSDL'));
  p.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    if (stack.length >= WSDL_LIMITS.maxDepth) {
      error ??= `elements nested deeper than ${WSDL_LIMITS.maxDepth}`;
      return;
    }
    const attrs = new Map<string, string>();
    for (const a of Object.values(tag.attributes)) if (a.prefix !== 'xmlns' && a.name !== 'xmlns') attrs.set(a.local, a.value);
    const node: Node = { ns: tag.uri, local: tag.local, attrs, children: [], scope: { ...(parent?.scope ?? {}), ...tag.ns } };
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  p.on('closetag', () => void stack.pop());
  p.on('error', (err) => (error ??= `not well-formed XML: ${err.message}`));
  p.write(text).close();
  if (error) throw new Error(error);
  if (!root) throw new Error('the document is empty');
  return root;
}

const kids = (n: Node, local: string, ns = WSDL_NS): Node[] => n.children.filter((c) => c.local === local && c.ns === ns);

/** prefix:local → { ns, local } in the element's scope. */
function qname(n: Node, v: string | undefined): { ns: string; local: string } | undefined {
  if (!v) return undefined;
  const i = v.indexOf(':');
  return i < 0 ? { ns: n.scope[''] ?? '', local: v } : { ns: n.scope[v.slice(0, i)] ?? '', local: v.slice(i + 1) };
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]!);
}

export function importWsdl(text: string, location: string, defects: ImportDefect[]): ApiModel {
  const root = parse(text);
  if (root.ns !== WSDL_NS || root.local !== 'definitions') throw new Error('not a WSDL 1.1 document (the root is not wsdl:definitions)');
  const tns = root.attrs.get('targetNamespace') ?? '';
  // Schema elements and complex types by local name (namespaces of the types section are few).
  const elements = new Map<string, Node>();
  const complexTypes = new Map<string, Node>();
  const qualified = new Map<Node, boolean>();
  for (const types of kids(root, 'types')) for (const schema of kids(types, 'schema', XSD)) {
    const q = schema.attrs.get('elementFormDefault') === 'qualified';
    for (const c of schema.children) {
      const name = c.attrs.get('name');
      if (!name) continue;
      if (c.local === 'element') elements.set(name, c);
      if (c.local === 'complexType') complexTypes.set(name, c);
      qualified.set(c, q);
    }
  }
  const sampleOf = (type: string | undefined, name: string): string => {
    const t = (type ?? '').replace(/^.*:/, '');
    if (/^(int|integer|long|short|byte|decimal|double|float|unsigned\w*|positiveInteger|nonNegativeInteger)$/.test(t)) return '1';
    if (t === 'boolean') return 'true';
    if (t === 'dateTime') return new Date().toISOString();
    if (t === 'date') return new Date().toISOString().slice(0, 10);
    return /mail/i.test(name) ? 'palisade.probe@example.com' : 'palisade';
  };
  const childrenXml = (ct: Node | undefined, prefix: string, depth: number): string => {
    if (!ct || depth > WSDL_LIMITS.sampleDepth) return '';
    const out: string[] = [];
    const walk = (n: Node): void => {
      for (const c of n.children) {
        if (out.length >= WSDL_LIMITS.sampleChildren) return;
        if (c.local === 'sequence' || c.local === 'all' || c.local === 'choice' || c.local === 'complexContent' || c.local === 'extension') walk(c);
        else if (c.local === 'element' && c.attrs.get('name')) {
          const name = c.attrs.get('name')!;
          const inner = kids(c, 'complexType', XSD)[0] ?? complexTypes.get((c.attrs.get('type') ?? '').replace(/^.*:/, ''));
          const body = inner ? childrenXml(inner, prefix, depth + 1) : xmlEscape(sampleOf(c.attrs.get('type'), name));
          out.push(`<${prefix}${name}>${body}</${prefix}${name}>`);
        }
      }
    };
    walk(ct);
    return out.join('');
  };

  const messages = new Map<string, Node>(kids(root, 'message').map((m) => [m.attrs.get('name') ?? '', m]));
  const portTypes = new Map<string, Node>(kids(root, 'portType').map((p) => [p.attrs.get('name') ?? '', p]));
  // Binding name → address (from the service ports).
  const addresses = new Map<string, string>();
  for (const svc of kids(root, 'service')) for (const port of kids(svc, 'port')) {
    const addr = [...kids(port, 'address', SOAP11), ...kids(port, 'address', SOAP12)][0]?.attrs.get('location');
    const b = qname(port, port.attrs.get('binding'))?.local;
    if (addr && b && !addresses.has(b)) addresses.set(b, addr);
  }
  const servers: string[] = [];
  const operations: ScanOperation[] = [];
  const seen = new Set<string>();
  for (const binding of kids(root, 'binding')) {
    const bname = binding.attrs.get('name') ?? '';
    const soapBinding = kids(binding, 'binding', SOAP11)[0] ?? kids(binding, 'binding', SOAP12)[0];
    if (!soapBinding) continue;
    const version = soapBinding.ns === SOAP12 ? '1.2' : '1.1';
    const bindingStyle = soapBinding.attrs.get('style') ?? 'document';
    const portType = portTypes.get(qname(binding, binding.attrs.get('type'))?.local ?? '');
    let path = '/';
    const addr = addresses.get(bname);
    if (addr) {
      try {
        const u = new URL(addr);
        path = u.pathname;
        if (!servers.includes(u.origin)) servers.push(u.origin);
      } catch {
        defects.push({ severity: 'warning', message: `binding ${bname}: soap:address "${addr}" is not a URL; / on the target is used` });
      }
    } else defects.push({ severity: 'warning', message: `binding ${bname}: no service port gives its soap:address; / on the target is used` });
    for (const bop of kids(binding, 'operation')) {
      const name = bop.attrs.get('name') ?? '';
      if (operations.length >= IMPORT_LIMITS.maxOperations || seen.has(`${path} ${name}`)) continue;
      seen.add(`${path} ${name}`);
      const soapOp = kids(bop, 'operation', version === '1.2' ? SOAP12 : SOAP11)[0];
      const action = soapOp?.attrs.get('soapAction') ?? '';
      const style = soapOp?.attrs.get('style') ?? bindingStyle;
      const ptOp = portType ? kids(portType, 'operation').find((o) => o.attrs.get('name') === name) : undefined;
      const inMsg = ptOp ? messages.get(qname(ptOp, kids(ptOp, 'input')[0]?.attrs.get('message'))?.local ?? '') : undefined;
      const pointer = `/definitions/binding[@name='${bname}']/operation[@name='${name}']`;
      const base = { method: 'POST', path, operationId: name, tags: ['soap'], summary: `SOAP ${version} operation ${name}`, responses: { '200': { contentType: 'text/xml' } }, security: 'unknown' as const, scopes: [], roles: [], pointer };
      if (!inMsg) {
        defects.push({ severity: 'error', message: `operation ${name}: its input message is not declared`, pointer });
        operations.push({ ...base, params: [], exercisable: false, reason: 'input message not declared' });
        continue;
      }
      let element: { ns: string; local: string };
      let inner: string;
      const parts = kids(inMsg, 'part');
      if (style === 'rpc') {
        element = { ns: tns, local: name };
        inner = parts.map((p) => `<${p.attrs.get('name')}>${xmlEscape(sampleOf(p.attrs.get('type'), p.attrs.get('name') ?? ''))}</${p.attrs.get('name')}>`).join('');
      } else {
        const el = qname(parts[0] ?? inMsg, parts[0]?.attrs.get('element'));
        const decl = el ? elements.get(el.local) : undefined;
        if (!el || !decl) {
          defects.push({ severity: 'error', message: `operation ${name}: the element of its input message ${inMsg.attrs.get('name')} is not declared in the types`, pointer });
          operations.push({ ...base, params: [], exercisable: false, reason: 'input element not declared' });
          continue;
        }
        element = el;
        const ct = kids(decl, 'complexType', XSD)[0] ?? complexTypes.get((decl.attrs.get('type') ?? '').replace(/^.*:/, ''));
        inner = ct ? childrenXml(ct, qualified.get(decl) ? 'tns:' : '', 0) : xmlEscape(sampleOf(decl.attrs.get('type'), el.local));
      }
      const envNs = ENVELOPE_NS[version];
      const envelope = `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${envNs}" xmlns:tns="${xmlEscape(element.ns)}"><soap:Body><tns:${element.local}>${inner}</tns:${element.local}></soap:Body></soap:Envelope>`;
      operations.push({
        ...base,
        params: version === '1.1' ? [{ name: 'SOAPAction', in: 'header', required: true, example: `"${action}"`, schema: { type: 'string' } }] : [],
        body: { contentType: version === '1.1' ? 'text/xml; charset=utf-8' : `application/soap+xml; charset=utf-8; action="${action}"`, required: true, example: envelope },
        exercisable: true,
        soap: { action, element: element.local, namespace: element.ns, version },
      });
    }
  }
  if (operations.length === 0) defects.push({ severity: 'error', message: 'the WSDL has no SOAP binding operations' });
  return { source: location, format: 'wsdl-1.1', servers, operations, defects };
}
