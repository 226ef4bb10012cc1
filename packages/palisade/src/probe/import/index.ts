// The import layer: one entry point that reads a file or URL, recognises the format and hands it
// to that format's importer (one file each). Adding a format is adding a file and a line here.
import { PalisadeError } from '../../core/index.js';
import type { ImportDefect } from '../report.js';
import { fetchIntrospection, importGraphql, looksLikeIntrospection } from './graphql.js';
import { importHar, looksLikeHar } from './har.js';
import type { ApiModel } from './model.js';
import { isObj } from './model.js';
import { importOpenApi } from './openapi.js';
import { importPostman, looksLikePostman } from './postman.js';
import { parseStructured, readInput } from './source.js';
import { importWsdl, looksLikeWsdl } from './wsdl.js';

export type { ApiModel, ScanOperation, ScanParam, ScanBody, Schema, InputFormat } from './model.js';
export { IMPORT_LIMITS } from './model.js';

/**
 * Imports an API description from a file path or http(s) URL. Defects are in `model.defects`.
 * `graphql:<endpoint URL>` introspects a live GraphQL endpoint instead.
 */
export async function importApi(location: string): Promise<ApiModel> {
  if (/^graphql:https?:\/\//i.test(location)) {
    const endpoint = location.slice('graphql:'.length);
    try {
      return importGraphql(await fetchIntrospection(endpoint), location, endpoint, []);
    } catch (err) {
      if (err instanceof PalisadeError) throw err;
      throw new PalisadeError('PALISADE_ERR_SCAN_INPUT', `${location}: ${(err as Error).message}`);
    }
  }
  const raw = await readInput(location);
  return importApiText(raw.text, raw.location, raw.isUrl);
}

export function importApiText(text: string, location: string, isUrl = false): ApiModel {
  const defects: ImportDefect[] = [];
  if (looksLikeWsdl(text)) {
    try {
      return importWsdl(text, location, defects);
    } catch (err) {
      throw new PalisadeError('PALISADE_ERR_SCAN_INPUT', `${location}: ${(err as Error).message}`);
    }
  }
  const data = parseStructured(text, location, defects);
  try {
    if (looksLikeIntrospection(data)) return importGraphql(data, location, undefined, defects);
    if (looksLikeHar(data)) return importHar(data, location, defects);
    if (looksLikePostman(data)) return importPostman(data, location, defects);
    if (isObj(data) && (data.openapi !== undefined || data.swagger !== undefined)) return importOpenApi(data, location, isUrl, defects);
  } catch (err) {
    throw new PalisadeError('PALISADE_ERR_SCAN_INPUT', `${location}: ${(err as Error).message}`);
  }
  throw new PalisadeError('PALISADE_ERR_SCAN_INPUT', `${location}: not an OpenAPI 3.x, Swagger 2.0, HAR or Postman 2.1 document, nor a WSDL 1.1 or a GraphQL introspection result`);
}
