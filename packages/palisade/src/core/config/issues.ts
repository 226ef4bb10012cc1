// Turns zod issues into one readable line each: where, which option, what was expected, what was found.
import type { z } from 'zod';
import { detail, type Detail, type Locator } from './locate.js';
import { isSecretKey } from './redact.js';
import { closest, describeExpected, knownKeys, schemaAt, type OptionPath, type PathSegment } from './walk.js';

const MAX_SHOWN = 60;

/** How a found value is shown; values of secret-named options are never echoed. */
export function showValue(value: unknown, path: OptionPath): string {
  const last = path[path.length - 1];
  const secret = typeof last === 'string' && isSecretKey(last);
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return `a list of ${value.length} item${value.length === 1 ? '' : 's'}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') {
    if (secret) return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (secret) return `a ${typeof value}`;
  return String(value);
}

function toPath(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((p) => (typeof p === 'number' ? p : String(p)));
}

function unknownKeyMessage(known: readonly string[], key: string): string {
  const suggestion = closest(key, known);
  if (suggestion) return `unknown option; did you mean "${suggestion}"?`;
  if (known.length > 0 && known.length <= 12) return `unknown option; options here: ${known.join(', ')}`;
  return 'unknown option';
}

/** One detail per problem; an issue naming several unknown keys yields one detail per key. */
export function issueDetails(schema: z.ZodType, issues: readonly z.core.$ZodIssue[], loc: Locator): Detail[] {
  const out: Detail[] = [];
  for (const issue of issues) {
    const path = toPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(schema, path);
      for (const key of issue.keys) {
        out.push(detail(loc.whereKey(path, key), [...path, key], unknownKeyMessage(known, key)));
      }
      continue;
    }
    if (issue.code === 'custom') {
      // Refinements carry a complete, hand-written sentence; "expected <type>" would contradict it.
      out.push(detail(loc.where(path), path, issue.message));
      continue;
    }
    const input = (issue as { input?: unknown }).input;
    const target = schemaAt(schema, path);
    let expected: string;
    if (issue.code === 'invalid_format' && issue.format === 'regex') {
      // Regex checks carry a hand-written noun phrase ("an HTTP method in capitals").
      expected = issue.message;
    } else if (target) {
      expected = describeExpected(target);
    } else {
      expected = issue.message;
    }
    const message =
      input === undefined ? `required option missing; expected ${expected}` : `expected ${expected}, got ${showValue(input, path)}`;
    out.push(detail(loc.where(path), path, message));
  }
  return out;
}
