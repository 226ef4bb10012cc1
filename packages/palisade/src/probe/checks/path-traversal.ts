// Path traversal: file-like parameters given ../ sequences toward well-known system files; the
// file's content (not just a different answer) must appear, twice.
import type { Check } from '../check.js';
import { evidenceOf } from '../runner.js';
import { injectionPoints, pointParts, withPayload } from './inject-common.js';
import { firstMatch, opRef, sessionOf } from './util.js';

const FILE_NAME = /file|path|name|template|doc|document|page|include|dir|folder|download|img|image|attachment|report|lang|locale|view/i;
const PAYLOADS = ['../../../../../../../../etc/passwd', '..%2f..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', '....//....//....//....//....//....//etc/passwd', '/etc/passwd', '..\\..\\..\\..\\..\\..\\windows\\win.ini'];
const CONTENT = [/root:[x*!]?:0:0:/, /\[(fonts|extensions)\]\s*\r?\n/i];

export const pathTraversal: Check = {
  id: 'PAL-SCAN-INJ-002',
  title: 'Path traversal',
  category: 'API8:2023',
  cwe: 22,
  severity: 'critical',
  description: 'Query, path and JSON body parameters whose names suggest a file (file, path, name, template, download...) receive ../ sequences (plain, URL-encoded, doubled) toward /etc/passwd and win.ini. Reported when the file\'s content appears (root:x:0:0:, [fonts]) and not in the baseline, twice.',
  remediation: { summary: 'Map client values to files through an allow-list or an id; never join them into a file system path.', shieldPolicy: 'waf (OWASP CRS path traversal rules) and contract: parameter validation (pattern)' },
  async run(ctx) {
    for (const pt of injectionPoints(ctx, FILE_NAME)) {
      ctx.tested(pt.obs.op);
      const s = sessionOf(ctx, pt.obs.identity);
      if (firstMatch(CONTENT, pt.obs.response.body)) continue;
      for (const p of PAYLOADS) {
        const r = await ctx.send(withPayload(pt, p), s);
        const m = firstMatch(CONTENT, r.body);
        if (!m) continue;
        const again = await ctx.send(withPayload(pt, p), s);
        if (!firstMatch(CONTENT, again.body)) continue;
        ctx.report({ operation: opRef(pt.obs.op), confidence: 'confirmed', parts: pointParts(pt), description: `${pt.where} parameter ${pt.name} reads files outside its directory: ${p} returns the file.`, evidence: [evidenceOf(r, `file content: ${m}`, m)] });
        break;
      }
    }
  },
};
