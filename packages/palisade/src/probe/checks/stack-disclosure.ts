// Server, X-Powered-By and friends disclosing product and version.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';

const HEADERS = ['server', 'x-powered-by', 'x-aspnet-version', 'x-aspnetmvc-version', 'x-generator', 'x-runtime', 'x-version'];

export const stackDisclosure: Check = {
  id: 'PAL-SCAN-CONF-005',
  title: 'Response headers disclose the server stack and versions',
  category: 'API8:2023',
  cwe: 200,
  severity: 'low',
  description: 'Looks at the responses seen while exploring for Server (with a version number), X-Powered-By, X-AspNet-Version and similar headers. Reported once for the API when at least two responses carry them.',
  remediation: { summary: 'Remove X-Powered-By and version details from Server and similar headers.', shieldPolicy: 'response security headers stage (removes Server details and X-Powered-By)' },
  async run(ctx) {
    const obs = ctx.explore.observations.filter((o) => o.response.status > 0);
    const found = new Map<string, string>();
    let example;
    let count = 0;
    for (const o of obs) {
      let hit = false;
      for (const h of HEADERS) {
        const v = o.response.headers[h];
        if (!v || (h === 'server' && !/\d/.test(v))) continue;
        found.set(h, v);
        hit = true;
      }
      if (hit) {
        count++;
        example ??= o.response;
      }
    }
    if (count < Math.min(2, obs.length) || !example) return;
    const names = [...found.keys()].sort();
    ctx.report({ confidence: 'confirmed', parts: names, description: `${names.map((n) => `${n}: ${found.get(n)}`).join('; ')} (on ${count} of ${obs.length} responses).`, evidence: [evidenceOf(example, names.map((n) => `${n}: ${found.get(n)}`).join('; '))] });
  },
};
