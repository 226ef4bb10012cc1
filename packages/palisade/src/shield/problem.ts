// RFC 9457 problem details for every response Shield generates itself.
// The `type` is stable per reason code so clients and dashboards can key on it; `detail` never
// carries internal information, and `requestId` lets an operator find the log line.
import { STATUS_CODES } from 'node:http';

export const PROBLEM_TYPE_BASE = 'urn:palisade:problem:';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  requestId: string;
}

const TITLES: Record<string, string> = {
  'ip-denied': 'Address denied',
  'ip-not-allowed': 'Address not allowed',
  'ip-blocked': 'Address blocked',
  'uri-too-long': 'Request target too long',
  'headers-too-large': 'Request headers too large',
  'body-too-large': 'Request body too large',
  'json-too-deep': 'JSON body nested too deeply',
  'json-too-many-keys': 'JSON body has too many keys',
  'page-size-too-large': 'Page size too large',
  'xml-dtd-refused': 'XML DTD refused',
  'xml-malformed': 'Malformed XML',
  'xml-too-deep': 'XML nested too deeply',
  'xml-too-many-attributes': 'XML element has too many attributes',
  'xml-too-large': 'XML body has too many elements',
  'xml-encoding-refused': 'Compressed XML refused',
  'soap-envelope-invalid': 'Invalid SOAP envelope',
  'soap-operation-not-allowed': 'SOAP operation not allowed',
  'soap-content-type-refused': 'Not a SOAP request',
  'method-not-allowed': 'Method not allowed',
  'cors-origin-denied': 'CORS origin not allowed',
  'cors-preflight-denied': 'CORS preflight denied',
  'no-route': 'No route',
  'upstream-unavailable': 'Upstream unavailable',
  'upstream-timeout': 'Upstream timeout',
  'upstream-error': 'Upstream error',
  'request-timeout': 'Request timeout',
  'bad-request': 'Bad request',
  'internal-error': 'Internal error',
  'shutting-down': 'Service shutting down',
  'version-retired': 'API version retired',
  'contract-violation': 'Request does not match the API contract',
  'undocumented-operation': 'Undocumented operation',
  'undocumented-method': 'Method not documented for this path',
  'response-contract-violation': 'Upstream response does not match the API contract',
  'ssrf-blocked': 'URL destination not allowed',
  'rate-limited': 'Too many requests',
  'rate-limit-unavailable': 'Rate limiting unavailable',
  'login-locked': 'Too many failed sign-in attempts',
  'login-failed': 'Sign-in failed',
  'authentication-required': 'Authentication required',
  'authentication-failed': 'Authentication failed',
  'authentication-unavailable': 'Authentication unavailable',
  'upgrade-not-supported': 'Protocol upgrade not supported',
  forbidden: 'Operation not allowed',
  'not-owner': 'Not the owner of this resource',
  'not-found': 'Not found',
  'property-not-writable': 'Property may not be written',
  'owner-lookup-failed': 'Ownership could not be checked',
  'flow-quota-exceeded': 'Business flow quota exceeded',
  'flow-quota-unavailable': 'Business flow quotas unavailable',
  'method-override-refused': 'Method override refused',
  'body-not-checkable': 'Request body cannot be authorized',
  'response-not-filterable': 'Response could not be filtered',
  'waf-blocked': 'Request refused by the web application firewall',
};

export function problemTitle(code: string, status: number): string {
  return TITLES[code] ?? STATUS_CODES[status] ?? 'Error';
}

export function problemBody(code: string, status: number, requestId: string, detail?: string, extensions?: Readonly<Record<string, unknown>>): string {
  const p: Problem = {
    // Extensions first: the standard members below can never be overridden by them.
    ...(extensions ?? {}),
    type: PROBLEM_TYPE_BASE + code,
    title: problemTitle(code, status),
    status,
    ...(detail !== undefined ? { detail } : {}),
    requestId,
  };
  return JSON.stringify(p);
}
