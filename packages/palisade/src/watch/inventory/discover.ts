// Offline discovery: stream a HAR file or an access log into an inventory, optionally diff it
// with an OpenAPI document, and report. What `palisade discover` runs.
import type { Readable } from 'node:stream';
import { Inventory, type InventoryOptions } from './inventory.js';
import { loadOverrides } from './overrides.js';
import { buildReport, type InventoryReport } from './report.js';
import { readAccessLog, readHar, type JsonFieldMap, type ReadStats } from './sources.js';
import { diffAgainstSpec, loadSpec, type SpecDiff } from './spec-diff.js';
import type { TemplateOverride } from './templater.js';

export interface DiscoverOptions extends InventoryOptions {
  har?: string | Readable;
  log?: string | Readable;
  logFormat?: 'auto' | 'combined' | 'json';
  fields?: JsonFieldMap;
  /** OpenAPI document to diff with (path or URL). */
  spec?: string;
  /** Overrides file (JSON/YAML list) or a list. */
  overrides?: string | readonly TemplateOverride[];
  now?: number;
}

export interface DiscoverResult {
  inventory: Inventory;
  stats: ReadStats;
  diff?: SpecDiff;
  report: InventoryReport;
}

export async function discover(opts: DiscoverOptions): Promise<DiscoverResult> {
  if ((opts.har === undefined) === (opts.log === undefined)) throw new TypeError('discover needs exactly one input: a HAR file or an access log');
  const inventory = new Inventory(opts);
  const overrides = typeof opts.overrides === 'string' ? await loadOverrides(opts.overrides) : (opts.overrides ?? []);
  for (const o of overrides) inventory.applyOverride(o);
  // The document loads while the input streams.
  const specP = opts.spec ? loadSpec(opts.spec) : undefined;
  // A rejected load is awaited below; this keeps it from counting as unhandled meanwhile.
  specP?.catch(() => undefined);
  // A browser's HAR mixes hosts (the API, a CDN, analytics): without an API name, each host is one.
  const byHost = opts.har !== undefined;
  const onExchange = (x: Parameters<Inventory['ingest']>[0]) => inventory.ingest(byHost && !x.api && x.host ? { ...x, api: x.host } : x);
  const stats = opts.har !== undefined ? await readHar(opts.har, onExchange) : await readAccessLog(opts.log!, onExchange, { ...(opts.logFormat ? { format: opts.logFormat } : {}), ...(opts.fields ? { fields: opts.fields } : {}) });
  const diff = specP ? diffAgainstSpec(inventory.list(), await specP, opts.now) : undefined;
  const report = buildReport(inventory, diff, opts.now);
  report.input = { records: stats.records, errors: stats.errors, firstErrors: stats.firstErrors };
  return { inventory, stats, ...(diff ? { diff } : {}), report };
}
