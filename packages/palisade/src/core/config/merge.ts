// Per-route stage settings: the global defaults with the route's overrides laid over them.
import type { StageOverrides, StageSettings } from './schema.js';

/** Freezes a plain-data tree in place (objects and arrays) and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function copy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copy);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out;
  }
  return value;
}

function merge(base: unknown, over: unknown): unknown {
  if (over === undefined) return copy(base);
  // Lists replace: a route that allows [GET] must not silently inherit the default POST.
  if (isPlainObject(base) && isPlainObject(over)) {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(base), ...Object.keys(over)])) out[k] = merge(base[k], over[k]);
    return out;
  }
  return copy(over);
}

/**
 * Deep merge of `overrides` onto `defaults`: objects merge key by key, arrays and scalars in
 * `overrides` replace the default, absent options keep it. Returns a new deep-frozen object; the
 * inputs are not modified.
 */
export function mergeStageSettings(defaults: StageSettings, overrides?: StageOverrides): StageSettings {
  return deepFreeze(merge(defaults, overrides) as StageSettings);
}
