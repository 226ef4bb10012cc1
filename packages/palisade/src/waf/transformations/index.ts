/**
 * The transformation registry: one file per transformation, each listed once here. Keyed by the
 * lower-cased SecLang name (the parser looks names up case-insensitively).
 */
import type { Transformation } from '../types.js';
import { base64Decode } from './base64-decode.js';
import { base64DecodeExt } from './base64-decode-ext.js';
import { base64Encode } from './base64-encode.js';
import { cmdLine } from './cmd-line.js';
import { compressWhitespace } from './compress-whitespace.js';
import { cssDecode } from './css-decode.js';
import { escapeSeqDecode } from './escape-seq-decode.js';
import { hexDecode } from './hex-decode.js';
import { hexEncode } from './hex-encode.js';
import { htmlEntityDecode } from './html-entity-decode.js';
import { jsDecode } from './js-decode.js';
import { length } from './length.js';
import { lowercase } from './lowercase.js';
import { md5 } from './md5.js';
import { none } from './none.js';
import { normalisePath, normalizePath } from './normalize-path.js';
import { normalisePathWin, normalizePathWin } from './normalize-path-win.js';
import { removeComments } from './remove-comments.js';
import { removeCommentsChar } from './remove-comments-char.js';
import { removeNulls } from './remove-nulls.js';
import { removeWhitespace } from './remove-whitespace.js';
import { replaceComments } from './replace-comments.js';
import { replaceNulls } from './replace-nulls.js';
import { sha1 } from './sha1.js';
import { sqlHexDecode } from './sql-hex-decode.js';
import { trim } from './trim.js';
import { trimLeft } from './trim-left.js';
import { trimRight } from './trim-right.js';
import { uppercase } from './uppercase.js';
import { urlDecode } from './url-decode.js';
import { urlDecodeUni } from './url-decode-uni.js';
import { urlEncode } from './url-encode.js';
import { utf8toUnicode } from './utf8-to-unicode.js';

const ALL: readonly Transformation[] = [
  base64Decode,
  base64DecodeExt,
  base64Encode,
  cmdLine,
  compressWhitespace,
  cssDecode,
  escapeSeqDecode,
  hexDecode,
  hexEncode,
  htmlEntityDecode,
  jsDecode,
  length,
  lowercase,
  md5,
  none,
  normalisePath,
  normalizePath,
  normalisePathWin,
  normalizePathWin,
  removeComments,
  removeCommentsChar,
  removeNulls,
  removeWhitespace,
  replaceComments,
  replaceNulls,
  sha1,
  sqlHexDecode,
  trim,
  trimLeft,
  trimRight,
  uppercase,
  urlDecode,
  urlDecodeUni,
  urlEncode,
  utf8toUnicode,
];

export const TRANSFORMATIONS: ReadonlyMap<string, Transformation> = new Map(ALL.map((t) => [t.name.toLowerCase(), t]));
