// Canonical form of a block-list entry, so that equivalent spellings ('10.0.0.1', '10.0.0.1/32',
// '2001:DB8::0:1', '10.0.0.7/24' vs '10.0.0.0/24') upsert one row instead of piling up duplicates.
import { isIP, SocketAddress } from 'node:net';

/** 16 bytes for IPv6 or 4 for IPv4 from a string `isIP` accepted. */
function toBytes(address: string, family: 4 | 6): number[] {
  if (family === 4) return address.split('.').map(Number);
  let text = address;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    // IPv4-embedded form (::ffff:1.2.3.4): the last 32 bits are written as dotted quad.
    tail = text.slice(lastColon + 1).split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const headGroups = head === '' ? [] : head.split(':');
  const restGroups = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - headGroups.length - restGroups.length;
  const groups = [...headGroups, ...Array<string>(zeros).fill('0'), ...restGroups].map((g) => parseInt(g, 16));
  const bytes = groups.flatMap((g) => [g >> 8, g & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

function fromBytes(bytes: readonly number[], family: 4 | 6): string {
  if (family === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)).toString(16));
  // SocketAddress prints the RFC 5952 canonical text (longest zero run compressed, lower case).
  return new SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/**
 * Validates an IP address or CIDR range and returns its canonical text: the network address
 * (host bits cleared), lower-case compressed IPv6, and no prefix for a single address.
 * Throws a TypeError naming the entry when it is neither.
 */
export function canonicalBlockEntry(input: string): string {
  const trimmed = input.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const prefixText = slash === -1 ? undefined : trimmed.slice(slash + 1);
  const family = isIP(address);
  // A zone id (fe80::1%eth0) names a local interface, which a block list cannot use.
  if ((family !== 4 && family !== 6) || address.includes('%')) {
    throw new TypeError(`Block entry '${input}' is not an IP address or CIDR range.`);
  }
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      throw new TypeError(`Block entry '${input}' has an invalid prefix length: use 0 to ${bits}.`);
    }
    prefix = Number(prefixText);
  }
  const bytes = toBytes(address, family).map((b, i) => {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    return b & ((0xff << (8 - keep)) & 0xff);
  });
  const network = fromBytes(bytes, family);
  return prefix === bits ? network : `${network}/${prefix}`;
}
