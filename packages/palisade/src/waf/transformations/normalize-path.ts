import type { Transformation } from '../types.js';

/**
 * Resolves `.` and `..` segments and collapses repeated `/`, as ModSecurity's normalizePath:
 * a `..` above the root of an absolute path is dropped, one at the start of a relative path is
 * kept, and a trailing `/` (or a final `.`/`..` segment) leaves a trailing `/`.
 */
export function normalizePathBytes(s: string): string {
  if (!/\/\/|(^|\/)\.\.?(\/|$)/.test(s)) return s;
  const absolute = s.startsWith('/');
  const parts = s.split('/');
  const last = parts[parts.length - 1];
  const trailing = s.length > 1 && (last === '' || last === '.' || last === '..');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!absolute) out.push('..');
      continue;
    }
    out.push(p);
  }
  let r = (absolute ? '/' : '') + out.join('/');
  if (trailing && out.length > 0) r += '/';
  return r;
}

/** `t:normalizePath` (alias `normalisePath`). */
export const normalizePath: Transformation = { name: 'normalizePath', fn: normalizePathBytes };
export const normalisePath: Transformation = { name: 'normalisePath', fn: normalizePathBytes };
