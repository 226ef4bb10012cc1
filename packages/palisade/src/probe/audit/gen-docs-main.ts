// Rewrites the generated rule reference inside docs/audit.md (the text around it is kept).
import { readFileSync, writeFileSync } from 'node:fs';
import { RULES_BEGIN, RULES_END, renderAuditRulesDoc } from './docs.js';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: gen-docs-main <docs/audit.md>\n');
  process.exit(2);
}
const doc = readFileSync(path, 'utf8');
const start = doc.indexOf(RULES_BEGIN);
const end = doc.indexOf(RULES_END);
if (start < 0 || end < start) {
  process.stderr.write(`${path}: the markers ${RULES_BEGIN} and ${RULES_END} are missing\n`);
  process.exit(1);
}
writeFileSync(path, doc.slice(0, start) + renderAuditRulesDoc() + doc.slice(end + RULES_END.length));
process.stdout.write(`rewrote the rule reference in ${path}\n`);
