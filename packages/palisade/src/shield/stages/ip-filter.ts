// Connection stage: static allow and deny lists and the dynamic block list. It runs first, so a
// refused address costs one lookup and nothing else.
import type { Verdict } from '../../core/index.js';
import { CONTINUE, PalisadeError, deny } from '../../core/index.js';
import { IpMatcher } from '../ip.js';
import type { RequestContext, StageFactory } from '../stage.js';

// One generic wording each: the client learns that its address is refused, never which rule matched.
const DENIED = Object.freeze(deny('ip-denied', 403, 'Requests from your address are not accepted.'));
const NOT_ALLOWED = Object.freeze(deny('ip-not-allowed', 403, 'Requests from your address are not accepted.'));
const BLOCKED = Object.freeze(deny('ip-blocked', 403, 'Requests from your address are temporarily blocked.'));

function matcher(entries: readonly string[], option: string): IpMatcher | null {
  if (entries.length === 0) return null;
  try {
    return new IpMatcher(entries);
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_CONFIG_INVALID', undefined, [`${option}: ${(err as Error).message}`], { cause: err });
  }
}

export const createIpFilterStage: StageFactory<'ipFilter'> = (settings, env) => {
  if (!settings.enabled) return null;
  const denyList = matcher(settings.deny, 'ipFilter.deny');
  const allowList = matcher(settings.allow, 'ipFilter.allow');
  const blocklist = settings.dynamicBlocklist ? env.blocklist : null;
  return {
    name: 'ipFilter',
    request(ctx: RequestContext): Verdict {
      const ip = ctx.clientIp;
      // Deny beats allow: an address inside an allowed range can still be singled out.
      if (denyList?.matches(ip)) return DENIED;
      if (blocklist?.has(ip)) return BLOCKED;
      // An address that does not parse matches no allow entry, so this fails closed.
      if (allowList && !allowList.matches(ip)) return NOT_ALLOWED;
      return CONTINUE;
    },
  };
};
