/**
 * The operator registry: one file per operator, each listed once here, keyed by the lower-cased
 * SecLang name without `@`. `@detectSQLi` and `@detectXSS` are added here by their own files.
 */
import type { OperatorFactory } from '../types.js';
import { beginsWith } from './begins-with.js';
import { contains } from './contains.js';
import { detectSQLi } from './detect-sqli.js';
import { detectXSS } from './detect-xss.js';
import { containsWord } from './contains-word.js';
import { endsWith } from './ends-with.js';
import { eq } from './eq.js';
import { ge } from './ge.js';
import { geoLookup } from './geo-lookup.js';
import { gt } from './gt.js';
import { inspectFile } from './inspect-file.js';
import { ipMatch } from './ip-match.js';
import { ipMatchF, ipMatchFromFile } from './ip-match-from-file.js';
import { le } from './le.js';
import { lt } from './lt.js';
import { noMatch } from './no-match.js';
import { pm } from './pm.js';
import { pmf, pmFromFile } from './pm-from-file.js';
import { rbl } from './rbl.js';
import { rx } from './rx.js';
import { streq } from './streq.js';
import { strmatch } from './strmatch.js';
import { unconditionalMatch } from './unconditional-match.js';
import { validateByteRange } from './validate-byte-range.js';
import { validateDTD } from './validate-dtd.js';
import { validateSchema } from './validate-schema.js';
import { validateUrlEncoding } from './validate-url-encoding.js';
import { validateUtf8Encoding } from './validate-utf8-encoding.js';
import { verifyCC } from './verify-cc.js';
import { verifySSN } from './verify-ssn.js';
import { within } from './within.js';

const ALL: readonly OperatorFactory[] = [
  beginsWith,
  contains,
  containsWord,
  detectSQLi,
  detectXSS,
  endsWith,
  eq,
  ge,
  geoLookup,
  gt,
  inspectFile,
  ipMatch,
  ipMatchF,
  ipMatchFromFile,
  le,
  lt,
  noMatch,
  pm,
  pmf,
  pmFromFile,
  rbl,
  rx,
  streq,
  strmatch,
  unconditionalMatch,
  validateByteRange,
  validateDTD,
  validateSchema,
  validateUrlEncoding,
  validateUtf8Encoding,
  verifyCC,
  verifySSN,
  within,
];

export const OPERATORS: ReadonlyMap<string, OperatorFactory> = new Map(ALL.map((o) => [o.name.toLowerCase(), o]));

/**
 * Built-in operators whose result depends on the input alone once the parameter has no macro:
 * no per-transaction state, and nothing written on a non-match (captures happen only on a match).
 * The engine remembers the inputs they did not match (the costly ones: regexes, phrase automata,
 * the injection detectors, IP lists); a factory substituted through the options is not in here.
 */
export const PURE_OPERATORS: ReadonlySet<OperatorFactory> = new Set([rx, pm, pmf, pmFromFile, detectSQLi, detectXSS, ipMatch, ipMatchF, ipMatchFromFile]);
