// The shape of one slice of the console API's OpenAPI document: the paths it adds (relative to
// /console/api, e.g. '/findings/{id}') and the component schemas they reference
// ('#/components/schemas/Name'). base.ts merges every slice into one OpenAPI 3.1 document.
export type JsonObject = Record<string, unknown>;

export interface OpenApiPart {
  /** Path item objects keyed by path relative to /console/api. */
  paths: Record<string, JsonObject>;
  /** Component schemas keyed by name. */
  schemas: Record<string, JsonObject>;
}
