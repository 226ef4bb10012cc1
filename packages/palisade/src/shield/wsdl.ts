// WSDL 1.1 documents as SOAP allow-lists, read before a configuration goes live (like the OpenAPI
// contracts): a missing or broken WSDL rejects the whole configuration, and the previous one
// keeps serving. Only what the soap stage checks is kept: per SOAP binding operation, the element
// its request Body carries and the actions (SOAPAction, wsa:Action) that may name it.
import { readFile, stat } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { PalisadeConfig, StageSettings } from '../core/index.js';
import { PalisadeError, mergeStageSettings } from '../core/index.js';
import type { SoapVersion } from './soap.js';

const WSDL_NS = 'http://schemas.xmlsoap.org/wsdl/';
const BINDING_NS: Readonly<Record<string, SoapVersion>> = {
  'http://schemas.xmlsoap.org/wsdl/soap/': '1.1',
  'http://schemas.xmlsoap.org/wsdl/soap12/': '1.2',
};
// WS-Addressing metadata (wsam) and the older WSDL binding (wsaw): explicit input actions.
const WSA_ACTION_NS = ['http://www.w3.org/2007/05/addressing/metadata', 'http://www.w3.org/2006/05/addressing/wsdl'];
const XML_NS = 'http://www.w3.org/XML/1998/namespace';
const MAX_WSDL_BYTES = 16 * 1024 * 1024;

export interface QName {
  readonly ns: string;
  readonly local: string;
}

export interface WsdlOperation {
  /** Operation name in the binding (and port type). */
  readonly name: string;
  readonly binding: string;
  readonly version: SoapVersion;
  readonly style: 'document' | 'rpc';
  /** soap:operation/@soapAction; '' when the binding gives none. */
  readonly soapAction: string;
  /** The WS-Addressing action of the input: explicit (wsam:Action) or the default one. */
  readonly wsaAction: string;
  /** What the request's Body carries: the message part's element (document) or the operation's wrapper (rpc). */
  readonly element: QName;
}

export interface Wsdl {
  readonly source: string;
  readonly targetNamespace: string;
  readonly operations: readonly WsdlOperation[];
  /** Binding operations that cannot be allowed (their Body would not be exactly one element), with why. */
  readonly skipped: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
}

interface XmlNode {
  readonly ns: string;
  readonly local: string;
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: XmlNode[];
  /** Prefix → namespace in scope at this element, for QName-valued attributes. */
  readonly scope: Readonly<Record<string, string>>;
}

function invalid(source: string, problem: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_WSDL_INVALID', `${source}: ${problem}`);
}

/** Attribute map key: the local name for unqualified attributes, {ns}local for the others. */
function attrKey(ns: string, local: string): string {
  return ns === '' ? local : `{${ns}}${local}`;
}

function parseTree(text: string, source: string): XmlNode {
  const p = new SaxesParser({ xmlns: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let error: string | undefined;
  p.on('doctype', () => {
    error ??= 'document type declarations (DTDs) are not accepted';
  });
  p.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    const own = tag.ns;
    const scope = Object.keys(own).length > 0 ? { ...(parent?.scope ?? { xml: XML_NS }), ...own } : (parent?.scope ?? { xml: XML_NS });
    const attrs = new Map<string, string>();
    for (const a of Object.values(tag.attributes)) {
      if (a.prefix === 'xmlns' || a.name === 'xmlns') continue;
      attrs.set(attrKey(a.uri, a.local), a.value);
    }
    const node: XmlNode = { ns: tag.uri, local: tag.local, attrs, children: [], scope };
    if (parent) parent.children.push(node);
    else root = node;
    stack.push(node);
  });
  p.on('closetag', () => {
    stack.pop();
  });
  p.on('error', (err) => {
    error ??= `not well-formed XML: ${err.message}`;
  });
  p.write(text).close();
  if (error !== undefined) throw invalid(source, error);
  if (!root) throw invalid(source, 'the document is empty');
  return root;
}

function children(n: XmlNode, local: string, ns = WSDL_NS): XmlNode[] {
  return n.children.filter((c) => c.local === local && c.ns === ns);
}

/** A QName-valued attribute, resolved in the element's scope (unprefixed: the default namespace). */
function qname(n: XmlNode, attr: string, source: string, where: string): QName | undefined {
  const v = n.attrs.get(attr)?.trim();
  if (v === undefined) return undefined;
  const colon = v.indexOf(':');
  const prefix = colon < 0 ? '' : v.slice(0, colon);
  const local = colon < 0 ? v : v.slice(colon + 1);
  const ns = n.scope[prefix];
  if (ns === undefined && prefix !== '') throw invalid(source, `${where}: ${attr}="${v}" uses the undeclared namespace prefix "${prefix}"`);
  return { ns: ns ?? '', local };
}

function describe(q: QName): string {
  return q.ns === '' ? q.local : `{${q.ns}}${q.local}`;
}

/**
 * The action WS-Addressing assigns an input that names none (WS-Addressing 1.0 Metadata §4.4.4):
 * target namespace, port type, input name, joined by ':' for URNs and '/' otherwise.
 */
function defaultWsaAction(tns: string, portType: string, inputName: string): string {
  const delim = /^urn:/i.test(tns) ? ':' : '/';
  return `${tns}${tns.endsWith(delim) ? '' : delim}${portType}${delim}${inputName}`;
}

/** Reads the SOAP binding operations of a WSDL 1.1 document. Throws PALISADE_ERR_WSDL_INVALID. */
export function parseWsdl(text: string, source: string): Wsdl {
  const root = parseTree(text, source);
  if (root.local !== 'definitions' || root.ns !== WSDL_NS) {
    const hint = root.local === 'description' ? ' (WSDL 2.0 is not supported)' : '';
    throw invalid(source, `the root element is ${describe(root)}, not a WSDL 1.1 wsdl:definitions${hint}`);
  }
  if (children(root, 'import').length > 0) {
    throw invalid(source, 'wsdl:import is not supported: put the imported definitions in this file');
  }
  const tns = root.attrs.get('targetNamespace') ?? '';

  const messages = new Map<string, XmlNode>();
  for (const m of children(root, 'message')) messages.set(m.attrs.get('name') ?? '', m);
  const portTypes = new Map<string, XmlNode>();
  for (const pt of children(root, 'portType')) portTypes.set(pt.attrs.get('name') ?? '', pt);

  const operations: WsdlOperation[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  let soapBindings = 0;
  for (const b of children(root, 'binding')) {
    const bindingName = b.attrs.get('name') ?? '';
    const soapBinding = b.children.find((c) => c.local === 'binding' && BINDING_NS[c.ns] !== undefined);
    if (!soapBinding) continue; // an HTTP or other binding: not SOAP, not this stage's business
    soapBindings++;
    const version = BINDING_NS[soapBinding.ns]!;
    const bindingNs = soapBinding.ns;
    const where = `binding "${bindingName}"`;
    const typeRef = qname(b, 'type', source, where);
    if (!typeRef) throw invalid(source, `${where} has no type (port type)`);
    const portType = typeRef.ns === tns ? portTypes.get(typeRef.local) : undefined;
    if (!portType) throw invalid(source, `${where} names the port type ${describe(typeRef)}, which this document does not define`);
    const defaultStyle = soapBinding.attrs.get('style') === 'rpc' ? 'rpc' : 'document';

    for (const op of children(b, 'operation')) {
      const name = op.attrs.get('name') ?? '';
      const at = `${where}, operation "${name}"`;
      const soapOp = children(op, 'operation', bindingNs)[0];
      const style = (soapOp?.attrs.get('style') ?? defaultStyle) === 'rpc' ? 'rpc' : 'document';
      const soapAction = soapOp?.attrs.get('soapAction') ?? '';
      const input = children(op, 'input')[0];
      const inputName = input?.attrs.get('name');
      const ptOps = children(portType, 'operation').filter((o) => o.attrs.get('name') === name);
      // Overloaded operations (same name) are told apart by their input's name.
      const ptOp = ptOps.length > 1 && inputName !== undefined ? ptOps.find((o) => children(o, 'input')[0]?.attrs.get('name') === inputName) : ptOps[0];
      if (!ptOp) throw invalid(source, `${at} is not an operation of port type "${typeRef.local}"`);
      const ptInput = children(ptOp, 'input')[0];
      if (!input || !ptInput) {
        skipped.push({ name, reason: 'it has no input message' });
        continue;
      }
      const messageRef = qname(ptInput, 'message', source, `port type "${typeRef.local}", operation "${name}"`);
      const message = messageRef && messageRef.ns === tns ? messages.get(messageRef.local) : undefined;
      if (!message) throw invalid(source, `port type "${typeRef.local}", operation "${name}" names the message ${messageRef ? describe(messageRef) : '(none)'}, which this document does not define`);

      const oneWay = children(ptOp, 'output').length === 0;
      let wsaAction = defaultWsaAction(tns, typeRef.local, ptInput.attrs.get('name') ?? (oneWay ? name : `${name}Request`));
      for (const ns of WSA_ACTION_NS) wsaAction = ptInput.attrs.get(attrKey(ns, 'Action')) ?? wsaAction;

      const soapBody = children(input, 'body', bindingNs)[0];
      let element: QName;
      if (style === 'rpc') {
        element = { ns: soapBody?.attrs.get('namespace') ?? tns, local: name };
      } else {
        const wanted = soapBody?.attrs.get('parts')?.split(/\s+/).filter(Boolean);
        const parts = children(message, 'part').filter((p) => !wanted || wanted.includes(p.attrs.get('name') ?? ''));
        if (parts.length !== 1) {
          skipped.push({ name, reason: `its document-style input has ${parts.length} body parts; a SOAP Body must carry exactly one element` });
          continue;
        }
        const el = qname(parts[0]!, 'element', source, `message "${messageRef!.local}", part "${parts[0]!.attrs.get('name') ?? ''}"`);
        if (!el) {
          skipped.push({ name, reason: 'its document-style input part is declared with type=, not element=, so the Body element is unknown' });
          continue;
        }
        element = el;
      }
      operations.push({ name, binding: bindingName, version, style, soapAction, wsaAction, element });
    }
  }
  if (soapBindings === 0) throw invalid(source, 'the document has no SOAP 1.1 or 1.2 binding');
  if (operations.length === 0) {
    const why = skipped.map((s) => `${s.name}: ${s.reason}`).join('; ');
    throw invalid(source, `no SOAP operation can be allowed${why ? ` (${why})` : ''}`);
  }
  return { source, targetNamespace: tns, operations, skipped };
}

/** Reads and parses a WSDL file. Throws PALISADE_ERR_WSDL_INVALID naming the file. */
export async function loadWsdl(path: string): Promise<Wsdl> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) throw new PalisadeError('PALISADE_ERR_WSDL_INVALID', `${path}: a WSDL is read from a local file, not fetched; save it beside the configuration`);
  let buf: Buffer;
  try {
    const s = await stat(path);
    if (s.size > MAX_WSDL_BYTES) throw new Error(`larger than ${MAX_WSDL_BYTES} bytes`);
    buf = await readFile(path);
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_WSDL_INVALID', `${path}: cannot read the WSDL: ${(err as Error).message}`, [], { cause: err });
  }
  const decoder = new StringDecoder('utf8');
  return parseWsdl(decoder.write(buf) + decoder.end(), path);
}

/** One entry of a SOAP allow-list: the Body element an operation carries, and the actions that may name it. */
export interface AllowedOperation {
  /** The WSDL operation or the configured name, for messages. */
  readonly name: string;
  /** Namespace of the Body element; undefined: any (a configured name without one). */
  readonly namespace: string | undefined;
  readonly local: string;
  /** undefined: either version. */
  readonly version: SoapVersion | undefined;
  /**
   * The non-empty actions (SOAPAction, the content type's action, wsa:Action) allowed with it.
   * undefined: an action whose last segment (after '/', '#' or ':') is `local`.
   */
  readonly actions: ReadonlySet<string> | undefined;
}

type SoapSettings = StageSettings['soap'];

function parseClark(name: string): { namespace: string | undefined; local: string } {
  const m = /^\{([^{}]*)\}(.+)$/.exec(name);
  return m ? { namespace: m[1], local: m[2]! } : { namespace: undefined, local: name };
}

/**
 * The allow-list of a route's soap settings: the WSDL's operations (narrowed to `operations` when
 * both are given), or the configured `operations` alone. Throws PALISADE_ERR_CONFIG_INVALID when
 * they cannot be reconciled.
 */
export function soapAllowList(settings: SoapSettings, wsdl: Wsdl | undefined, where: string): AllowedOperation[] {
  const entries = settings.operations.map((o) => (typeof o === 'string' ? { name: o, soapAction: undefined } : o));
  if (settings.wsdl === undefined) {
    if (entries.length === 0) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: soap is enabled without a wsdl or any operations, so every SOAP request would be refused`);
    return entries.map((e) => {
      const { namespace, local } = parseClark(e.name);
      const actions = e.soapAction === undefined ? undefined : new Set(e.soapAction === '' ? [] : [e.soapAction]);
      return { name: e.name, namespace, local, version: undefined, actions };
    });
  }
  if (!wsdl) throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: the WSDL ${settings.wsdl} was not loaded`);
  const all = wsdl.operations.map((op) => ({
    name: op.name,
    namespace: op.element.ns,
    local: op.element.local,
    version: op.version,
    actions: new Set([op.soapAction, op.wsaAction].filter((a) => a !== '')),
  }));
  if (entries.length === 0) return all;
  const selected = new Set<AllowedOperation>();
  for (const e of entries) {
    if (e.soapAction !== undefined) {
      throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', `${where}: operations entry "${e.name}" sets soapAction, but with a wsdl the actions come from the WSDL; name the operation only`);
    }
    const { namespace, local } = parseClark(e.name);
    const hits = all.filter((a) => (namespace === undefined ? a.name === local || a.local === local : a.namespace === namespace && a.local === local));
    if (hits.length === 0) {
      const skip = wsdl.skipped.find((s) => s.name === local);
      const names = [...new Set(wsdl.operations.map((o) => o.name))].join(', ');
      throw new PalisadeError(
        'PALISADE_ERR_CONFIG_INVALID',
        skip ? `${where}: operation "${e.name}" of ${wsdl.source} cannot be allowed: ${skip.reason}` : `${where}: "${e.name}" is not an operation of ${wsdl.source} (it has: ${names})`,
      );
    }
    for (const h of hits) selected.add(h);
  }
  return [...selected];
}

/**
 * The WSDLs the configuration's routes use, by absolute path, each route's allow-list checked
 * against its WSDL. Throws (PALISADE_ERR_WSDL_INVALID, PALISADE_ERR_CONFIG_INVALID) so that the
 * configuration is refused before it goes live.
 */
export async function loadWsdls(cfg: PalisadeConfig): Promise<Map<string, Wsdl>> {
  const routes = cfg.routes.length > 0 ? cfg.routes.map((r, i) => ({ stages: r.stages, where: `routes[${i}].stages.soap` })) : cfg.apis.length === 1 ? [{ stages: undefined, where: 'defaults.soap' }] : [];
  const out = new Map<string, Wsdl>();
  for (const r of routes) {
    const s = mergeStageSettings(cfg.defaults, r.stages).soap;
    if (!s.enabled) continue;
    let wsdl: Wsdl | undefined;
    if (s.wsdl !== undefined) {
      wsdl = out.get(s.wsdl);
      if (!wsdl) out.set(s.wsdl, (wsdl = await loadWsdl(s.wsdl)));
    }
    soapAllowList(s, wsdl, r.where);
  }
  return out;
}
