// SOAP vocabulary shared by the soap stage (requests), error scrubbing (faults) and the WSDL
// reader: envelope namespaces, how a message says which version and action it is, and the
// generic fault that replaces a leaky one.
import { SaxesParser } from 'saxes';

export type SoapVersion = '1.1' | '1.2';

export const SOAP11_ENVELOPE = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_ENVELOPE = 'http://www.w3.org/2003/05/soap-envelope';
/** WS-Addressing 1.0 and the 2004 member submission: stacks dispatch on wsa:Action as on SOAPAction. */
export const WSA_NAMESPACES: ReadonlySet<string> = new Set(['http://www.w3.org/2005/08/addressing', 'http://schemas.xmlsoap.org/ws/2004/08/addressing']);

export function envelopeNamespace(v: SoapVersion): string {
  return v === '1.1' ? SOAP11_ENVELOPE : SOAP12_ENVELOPE;
}

export function versionOfNamespace(ns: string): SoapVersion | undefined {
  return ns === SOAP11_ENVELOPE ? '1.1' : ns === SOAP12_ENVELOPE ? '1.2' : undefined;
}

/** The media type of a Content-Type value, lower case, without parameters ('' when absent). */
export function mediaType(value: string | undefined): string {
  if (!value) return '';
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/**
 * One parameter of a Content-Type value (RFC 9110 §5.6.6: token or quoted-string), or undefined.
 * Quoted strings are read properly so that a ';' inside one does not end it.
 */
export function mediaTypeParam(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  const want = name.toLowerCase();
  let i = value.indexOf(';');
  while (i >= 0 && i < value.length) {
    i++;
    while (value[i] === ' ' || value[i] === '\t') i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) return undefined;
    const key = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    let v = '';
    if (value[j] === '"') {
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        v += value[j];
        j++;
      }
      j = value.indexOf(';', j);
    } else {
      const end = value.indexOf(';', j);
      v = value.slice(j, end < 0 ? undefined : end).trim();
      j = end;
    }
    if (key === want) return v;
    i = j;
  }
  return undefined;
}

/** The SOAP version a Content-Type announces: text/xml is 1.1, application/soap+xml is 1.2. */
export function soapVersionOfType(contentType: string | undefined): SoapVersion | undefined {
  const t = mediaType(contentType);
  return t === 'text/xml' ? '1.1' : t === 'application/soap+xml' ? '1.2' : undefined;
}

/** A SOAPAction header value without its quotes; '' for an empty or absent one. */
export function unquoteAction(value: string | string[] | undefined): string {
  // Repeated headers arrive joined (or as a list); kept whole, such a value matches no operation.
  const v = (Array.isArray(value) ? value.join(', ') : (value ?? '')).trim();
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v;
}

export interface EnvelopeSummary {
  readonly version: SoapVersion;
  /** The Body's first element is a SOAP Fault. */
  readonly fault: boolean;
}

class Stop extends Error {}

/**
 * Whether `text` is a SOAP envelope and whether it carries a Fault. Reads only up to the Body's
 * first element. DTDs are not read (nothing is expanded or fetched); a document with one is not
 * taken for an envelope.
 */
export function summarizeEnvelope(text: string): EnvelopeSummary | undefined {
  const p = new SaxesParser({ xmlns: true, position: false });
  let version: SoapVersion | undefined;
  let depth = 0;
  let inBody = false;
  let fault = false;
  let refused = false;
  p.on('doctype', () => {
    refused = true;
    throw new Stop();
  });
  p.on('opentag', (tag) => {
    depth++;
    if (depth === 1) {
      version = tag.local === 'Envelope' ? versionOfNamespace(tag.uri) : undefined;
      if (!version) throw new Stop();
    } else if (depth === 2) {
      inBody = tag.local === 'Body' && tag.uri === envelopeNamespace(version!);
    } else if (depth === 3 && inBody) {
      fault = tag.local === 'Fault' && tag.uri === envelopeNamespace(version!);
      throw new Stop();
    }
  });
  p.on('closetag', () => {
    depth--;
  });
  // A malformed tail does not change what the head said.
  p.on('error', () => undefined);
  try {
    p.write(text).close();
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  return version && !refused ? { version, fault } : undefined;
}

function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A SOAP Fault that says nothing but the request id: Server/Receiver for the upstream's own
 * failures (5xx), Client/Sender when it blamed the request (4xx). No detail, ever.
 */
export function genericFault(version: SoapVersion, status: number, requestId: string): { contentType: string; body: string } {
  const client = status < 500;
  const text = xmlEscape(`${client ? 'The request could not be processed' : 'Internal error'} (request id ${requestId})`);
  if (version === '1.1') {
    return {
      contentType: 'text/xml; charset=utf-8',
      body:
        `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="${SOAP11_ENVELOPE}"><soap:Body><soap:Fault>` +
        `<faultcode>soap:${client ? 'Client' : 'Server'}</faultcode><faultstring>${text}</faultstring>` +
        `</soap:Fault></soap:Body></soap:Envelope>`,
    };
  }
  return {
    contentType: 'application/soap+xml; charset=utf-8',
    body:
      `<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="${SOAP12_ENVELOPE}"><env:Body><env:Fault>` +
      `<env:Code><env:Value>env:${client ? 'Sender' : 'Receiver'}</env:Value></env:Code>` +
      `<env:Reason><env:Text xml:lang="en">${text}</env:Text></env:Reason>` +
      `</env:Fault></env:Body></env:Envelope>`,
  };
}
