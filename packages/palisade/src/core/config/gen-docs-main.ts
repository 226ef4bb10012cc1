// `npm run docs`: writes the generated reference docs to the paths given.
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc, renderErrorsDoc } from './docs.js';

const [configPath, errorsPath] = process.argv.slice(2);
if (!configPath || !errorsPath) {
  process.stderr.write('usage: gen-docs-main <configuration.md> <errors.md>\n');
  process.exit(2);
}
writeFileSync(configPath, renderConfigurationDoc());
writeFileSync(errorsPath, renderErrorsDoc());
process.stdout.write(`wrote ${configPath} and ${errorsPath}\n`);
