// Method allow-list per route. TRACE and TRACK are absent from the defaults: they echo the request
// (cross-site tracing) and no API needs them.
import type { Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { RequestContext, StageFactory } from '../stage.js';

export const createMethodsStage: StageFactory<'methods'> = (settings) => {
  if (!settings.enabled) return null;
  const allowed = new Set(settings.allow);
  const refused = Object.freeze(
    deny('method-not-allowed', 405, 'This method is not allowed on this resource.', Object.freeze({ Allow: [...allowed].join(', ') })),
  );
  return {
    name: 'methods',
    request(ctx: RequestContext): Verdict {
      return allowed.has(ctx.method) ? CONTINUE : refused;
    },
  };
};
