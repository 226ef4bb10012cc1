// Who calls an endpoint and how: the authentication scheme each request presented (read from
// headers; a redacted value still shows its scheme, "Bearer [redacted]") and whether the client
// address is internal (private, loopback, link-local, CGNAT or configured ranges) or public.
import { BlockList, isIP } from 'node:net';
import type { Exchange } from '../../core/index.js';
import { jwtAlg } from './sensitive.js';

/** `unknown`: the source (an access log) does not record credentials. */
export type AuthMethod = 'none' | 'bearer' | 'jwt' | 'basic' | 'api-key' | 'cookie' | 'digest' | 'mtls' | 'other' | 'unknown';

const API_KEY_HEADERS = ['x-api-key', 'api-key', 'apikey', 'x-apikey', 'x-goog-api-key', 'ocp-apim-subscription-key', 'x-auth-token', 'x-access-token'];
const API_KEY_QUERY = /(?:^|&)(?:api[-_]?key|apikey|key|access[-_]?token|token)=/i;

/** The authentication methods one request presented (several when it sent several). */
export function authMethodsOf(x: Pick<Exchange, 'requestHeaders' | 'principal' | 'url'>): AuthMethod[] {
  const out: AuthMethod[] = [];
  const h = x.requestHeaders;
  const auth = h.authorization;
  if (auth !== undefined) {
    const sp = auth.indexOf(' ');
    const scheme = (sp > 0 ? auth.slice(0, sp) : auth).toLowerCase();
    const cred = sp > 0 ? auth.slice(sp + 1).trim() : '';
    if (scheme === 'bearer') out.push(jwtAlg(cred) !== undefined ? 'jwt' : principalSaysJwt(x) ? 'jwt' : 'bearer');
    else if (scheme === 'basic') out.push('basic');
    else if (scheme === 'digest') out.push('digest');
    else if (scheme === 'apikey' || scheme === 'api-key' || scheme === 'token') out.push('api-key');
    // A value redacted whole ("[redacted]") has lost its scheme: the principal may still say.
    else out.push(fromPrincipal(x) ?? 'other');
  }
  for (const k of API_KEY_HEADERS) {
    if (h[k] !== undefined) {
      out.push('api-key');
      break;
    }
  }
  if (h.cookie !== undefined && /(^|;\s*)[^=;]*(sess|sid|auth|token|jwt)[^=;]*=/i.test(h.cookie)) out.push('cookie');
  const q = x.url.indexOf('?');
  if (q >= 0 && API_KEY_QUERY.test(x.url.slice(q + 1))) out.push('api-key');
  if (out.length === 0) {
    const p = fromPrincipal(x);
    out.push(p ?? 'none');
  }
  return out;
}

function principalSaysJwt(x: Pick<Exchange, 'principal'>): boolean {
  return x.principal?.method === 'jwt' || x.principal?.method === 'introspection';
}

function fromPrincipal(x: Pick<Exchange, 'principal'>): AuthMethod | undefined {
  switch (x.principal?.method) {
    case undefined:
      return undefined;
    case 'jwt':
      return 'jwt';
    case 'apiKey':
      return 'api-key';
    case 'mtls':
      return 'mtls';
    case 'introspection':
      return 'bearer';
    default:
      return 'other';
  }
}

const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '127.0.0.0/8', '169.254.0.0/16', '100.64.0.0/10', '0.0.0.0/8'];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'];

/** Dotted-quad IPv4 to an unsigned 32-bit number, or -1. */
function v4(s: string): number {
  let n = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      n = n * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return n * 256 + part;
}

/**
 * Classifies client addresses as internal or public; extra internal ranges come from
 * configuration. IPv4 (nearly every access-log line) is checked with integer masks, IPv6 with
 * node's BlockList.
 */
export class NetworkClassifier {
  private readonly v4Ranges: Array<[number, number]> = [];
  private readonly v6 = new BlockList();

  constructor(extraInternal: readonly string[] = []) {
    for (const c of [...PRIVATE_V4, ...PRIVATE_V6, ...extraInternal]) this.addCidr(c);
  }

  private addCidr(cidr: string): void {
    const [addr, bits] = cidr.split('/');
    const fam = isIP(addr ?? '');
    if (fam === 0) throw new TypeError(`internal network ${JSON.stringify(cidr)} is not an IP address or CIDR range`);
    const n = bits === undefined ? (fam === 6 ? 128 : 32) : Number(bits);
    if (!Number.isInteger(n) || n < 0 || n > (fam === 6 ? 128 : 32) || (bits !== undefined && !/^\d+$/.test(bits))) {
      throw new TypeError(`internal network ${JSON.stringify(cidr)} has an invalid prefix length`);
    }
    if (fam === 4) {
      const size = 2 ** (32 - n);
      const start = Math.floor(v4(addr!) / size) * size;
      this.v4Ranges.push([start, start + size - 1]);
      // IPv4-mapped IPv6 addresses are unwrapped before the check, so v4 ranges suffice.
    } else this.v6.addSubnet(addr!, n, 'ipv6');
  }

  isInternal(ip: string): boolean {
    let a = ip;
    if (a.startsWith('::ffff:')) a = a.slice(7);
    const n = v4(a);
    if (n >= 0) {
      for (const [lo, hi] of this.v4Ranges) if (n >= lo && n <= hi) return true;
      return false;
    }
    if (isIP(a) !== 6) return false;
    return this.v6.check(a, 'ipv6');
  }
}
