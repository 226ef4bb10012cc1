// Which address is the client? Only proxies we trust may tell us, and each proxy appends the
// address it saw on the right, so the chain is read from the right: every trusted hop is skipped
// and the first untrusted one is the client. Anything to its left was written by the client and
// is worthless.
import type { IncomingHttpHeaders } from 'node:http';
import type { IpMatcher } from './ip.js';
import { normalizeIp, parseIp } from './ip.js';

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

function allDigits(s: string, start: number, end: number): boolean {
  if (start >= end || end - start > 5) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * One hop as proxies write it: '1.2.3.4', '1.2.3.4:5678', '2001:db8::1', '[2001:db8::1]' or
 * '[2001:db8::1]:443'. Returns the canonical address, or null for anything else ('unknown',
 * obfuscated identifiers, garbage).
 */
export function parseHop(s: string, start = 0, end = s.length): string | null {
  while (start < end && isSpace(s.charCodeAt(start))) start++;
  while (end > start && isSpace(s.charCodeAt(end - 1))) end--;
  if (start >= end) return null;
  let addr: string;
  if (s.charCodeAt(start) === 91) {
    const close = s.indexOf(']', start);
    if (close < 0 || close >= end) return null;
    if (close + 1 < end && !(s.charCodeAt(close + 1) === 58 && allDigits(s, close + 2, end))) return null;
    addr = s.slice(start + 1, close);
    if (addr.indexOf(':') < 0) return null;
  } else {
    const first = s.indexOf(':', start);
    const last = s.lastIndexOf(':', end - 1);
    if (first >= start && first < end && first === last) {
      // A single colon can only be IPv4 with a port.
      if (!allDigits(s, last + 1, end)) return null;
      addr = s.slice(start, last);
    } else {
      addr = s.slice(start, end);
    }
  }
  return parseIp(addr) ? normalizeIp(addr) : null;
}

function headerText(v: string | string[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.join(', ');
}

function walkForwardedFor(value: string, peer: string, trusted: IpMatcher): string {
  let last = peer;
  let end = value.length;
  for (;;) {
    const start = value.lastIndexOf(',', end - 1) + 1;
    const ip = parseHop(value, start, end);
    if (ip === null) return last;
    if (!trusted.matches(ip)) return ip;
    last = ip;
    if (start === 0) return last;
    end = start - 1;
  }
}

function isTchar(c: number): boolean {
  // RFC 9110 token characters.
  return (
    (c >= 48 && c <= 57) ||
    (c >= 65 && c <= 90) ||
    (c >= 97 && c <= 122) ||
    (c > 32 && c < 127 && "!#$%&'*+-.^_`|~".indexOf(String.fromCharCode(c)) >= 0)
  );
}

/**
 * The `for=` value of each element of an RFC 7239 Forwarded header, left to right: the value, or
 * null for an element without one. Parsing stops at the first syntax error with a null, because
 * nothing left of a malformed element can be attributed to a proxy.
 */
export function forwardedFor(value: string): Array<string | null> {
  const out: Array<string | null> = [];
  const n = value.length;
  let i = 0;
  const skipSpace = () => {
    while (i < n && isSpace(value.charCodeAt(i))) i++;
  };
  for (;;) {
    let forValue: string | null = null;
    // One element: pair *( ";" pair ).
    for (;;) {
      skipSpace();
      const nameStart = i;
      while (i < n && isTchar(value.charCodeAt(i))) i++;
      if (i === nameStart || value.charCodeAt(i) !== 61) {
        out.push(null);
        return out;
      }
      const name = value.slice(nameStart, i).toLowerCase();
      i++;
      let v: string;
      if (value.charCodeAt(i) === 34) {
        i++;
        v = '';
        let closed = false;
        while (i < n) {
          const c = value.charCodeAt(i);
          if (c === 92 && i + 1 < n) {
            v += value[i + 1];
            i += 2;
          } else if (c === 34) {
            i++;
            closed = true;
            break;
          } else {
            v += value[i];
            i++;
          }
        }
        if (!closed) {
          out.push(null);
          return out;
        }
      } else {
        const vStart = i;
        while (i < n && isTchar(value.charCodeAt(i))) i++;
        v = value.slice(vStart, i);
      }
      if (name === 'for') forValue = v;
      skipSpace();
      if (value.charCodeAt(i) === 59) {
        i++;
        continue;
      }
      if (i < n && value.charCodeAt(i) !== 44) {
        out.push(null);
        return out;
      }
      break;
    }
    out.push(forValue);
    if (i >= n) return out;
    i++;
  }
}

function walkForwarded(value: string, peer: string, trusted: IpMatcher): string {
  const hops = forwardedFor(value);
  let last = peer;
  for (let k = hops.length - 1; k >= 0; k--) {
    const hop = hops[k];
    const ip = hop == null ? null : parseHop(hop);
    if (ip === null) return last;
    if (!trusted.matches(ip)) return ip;
    last = ip;
  }
  return last;
}

/**
 * The client address for a request from `peerIp`. Forwarding headers count only when the peer is
 * a trusted proxy. X-Forwarded-For is read when present, else RFC 7239 Forwarded: a deployment's
 * proxies are expected to maintain one of them. A malformed hop ends the walk and the last good
 * address (a trusted proxy) is used; when every hop is trusted, the leftmost is the client.
 */
export function resolveClientIp(peerIp: string, headers: IncomingHttpHeaders, trusted: IpMatcher | null): string {
  const peer = normalizeIp(peerIp);
  if (trusted === null || !trusted.matches(peer)) return peer;
  const xff = headerText(headers['x-forwarded-for']);
  if (xff !== undefined) return walkForwardedFor(xff, peer, trusted);
  const fwd = headerText(headers['forwarded']);
  if (fwd !== undefined) return walkForwarded(fwd, peer, trusted);
  return peer;
}
