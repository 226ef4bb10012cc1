// Loading the OpenAPI contracts a configuration needs, before it goes live: a broken document
// rejects the whole configuration (the previous one keeps serving) instead of failing requests.
import type { Contract, LoadOptions, PalisadeConfig, StageSettings } from '../core/index.js';
import { compileContract, loadDocument, mergeStageSettings } from '../core/index.js';

type ContractSettings = Pick<StageSettings['contract'], 'rejectUnknownProperties' | 'responses' | 'rejectUnknownResponseProperties'>;

/** How a route's contract settings want the document compiled. */
function variantOf(c: ContractSettings): LoadOptions {
  return {
    rejectUnknownProperties: c.rejectUnknownProperties,
    ...(c.responses !== 'off' ? { responses: c.rejectUnknownResponseProperties ? 'closed' : 'open' } : {}),
  };
}

/**
 * Key of the compiled variant a route uses: request bodies closed or not, responses not compiled,
 * open or closed. Routes with the same variant share one compiled contract.
 */
export function contractKey(api: string, c: ContractSettings): string {
  const v = variantOf(c);
  return `${api}|${v.rejectUnknownProperties ? 'closed' : 'open'}|${v.responses ?? 'no-responses'}`;
}

export async function loadContracts(cfg: PalisadeConfig): Promise<Map<string, Contract>> {
  const wanted = new Map<string, Map<string, LoadOptions>>();
  const routes = cfg.routes.length > 0 ? cfg.routes : cfg.apis.length === 1 ? [{ api: cfg.apis[0]!.name, stages: undefined }] : [];
  for (const r of routes) {
    const merged = mergeStageSettings(cfg.defaults, r.stages);
    const c = merged.contract;
    // Authorization selects operations by operationId and tag, and reads path parameters: it needs the document too.
    if (!c.enabled && !merged.authorize.enabled) continue;
    let variants = wanted.get(r.api);
    if (!variants) wanted.set(r.api, (variants = new Map()));
    variants.set(contractKey(r.api, c), variantOf(c));
  }
  const out = new Map<string, Contract>();
  for (const [apiName, variants] of wanted) {
    const api = cfg.apis.find((a) => a.name === apiName);
    if (!api?.openapi) continue;
    const doc = await loadDocument(api.openapi);
    for (const [key, options] of variants) {
      // Each variant compiles its own copy: compiling normalises the document in place.
      out.set(key, compileContract(structuredClone(doc), api.openapi, options));
    }
  }
  return out;
}
