// Reference documentation generated from the schema and the error registry, so the docs cannot
// drift from the code (a test compares these with the committed files).
import { ERROR_CODES } from '../errors.js';
import { ENV_OVERRIDES } from './env.js';
import { configJsonSchema } from './json-schema.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  format?: string;
  $ref?: string;
  required?: string[];
};

const GENERATED = '<!-- Generated from the code: do not edit. Run `npm run docs` to update. -->';

function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function typeOf(s: JsonSchema): string {
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((v) => `\`${String(v)}\``).join(' | ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return alts.map(typeOf).join(' | ');
  let t = Array.isArray(s.type) ? s.type.join(' | ') : (s.type ?? 'any');
  if (t === 'array' && s.items) t = `list of ${typeOf(s.items)}`;
  if (s.format) t += ` (${s.format})`;
  const range: string[] = [];
  if (s.minimum !== undefined) range.push(`≥ ${s.minimum}`);
  if (s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER) range.push(`≤ ${s.maximum}`);
  if (s.minLength !== undefined && s.minLength > 0) range.push(`length ≥ ${s.minLength}`);
  return range.length > 0 ? `${t}, ${range.join(', ')}` : t;
}

function defaultOf(s: JsonSchema): string {
  if (s.default === undefined) return '';
  const d = s.default;
  if (typeof d === 'object' && d !== null && !Array.isArray(d) && Object.keys(d).length === 0) return '';
  return `\`${JSON.stringify(d)}\``;
}

interface Row {
  path: string;
  type: string;
  def: string;
  doc: string;
}

function collect(s: JsonSchema, path: string, rows: Row[]): void {
  if (path === 'routes[].stages') {
    rows.push({ path, type: 'object', def: '', doc: 'Per-route overrides of `defaults`: the same options as under `defaults`, each optional; only the options named change (lists replace, they do not add).' });
    return;
  }
  const isObject = s.type === 'object' && s.properties;
  const isListOfObjects = s.type === 'array' && s.items?.type === 'object' && s.items.properties;
  if (path && (!isObject || s.description)) rows.push({ path, type: isObject ? 'object' : isListOfObjects ? 'list of objects' : typeOf(s), def: isObject ? '' : defaultOf(s), doc: s.description ?? '' });
  if (isObject) for (const [k, v] of Object.entries(s.properties!)) collect(v, path ? `${path}.${k}` : k, rows);
  else if (isListOfObjects) for (const [k, v] of Object.entries(s.items!.properties!)) collect(v, `${path}[].${k}`, rows);
}

export function renderConfigurationDoc(): string {
  const schema = configJsonSchema() as JsonSchema;
  const out: string[] = [
    '# Configuration reference',
    '',
    GENERATED,
    '',
    'Palisade reads one YAML file, `palisade.yaml` (`palisade gateway -c FILE`). Unknown options are errors;',
    'every error names the option path and the line. `palisade config validate FILE` checks a file,',
    '`palisade config schema` prints the JSON Schema for editors. Relative file paths are resolved',
    'against the directory of the configuration file.',
    '',
  ];
  for (const [section, sub] of Object.entries(schema.properties ?? {})) {
    const rows: Row[] = [];
    collect(sub, section, rows);
    out.push(`## \`${section}\``, '');
    if (sub.description) out.push(esc(sub.description), '');
    out.push('| option | type | default | description |', '|---|---|---|---|');
    for (const r of rows) if (r.path !== section || sub.type !== 'object') out.push(`| \`${r.path}\` | ${esc(r.type)} | ${esc(r.def)} | ${esc(r.doc)} |`);
    out.push('');
  }
  out.push('## Environment variables', '', 'Each variable overrides one option of the file; an invalid value is reported with the variable\'s name.', '', '| variable | option | description |', '|---|---|---|');
  for (const e of ENV_OVERRIDES) out.push(`| \`${e.name}\` | \`${e.option}\` | ${esc(e.description)} |`);
  out.push('');
  return out.join('\n');
}

export function renderErrorsDoc(): string {
  const out = [
    '# Error codes',
    '',
    GENERATED,
    '',
    'Every error Palisade reports carries a permanent code (`PALISADE_ERR_*`): codes are retired, never',
    'reused. Messages name what is wrong and where (file, line, option path); the fix below says what to do.',
    '',
    '| code | what went wrong | how to fix it |',
    '|---|---|---|',
  ];
  for (const [code, spec] of Object.entries(ERROR_CODES)) out.push(`| \`${code}\` | ${esc(spec.title)} | ${esc(spec.fix)} |`);
  out.push('');
  return out.join('\n');
}
