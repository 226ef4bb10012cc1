// `palisade discover`: an API inventory from recorded traffic (a HAR file or an access log),
// optionally compared with an OpenAPI document. Argument parsing only; watch/ does the work.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { stringify as toYaml } from 'yaml';
import { PalisadeError, loadConfigFile } from '../core/index.js';
import type { PalisadeConfig } from '../core/index.js';
import { discover, exportOpenApi, parseFieldMap, renderMarkdown } from '../watch/index.js';
import type { DiscoverOptions, JsonFieldMap } from '../watch/index.js';
import { str, usage } from './command.js';
import type { Command, Values } from './command.js';

async function watchConfig(path: string | undefined): Promise<PalisadeConfig['watch']['inventory'] | undefined> {
  if (path === undefined) return undefined;
  return (await loadConfigFile(resolve(path))).config.watch.inventory;
}

async function runDiscover(v: Values): Promise<number> {
  const har = str(v, 'har');
  const log = str(v, 'log');
  if ((har === undefined) === (log === undefined)) throw usage('discover needs one input: --har FILE or --log FILE');
  const input = (har ?? log)!;
  if (!existsSync(input)) throw new PalisadeError('PALISADE_ERR_DISCOVER_INPUT', `${input}: no such file`);
  const format = str(v, 'format') ?? 'md';
  if (format !== 'json' && format !== 'md' && format !== 'openapi') throw usage(`--format must be json, md or openapi, not ${format}`);
  const logFormat = str(v, 'log-format') ?? 'auto';
  if (logFormat !== 'auto' && logFormat !== 'combined' && logFormat !== 'json') throw usage(`--log-format must be auto, combined or json, not ${logFormat}`);
  let fields: JsonFieldMap | undefined;
  const fieldSpec = str(v, 'fields');
  if (fieldSpec !== undefined) {
    try {
      fields = parseFieldMap(fieldSpec);
    } catch (e) {
      throw usage((e as Error).message);
    }
  }
  const cfg = await watchConfig(str(v, 'config'));
  const maxEndpoints = str(v, 'max-endpoints');
  const internal = str(v, 'internal');
  const opts: DiscoverOptions = {
    ...(har !== undefined ? { har } : { log: log! }),
    logFormat,
    ...(fields ? { fields } : {}),
    ...(str(v, 'spec') ? { spec: str(v, 'spec')! } : {}),
    ...(str(v, 'overrides') ? { overrides: str(v, 'overrides')! } : {}),
    customClasses: cfg?.sensitiveClasses ?? [],
    internalNetworks: [...(cfg?.internalNetworks ?? []), ...(internal ? internal.split(',').map((s) => s.trim()).filter(Boolean) : [])],
    maxEndpoints: maxEndpoints !== undefined ? Number(maxEndpoints) : (cfg?.maxEndpoints ?? 5000),
  };
  if (!Number.isInteger(opts.maxEndpoints) || opts.maxEndpoints! < 1) throw usage(`--max-endpoints must be a positive integer, not ${maxEndpoints}`);
  let result;
  try {
    result = await discover(opts);
  } catch (e) {
    if (e instanceof PalisadeError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR') throw new PalisadeError('PALISADE_ERR_DISCOVER_INPUT', `${input}: ${(e as Error).message}`, [], { cause: e });
    if (e instanceof TypeError) throw usage(e.message);
    throw e;
  }
  const { report, inventory, stats } = result;
  const out = str(v, 'out');
  let text: string;
  if (format === 'json') text = JSON.stringify(report, null, 2) + '\n';
  else if (format === 'md') text = renderMarkdown(report);
  else {
    const doc = exportOpenApi(inventory, { title: `Discovered from ${input}` });
    text = out && /\.ya?ml$/i.test(out) ? toYaml(doc) : JSON.stringify(doc, null, 2) + '\n';
  }
  if (out) await writeFile(out, text);
  else process.stdout.write(text);
  const t = report.totals;
  process.stderr.write(
    `discover: ${stats.records} records (${stats.errors} unreadable), ${t.endpoints} endpoints` +
      (report.spec ? `, ${t.shadow} shadow, ${t.zombie} zombie, ${t.orphan} orphan` : '') +
      `, ${t.existenceOracles} existence oracle${t.existenceOracles === 1 ? '' : 's'}${out ? ` → ${out}` : ''}\n`,
  );
  for (const e of stats.firstErrors.slice(0, 5)) process.stderr.write(`  ${e}\n`);
  if (stats.errors > 5) process.stderr.write(`  ... ${stats.errors - 5} more (see the report's input.firstErrors)\n`);
  return 0;
}

export const DISCOVER_COMMANDS: Record<string, Command> = {
  discover: {
    summary: 'Inventory an API from recorded traffic (HAR or access log): endpoints, shadow/zombie/orphan, sensitive data, risk.',
    usage: 'palisade discover --har FILE | --log FILE [--spec openapi.yaml] [--format md|json|openapi] [--out FILE]',
    details:
      'Access logs: nginx/Apache combined (or common) format, or JSON lines (mapped with --fields, e.g.\n' +
      'method=req.method,url=req.url,status=res.statusCode,time=ts,ip=remote,duration=rt:s), or Palisade exchanges\n' +
      'as JSON lines. Files are streamed; unparseable records are counted and listed by line number.\n' +
      'With -c, watch.inventory settings (sensitiveClasses, internalNetworks, maxEndpoints) come from the configuration.',
    options: {
      har: { type: 'string', description: 'a HAR file' },
      log: { type: 'string', description: 'an access log (combined format or JSON lines)' },
      'log-format': { type: 'string', description: 'auto (default: JSON when a line starts with {), combined or json' },
      fields: { type: 'string', description: 'JSON-lines field names: method=...,url=...,status=...,time=...,ip=...,duration=PATH:s|ms|us' },
      spec: { type: 'string', description: 'OpenAPI document to compare with (shadow, zombie, orphan, drift)' },
      format: { type: 'string', description: 'md (default), json (full report) or openapi (the learnt API as OpenAPI 3.1)' },
      out: { type: 'string', short: 'o', description: 'write to this file instead of standard output (.yaml/.yml: OpenAPI as YAML)' },
      overrides: { type: 'string', description: 'template overrides file (YAML/JSON list of {action: split|merge, template})' },
      internal: { type: 'string', description: 'comma-separated CIDR ranges counted as internal callers' },
      'max-endpoints': { type: 'string', description: 'endpoints tracked (default 5000)' },
      config: { type: 'string', short: 'c', description: 'palisade.yaml for watch.inventory settings' },
    },
    run: (v) => runDiscover(v),
  },
};
