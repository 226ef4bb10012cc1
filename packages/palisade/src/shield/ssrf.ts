// Server-side request forgery: which destinations a URL given by a client (or returned by a third
// party) may point at. Hosts are parsed the way WHATWG URL parsers do — so decimal, octal, hex and
// shortened IPv4 spellings all become the dotted address they really are — and every address a
// name resolves to is checked, not just the first.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { IpMatcher, parseIp } from './ip.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'metadata'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'carrier-grade-nat'
  | 'reserved';

// Order matters: the first matching class names the address (metadata before link-local).
const CLASSES: Array<[Exclude<AddressClass, 'public'>, string[]]> = [
  ['metadata', ['169.254.169.254/32', '169.254.170.2/32', '100.100.100.200/32', '192.0.0.192/32', 'fd00:ec2::254/128']],
  ['unspecified', ['0.0.0.0/8', '::/128']],
  ['loopback', ['127.0.0.0/8', '::1/128']],
  ['private', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
  ['link-local', ['169.254.0.0/16', 'fe80::/10']],
  ['carrier-grade-nat', ['100.64.0.0/10']],
  ['multicast', ['224.0.0.0/4', 'ff00::/8']],
  ['broadcast', ['255.255.255.255/32']],
  [
    'reserved',
    [
      '192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '240.0.0.0/4',
      '100::/64', '2001:db8::/32', '2001::/23', 'fec0::/10', '::/96',
    ],
  ],
];
const MATCHERS = CLASSES.map(([cls, cidrs]) => [cls, new IpMatcher(cidrs)] as const);

/** IPv6 forms that carry an IPv4 address inside: NAT64, 6to4. Checked as that IPv4 address. */
function embeddedV4(ip: string): string | undefined {
  const p = parseIp(ip);
  if (!p || p.v !== 6) return undefined;
  const v = p.value;
  const toV4 = (n: bigint) => [24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn)).join('.');
  if (v >> 32n === 0x0064ff9b0000000000000000n) return toV4(v & 0xffffffffn); // 64:ff9b::/96
  if (v >> 112n === 0x2002n) return toV4((v >> 80n) & 0xffffffffn); // 2002::/16
  return undefined;
}

/** The class of an IP address (IPv4-mapped and embedded IPv4 forms are judged by their IPv4 address). */
export function classifyAddress(ip: string): AddressClass {
  const inner = embeddedV4(ip);
  if (inner) return classifyAddress(inner);
  for (const [cls, m] of MATCHERS) if (m.matches(ip)) return cls;
  return 'public';
}

export interface DestinationPolicy {
  /** URL schemes allowed; default http and https. */
  schemes?: readonly string[];
  /** When set, only these hosts (exact, or '*.example.com' for subdomains) are allowed. */
  allowHosts?: readonly string[];
  /** Address classes allowed besides 'public' (e.g. 'private' for an internal webhook target). */
  allowClasses?: readonly AddressClass[];
  /** Ports allowed; default any. */
  ports?: readonly number[];
  /** Refuse URLs carrying user:password@. Default true. */
  denyCredentials?: boolean;
}

export type DestinationVerdict = { ok: true; url: URL } | { ok: false; reason: string };

function hostAllowed(host: string, allow: readonly string[]): boolean {
  return allow.some((a) => {
    const p = a.toLowerCase();
    return p.startsWith('*.') ? host.endsWith(p.slice(1)) && host.length > p.length - 1 : host === p;
  });
}

/** Strips IPv6 brackets: URL keeps them in `hostname`. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/** Checks everything about a URL that needs no DNS: scheme, credentials, port, host lists, literal addresses. */
export function checkUrl(raw: string | URL, policy: DestinationPolicy = {}): DestinationVerdict {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    return { ok: false, reason: 'not an absolute URL' };
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  if (!(policy.schemes ?? ['http', 'https']).includes(scheme)) return { ok: false, reason: `scheme ${scheme} is not allowed` };
  if ((policy.denyCredentials ?? true) && (url.username || url.password)) return { ok: false, reason: 'credentials in the URL are not allowed' };
  const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
  if (policy.ports && !policy.ports.includes(port)) return { ok: false, reason: `port ${port} is not allowed` };
  const host = hostOf(url).toLowerCase().replace(/\.$/, '');
  if (!host) return { ok: false, reason: 'no host' };
  if (policy.allowHosts && !hostAllowed(host, policy.allowHosts)) return { ok: false, reason: `host ${host} is not on the allow-list` };
  if (isIP(host)) {
    const cls = classifyAddress(host);
    if (cls !== 'public' && !(policy.allowClasses ?? []).includes(cls)) return { ok: false, reason: `${cls} address ${host}` };
  } else if (host === 'localhost' || host.endsWith('.localhost')) {
    return { ok: false, reason: `loopback name ${host}` };
  }
  return { ok: true, url };
}

export type Resolver = (host: string) => Promise<string[]>;

export const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * checkUrl, then resolves the host and checks every address it resolves to: one forbidden
 * answer is enough to refuse (a name that resolves to both a public and an internal address is an
 * attack). Returns the addresses that passed, for connecting to exactly those.
 */
export async function checkDestination(
  raw: string | URL,
  policy: DestinationPolicy = {},
  resolve: Resolver = systemResolver,
): Promise<(DestinationVerdict & { ok: true; addresses: string[] }) | { ok: false; reason: string }> {
  const first = checkUrl(raw, policy);
  if (!first.ok) return first;
  const host = hostOf(first.url).replace(/\.$/, '');
  if (isIP(host)) return { ...first, addresses: [host] };
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (err) {
    return { ok: false, reason: `cannot resolve ${host}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` };
  }
  if (addresses.length === 0) return { ok: false, reason: `${host} has no address` };
  for (const a of addresses) {
    const cls = classifyAddress(a);
    if (cls !== 'public' && !(policy.allowClasses ?? []).includes(cls)) return { ok: false, reason: `${host} resolves to ${cls} address ${a}` };
  }
  return { ...first, addresses };
}
