// API documentation and consoles published where anyone can read them.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { basePath, isRealPage, notFoundShape, origin } from './inventory-common.js';

const DOC_PATHS = ['/openapi.json', '/openapi.yaml', '/swagger.json', '/swagger.yaml', '/v2/api-docs', '/v3/api-docs', '/api-docs', '/swagger-ui.html', '/swagger-ui/', '/docs', '/redoc', '/api/openapi.json', '/api/swagger.json'];
const DOC_CONTENT = /"(openapi|swagger)"\s*:\s*"|^(openapi|swagger):\s|swagger-ui|<redoc|SwaggerUIBundle/im;

export const exposedDocs: Check = {
  id: 'PAL-SCAN-INV-001',
  title: 'API documentation is publicly exposed',
  category: 'API9:2023',
  cwe: 200,
  severity: 'low',
  description: `Requests ${DOC_PATHS.length} common documentation paths (/openapi.json, /swagger.json, /v3/api-docs, /swagger-ui.html, /docs...) at the origin and under the API base path, without credentials. Reported when one answers 2xx with OpenAPI/Swagger content, unlike a nonsense path.`,
  remediation: { summary: 'Publish API documentation deliberately (authenticated or on a separate host), not from the production API.', shieldPolicy: 'contract strict mode (undocumented paths refused)' },
  async run(ctx) {
    const prefixes = [...new Set([origin(ctx), `${origin(ctx)}${basePath(ctx)}`])];
    for (const prefix of prefixes) {
      const nf = await notFoundShape(ctx, prefix);
      for (const p of DOC_PATHS) {
        const r = await ctx.sendRaw({ method: 'GET', url: `${prefix}${p}` });
        if (!isRealPage(r, nf) || !DOC_CONTENT.test(r.body.slice(0, 20_000))) continue;
        const path = new URL(r.request.url).pathname;
        ctx.report({ operation: { method: 'GET', path }, confidence: 'confirmed', parts: [path], description: `${path} serves the API's documentation to anyone.`, evidence: [evidenceOf(r, 'OpenAPI/Swagger content'), evidenceOf(nf, 'a nonsense path, for comparison')] });
      }
    }
  },
};
