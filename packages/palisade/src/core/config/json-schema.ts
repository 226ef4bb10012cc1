// The JSON Schema of palisade.yaml, for editors (yaml-language-server) and `palisade config schema`.
import { z } from 'zod';
import { ConfigSchema } from './schema.js';

/** Stable identifier of format version 1 of the configuration. */
export const CONFIG_SCHEMA_ID = 'urn:palisade:config:v1';

/**
 * JSON Schema 2020-12 of the configuration as written (the input form: every option with a default
 * is optional). Unknown options are rejected, as the loader does.
 */
export function configJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(ConfigSchema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'throw' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return { $schema, $id: CONFIG_SCHEMA_ID, title: 'Palisade configuration (palisade.yaml)', ...rest };
}
