// Security response headers with API defaults, and removal of headers that reveal the stack.
// Headers the upstream set deliberately (its own CSP for a documentation page, its own caching
// policy) are kept: Palisade fills in what is missing rather than breaking what was chosen.
// nosniff is the exception, as it has one valid value.
import type { RequestContext, ResponseHead, StageFactory } from '../stage.js';

export const createSecurityHeadersStage: StageFactory<'securityHeaders'> = (settings) => {
  if (!settings.enabled) return null;
  const remove = [...new Set(settings.remove.map((h) => h.trim().toLowerCase()))];
  // Set only when the upstream sent none; empty strings disable a header.
  const fill: Array<[string, string]> = [];
  if (settings.contentSecurityPolicy !== '') fill.push(['content-security-policy', settings.contentSecurityPolicy]);
  if (settings.referrerPolicy !== '') fill.push(['referrer-policy', settings.referrerPolicy]);
  const hsts = settings.hsts;
  const noSniff = settings.noSniff;
  const noStore = settings.noStoreWhenAuthenticated;

  return {
    name: 'securityHeaders',
    responseHead(ctx: RequestContext, head: ResponseHead): void {
      const h = head.headers;
      for (let i = 0; i < remove.length; i++) delete h[remove[i]!];
      if (noSniff) h['x-content-type-options'] = 'nosniff';
      for (let i = 0; i < fill.length; i++) {
        const [name, value] = fill[i]!;
        if (h[name] === undefined) h[name] = value;
      }
      // HSTS over plain HTTP is ignored by browsers and would only advertise a policy we cannot keep.
      if (ctx.tls && hsts !== '' && h['strict-transport-security'] === undefined) h['strict-transport-security'] = hsts;
      // Authenticated responses are personal; shared caches must not keep them unless the upstream decided otherwise.
      if (noStore && ctx.hasCredentials && h['cache-control'] === undefined) h['cache-control'] = 'no-store';
    },
  };
};
