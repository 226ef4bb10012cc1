import { BlockList, isIP } from 'node:net';
import type { Operator, OperatorFactory, OperatorResult } from '../types.js';
import { MATCH, NO_MATCH } from './common.js';

/** Bound on a list's entries (a data file could be huge). */
export const MAX_IP_ENTRIES = 200_000;

/** Builds a BlockList from IPv4/IPv6 addresses and CIDR ranges; throws naming the bad entry. */
export function ipList(entries: readonly string[], where: string): BlockList {
  if (entries.length > MAX_IP_ENTRIES) throw new Error(`${where}: more than ${MAX_IP_ENTRIES} entries`);
  const list = new BlockList();
  for (const e of entries) {
    const [addr = '', bits, extra] = e.split('/');
    const type = isIP(addr);
    if (type === 0 || extra !== undefined) throw new Error(`${where}: ${JSON.stringify(e)} is not an IP address or CIDR range`);
    const family = type === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) {
      list.addAddress(addr, family);
      continue;
    }
    const prefix = Number(bits);
    if (!/^\d+$/.test(bits) || prefix > (type === 4 ? 32 : 128)) throw new Error(`${where}: bad prefix length in ${JSON.stringify(e)}`);
    list.addSubnet(addr, prefix, family);
  }
  return list;
}

/** Answers remembered per operator: a client's address repeats on every request of its connection. */
const RECENT_MAX = 256;

export function ipOperator(list: BlockList): Operator {
  // BlockList.check builds and validates a SocketAddress per call, several microseconds: CRS
  // 905110 asks on every request whether REMOTE_ADDR is the loopback. The answer is a function of
  // the input, so the last RECENT_MAX distinct inputs keep theirs (emptied when full).
  const recent = new Map<string, OperatorResult>();
  return {
    execute(_tx, input): OperatorResult {
      const known = recent.get(input);
      if (known !== undefined) return known;
      const type = isIP(input);
      const res = type !== 0 && list.check(input, type === 4 ? 'ipv4' : 'ipv6') ? MATCH : NO_MATCH;
      if (recent.size >= RECENT_MAX) recent.clear();
      recent.set(input, res);
      return res;
    },
  };
}

/** `@ipMatch`: the value is an address in one of the comma-separated IPv4/IPv6 addresses or CIDR ranges. */
export const ipMatch: OperatorFactory = {
  name: 'ipMatch',
  create(param) {
    const entries = param.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (entries.length === 0) throw new Error('@ipMatch needs at least one address or range');
    return ipOperator(ipList(entries, '@ipMatch'));
  },
};
