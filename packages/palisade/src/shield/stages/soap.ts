// SOAP requests (validate step), checked while the body streams: the envelope must be exactly
// Envelope(Header?, Body(one element)) in the namespace of the version the content type announces,
// and the operation — the Body's element — must be on the route's allow-list (a WSDL or a list)
// together with every action that names one (SOAPAction, the SOAP 1.2 action parameter,
// wsa:Action). SOAP stacks dispatch on any of these, so a harmless Body element carried with the
// action of a forbidden operation (SOAPAction spoofing) is refused like the forbidden operation.
// DTDs are refused here too, whether or not the xml stage runs.
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { StageSettings, Verdict } from '../../core/index.js';
import { deny } from '../../core/index.js';
import type { BodyInspector, Stage } from '../stage.js';
import type { SoapVersion } from '../soap.js';
import { WSA_NAMESPACES, envelopeNamespace, mediaTypeParam, soapVersionOfType, unquoteAction, versionOfNamespace } from '../soap.js';
import type { AllowedOperation, Wsdl } from '../wsdl.js';
import { soapAllowList } from '../wsdl.js';

type Settings = StageSettings['soap'];

// A wsa:Action is a URI; anything longer is not one, and is not worth holding.
const MAX_ACTION_CHARS = 2048;

const invalid = (detail: string): Verdict => deny('soap-envelope-invalid', 400, detail);

function refused(rule: 'unknown-operation' | 'action-mismatch', detail: string): Verdict {
  return { kind: 'deny', code: 'soap-operation-not-allowed', status: 403, detail, rule };
}

/** The part of an action after its last '/', '#' or ':' — where stacks put the operation's name. */
function lastSegment(action: string): string {
  return action.slice(Math.max(action.lastIndexOf('/'), action.lastIndexOf('#'), action.lastIndexOf(':')) + 1);
}

function actionFits(op: AllowedOperation, action: string): boolean {
  return op.actions ? op.actions.has(action) : lastSegment(action) === op.local;
}

type Index = ReadonlyMap<string, readonly AllowedOperation[]>;

/** Decides on the Body's element and the actions seen; undefined means allowed. */
function checkOperation(index: Index, version: SoapVersion, ns: string, local: string, actions: readonly string[]): Verdict | undefined {
  const candidates = (index.get(local) ?? []).filter((op) => (op.namespace === undefined || op.namespace === ns) && (op.version === undefined || op.version === version));
  if (candidates.length === 0) return refused('unknown-operation', 'The SOAP operation is not allowed on this route.');
  const named = actions.filter((a) => a !== '');
  if (named.length === 0 || candidates.some((op) => named.every((a) => actionFits(op, a)))) return undefined;
  return refused('action-mismatch', 'The SOAP action does not match the operation in the SOAP Body.');
}

class SoapInspector implements BodyInspector {
  private readonly parser = new SaxesParser({ xmlns: true, position: false });
  private readonly decoder = new StringDecoder('utf8');
  private verdict: Verdict | undefined;
  private depth = 0;
  /** Where the parser is among the Envelope's children. */
  private part: 'start' | 'header' | 'body' | 'after' = 'start';
  private bodyElements = 0;
  private actionText: string | undefined;
  private readonly actions: string[];

  constructor(
    private readonly version: SoapVersion,
    httpActions: readonly string[],
    private readonly index: Index,
  ) {
    this.actions = [...httpActions];
    const envNs = envelopeNamespace(version);
    const p = this.parser;
    p.on('doctype', () => this.fail(deny('xml-dtd-refused', 400, 'XML document type declarations (DTDs) are not accepted.')));
    p.on('processinginstruction', () => this.fail(invalid('A SOAP message must not contain processing instructions.')));
    p.on('opentag', (tag) => {
      const d = ++this.depth;
      if (d === 1) {
        if (tag.local !== 'Envelope') return this.fail(invalid('The root element must be a SOAP Envelope.'));
        if (tag.uri !== envNs) {
          return this.fail(
            invalid(
              versionOfNamespace(tag.uri)
                ? `The SOAP version of the Envelope does not match the content type (SOAP ${version}: ${version === '1.1' ? 'text/xml' : 'application/soap+xml'}).`
                : `The Envelope is not in the SOAP ${version} namespace.`,
            ),
          );
        }
      } else if (d === 2) {
        const own = tag.uri === envNs;
        if (own && tag.local === 'Header' && this.part === 'start') this.part = 'header';
        else if (own && tag.local === 'Body' && (this.part === 'start' || this.part === 'header')) this.part = 'body';
        else this.fail(invalid('A SOAP Envelope holds an optional Header, then one Body, and nothing else.'));
      } else if (d === 3 && this.part === 'header') {
        if (tag.local === 'Action' && WSA_NAMESPACES.has(tag.uri)) this.actionText = '';
      } else if (d === 3 && this.part === 'body') {
        if (++this.bodyElements > 1) return this.fail(invalid('The SOAP Body must carry exactly one element.'));
        const v = checkOperation(this.index, this.version, tag.uri, tag.local, this.actions);
        if (v) this.fail(v);
      }
    });
    p.on('closetag', () => {
      const d = this.depth--;
      if (d === 3 && this.actionText !== undefined) {
        this.actions.push(this.actionText.trim());
        this.actionText = undefined;
      } else if (d === 2 && this.part === 'body') this.part = 'after';
    });
    const text = (t: string) => {
      if (this.actionText !== undefined) {
        this.actionText += t;
        if (this.actionText.length > MAX_ACTION_CHARS) this.fail(invalid('The wsa:Action header is too long.'));
        return;
      }
      // Character content is allowed in the Header's and Body's children, not between them.
      if ((this.depth === 1 || this.depth === 2) && /\S/.test(t)) {
        this.fail(invalid('A SOAP Envelope, Header or Body must not contain text outside its elements.'));
      }
    };
    p.on('text', text);
    p.on('cdata', text);
    p.on('error', () => this.fail(deny('xml-malformed', 400, 'The XML body is not well-formed.')));
  }

  private fail(v: Verdict): void {
    this.verdict ??= v;
  }

  push(chunk: Buffer): Verdict | undefined {
    if (this.verdict) return this.verdict;
    this.parser.write(this.decoder.write(chunk));
    return this.verdict;
  }

  end(): Verdict | undefined {
    if (this.verdict) return this.verdict;
    this.parser.write(this.decoder.end());
    this.parser.close();
    if (!this.verdict && this.part !== 'after') this.fail(invalid('A SOAP Envelope must hold a Body.'));
    if (!this.verdict && this.bodyElements === 0) this.fail(invalid('The SOAP Body must carry exactly one element.'));
    return this.verdict;
  }
}

const refuseBody = (v: Verdict): BodyInspector => ({ push: () => v, end: () => v });

/**
 * Built per route with the WSDL loaded for it (see loadWsdls), like the contract stage with its
 * compiled contract. Throws PALISADE_ERR_CONFIG_INVALID when the settings allow nothing.
 */
export function createSoapStage(settings: Settings, wsdl: Wsdl | undefined, where = 'soap'): Stage | null {
  if (!settings.enabled) return null;
  const index = new Map<string, AllowedOperation[]>();
  for (const op of soapAllowList(settings, wsdl, where)) {
    const list = index.get(op.local);
    if (list) list.push(op);
    else index.set(op.local, [op]);
  }
  const passOthers = settings.otherBodies === 'pass';
  return {
    name: 'soap',
    requestBody(ctx) {
      const h = ctx.req.headers;
      const contentType = h['content-type'];
      const version = soapVersionOfType(contentType);
      if (!version) {
        if (passOthers) return undefined;
        return refuseBody(deny('soap-content-type-refused', 415, 'Request bodies on this route must be SOAP: text/xml (SOAP 1.1) or application/soap+xml (SOAP 1.2).'));
      }
      const enc = h['content-encoding'];
      if (enc !== undefined && enc.toLowerCase() !== 'identity') {
        return refuseBody(deny('xml-encoding-refused', 415, 'Compressed XML bodies are not accepted.'));
      }
      // SOAP 1.1 names the action in SOAPAction, 1.2 in the content type; a SOAPAction sent with
      // 1.2 is checked too, since some stacks read it whatever the version.
      const actions: string[] = [];
      if (h.soapaction !== undefined) actions.push(unquoteAction(h.soapaction));
      if (version === '1.2') {
        const a = mediaTypeParam(contentType, 'action');
        if (a !== undefined) actions.push(a);
      }
      return new SoapInspector(version, actions, index);
    },
  };
}
