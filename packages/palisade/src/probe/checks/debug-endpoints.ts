// Debug and management endpoints left reachable: /debug, /actuator/env, /.env, /config...
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { basePath, isRealPage, notFoundShape, origin } from './inventory-common.js';

export const DEBUG_PATHS = [
  '/debug', '/debug/config', '/debug/vars', '/debug/pprof/', '/debug/env', '/_debug', '/__debug__/', '/actuator', '/actuator/env', '/actuator/configprops',
  '/actuator/heapdump', '/actuator/mappings', '/.env', '/.env.local', '/.git/config', '/config', '/config.json', '/configuration', '/env', '/environment',
  '/server-status', '/server-info', '/phpinfo.php', '/info.php', '/console', '/admin/config', '/api/debug', '/api/config', '/internal/config', '/status/config',
  '/metrics', '/_profiler', '/elmah.axd', '/trace.axd', '/.aws/credentials', '/settings.json',
];
const SENSITIVE = /secret|password|passwd|api[_-]?key|token|private|credential|aws_|DB_|DATABASE_URL|jdbc:|BEGIN [A-Z ]*PRIVATE KEY|\[core\]|"activeProfiles"|"propertySources"/i;

export const debugEndpoints: Check = {
  id: 'PAL-SCAN-INV-003',
  title: 'A debug or management endpoint is exposed',
  category: 'API9:2023',
  cwe: 215,
  severity: 'high',
  description: `Requests ${DEBUG_PATHS.length} common debug and management paths (/debug, /actuator/env, /.env, /.git/config, /config, /server-status...) at the origin and under the API base path, without credentials. Reported when one answers 2xx with content that differs from what a nonsense path gets (so not a catch-all page); high when the content holds secrets, medium otherwise.`,
  remediation: { summary: 'Remove debug endpoints from production builds; put management endpoints on a separate, authenticated interface.', shieldPolicy: 'contract strict mode (undocumented paths refused)' },
  async run(ctx) {
    const documented = new Set(ctx.model.operations.map((o) => o.path));
    const prefixes = [...new Set([origin(ctx), `${origin(ctx)}${basePath(ctx)}`])];
    for (const prefix of prefixes) {
      const nf = await notFoundShape(ctx, prefix);
      for (const p of DEBUG_PATHS) {
        if (documented.has(p)) continue;
        const r = await ctx.sendRaw({ method: 'GET', url: `${prefix}${p}` });
        if (!isRealPage(r, nf)) continue;
        const again = await ctx.sendRaw({ method: 'GET', url: `${prefix}${p}` });
        if (!isRealPage(again, nf)) continue;
        const secret = SENSITIVE.exec(r.body.slice(0, 50_000));
        const path = new URL(r.request.url).pathname;
        ctx.report({ operation: { method: 'GET', path }, severity: secret ? 'high' : 'medium', confidence: 'confirmed', parts: [path], description: `${path} answers ${r.status} to anyone${secret ? `, with sensitive content (${secret[0]})` : ''}.`, evidence: [evidenceOf(r, secret ? `sensitive content: ${secret[0]}` : `${r.status}, ${r.bytes} bytes`, secret?.[0]), evidenceOf(nf, 'a nonsense path, for comparison')] });
      }
    }
  },
};
