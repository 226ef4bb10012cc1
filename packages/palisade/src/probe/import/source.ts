// Reading an input (file or URL) and parsing it as JSON or YAML, tolerating the defects real
// documents have: tabs used for indentation are replaced and the parse retried, with a defect.
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { request } from 'undici';
import { parseDocument } from 'yaml';
import { PalisadeError } from '../../core/index.js';
import type { ImportDefect } from '../report.js';
import { IMPORT_LIMITS } from './model.js';

export interface RawInput {
  /** The file path (absolute) or URL. */
  location: string;
  isUrl: boolean;
  text: string;
}

function inputError(where: string, detail: string): PalisadeError {
  return new PalisadeError('PALISADE_ERR_SCAN_INPUT', `${where}: ${detail}`);
}

export async function readInput(location: string): Promise<RawInput> {
  if (/^https?:\/\//i.test(location)) {
    let res;
    try {
      res = await request(location, { method: 'GET', headersTimeout: IMPORT_LIMITS.fetchTimeoutMs, bodyTimeout: IMPORT_LIMITS.fetchTimeoutMs, maxRedirections: 0 } as Parameters<typeof request>[1]);
    } catch (err) {
      throw inputError(location, `cannot be fetched: ${(err as Error).message}`);
    }
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump();
      throw inputError(location, `answered HTTP ${res.statusCode}, not the document`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of res.body) {
      size += (c as Buffer).length;
      if (size > IMPORT_LIMITS.maxBytes) {
        res.body.destroy();
        throw inputError(location, `larger than ${IMPORT_LIMITS.maxBytes} bytes`);
      }
      chunks.push(c as Buffer);
    }
    return { location, isUrl: true, text: Buffer.concat(chunks).toString('utf8') };
  }
  const abs = resolve(location);
  let size: number;
  try {
    size = statSync(abs).size;
  } catch (err) {
    throw inputError(location, `cannot be read: ${(err as Error).message}`);
  }
  if (size > IMPORT_LIMITS.maxBytes) throw inputError(location, `larger than ${IMPORT_LIMITS.maxBytes} bytes`);
  return { location: abs, isUrl: false, text: readFileSync(abs, 'utf8') };
}

/** Parses JSON or YAML. Leading tabs (a common hand-editing defect) are replaced, with a warning. */
export function parseStructured(text: string, where: string, defects: ImportDefect[]): unknown {
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*[[{]/.test(body)) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      // JSON is YAML too; the YAML parser's message names the line.
    }
  }
  const first = parseDocument(body, { uniqueKeys: false, prettyErrors: false });
  if (first.errors.length === 0) return first.toJS({ maxAliasCount: IMPORT_LIMITS.maxAliasCount }) as unknown;
  const tabbed = body.split('\n').findIndex((l) => /^ *\t/.test(l));
  if (tabbed >= 0) {
    const fixed = body.replace(/^[ \t]+/gm, (ws) => ws.replace(/\t/g, '  '));
    const second = parseDocument(fixed, { uniqueKeys: false, prettyErrors: false });
    if (second.errors.length === 0) {
      defects.push({ severity: 'warning', message: `tabs used for indentation (first at line ${tabbed + 1}); read with each tab as two spaces`, line: tabbed + 1 });
      return second.toJS({ maxAliasCount: IMPORT_LIMITS.maxAliasCount }) as unknown;
    }
  }
  const e = first.errors[0]!;
  const line = e.linePos?.[0]?.line;
  throw inputError(where, `not valid JSON or YAML${line ? ` (line ${line})` : ''}: ${e.message.split('\n')[0]}`);
}
