// Loading the OpenAPI contracts a configuration needs, before it goes live: a broken document
// rejects the whole configuration (the previous one keeps serving) instead of failing requests.
import type { Contract, PalisadeConfig } from '../core/index.js';
import { compileContract, loadDocument, mergeStageSettings } from '../core/index.js';

/** Key of the compiled variant: with `closed`, undeclared body properties are violations. */
export function contractKey(api: string, closed: boolean): string {
  return closed ? `${api}|closed` : api;
}

export async function loadContracts(cfg: PalisadeConfig): Promise<Map<string, Contract>> {
  const wanted = new Map<string, Set<boolean>>();
  const routes = cfg.routes.length > 0 ? cfg.routes : cfg.apis.length === 1 ? [{ api: cfg.apis[0]!.name, stages: undefined }] : [];
  for (const r of routes) {
    const c = mergeStageSettings(cfg.defaults, r.stages).contract;
    if (!c.enabled) continue;
    let set = wanted.get(r.api);
    if (!set) wanted.set(r.api, (set = new Set()));
    set.add(c.rejectUnknownProperties);
  }
  const out = new Map<string, Contract>();
  for (const [apiName, variants] of wanted) {
    const api = cfg.apis.find((a) => a.name === apiName);
    if (!api?.openapi) continue;
    const doc = await loadDocument(api.openapi);
    for (const closed of variants) {
      // Each variant compiles its own copy: compiling normalises the document in place.
      out.set(contractKey(apiName, closed), compileContract(structuredClone(doc), api.openapi, { rejectUnknownProperties: closed }));
    }
  }
  return out;
}
