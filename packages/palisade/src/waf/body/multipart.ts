/**
 * The multipart/form-data body processor, with the anomaly flags ModSecurity exposes as
 * MULTIPART_* variables (CRS and the recommended ModSecurity setup check them: a part parsed
 * differently by the WAF and the application is an evasion).
 */

export interface MultipartPart {
  readonly name: string;
  /** Present for file parts. */
  readonly filename: string | undefined;
  readonly value: string;
  /** Raw header lines, `Name: value`. */
  readonly headers: readonly string[];
}

export interface MultipartFlags {
  boundaryQuoted: boolean;
  boundaryWhitespace: boolean;
  dataBefore: boolean;
  dataAfter: boolean;
  headerFolding: boolean;
  lfLine: boolean;
  crlfLfLines: boolean;
  missingSemicolon: boolean;
  invalidQuoting: boolean;
  invalidPart: boolean;
  invalidHeaderFolding: boolean;
  fileLimitExceeded: boolean;
  unmatchedBoundary: boolean;
}

export interface MultipartResult {
  readonly parts: MultipartPart[];
  readonly flags: MultipartFlags;
  /** Set when the body could not be parsed at all (REQBODY_ERROR). */
  readonly error: string | undefined;
}

export interface MultipartLimits {
  readonly maxParts: number;
  readonly maxHeaderLines: number;
}

export function emptyFlags(): MultipartFlags {
  return {
    boundaryQuoted: false, boundaryWhitespace: false, dataBefore: false, dataAfter: false, headerFolding: false,
    lfLine: false, crlfLfLines: false, missingSemicolon: false, invalidQuoting: false, invalidPart: false,
    invalidHeaderFolding: false, fileLimitExceeded: false, unmatchedBoundary: false,
  };
}

/** Extracts the boundary from a Content-Type value, noting the oddities ModSecurity flags. */
export function multipartBoundary(contentType: string, flags: MultipartFlags): string | undefined {
  const semi = contentType.indexOf(';');
  const m = /boundary\s*=\s*("([^"]*)"|([^;,\s]*))/i.exec(contentType);
  if (!m) return undefined;
  if (semi < 0 || semi > m.index) flags.missingSemicolon = true;
  if (/boundary\s+=|=\s+/i.test(contentType.slice(m.index))) flags.boundaryWhitespace = true;
  if (m[2] !== undefined) flags.boundaryQuoted = true;
  const b = m[2] ?? m[3] ?? '';
  if (/\s/.test(b)) flags.boundaryWhitespace = true;
  if (/boundary\s*=/gi.exec(contentType.slice(m.index + m[0].length))) flags.invalidPart = true; // two boundaries
  return b === '' ? undefined : b;
}

export function parseMultipart(body: string, contentType: string, limits: MultipartLimits): MultipartResult {
  const flags = emptyFlags();
  const parts: MultipartPart[] = [];
  const boundary = multipartBoundary(contentType, flags);
  if (boundary === undefined) return { parts, flags, error: 'Multipart: boundary not found in Content-Type' };
  const delim = '--' + boundary;
  let pos = body.startsWith(delim) ? 0 : body.indexOf('\n' + delim);
  if (pos < 0) return { parts, flags, error: 'Multipart: no boundary found in the body' };
  if (pos > 0) {
    pos += 1;
    if (/\S/.test(body.slice(0, pos))) flags.dataBefore = true;
  }
  let sawCrlf = false;
  for (;;) {
    pos += delim.length;
    if (body.startsWith('--', pos)) {
      const after = body.slice(pos + 2);
      if (/\S/.test(after)) flags.dataAfter = true;
      break;
    }
    // Trailing blanks after a delimiter are allowed by RFC 2046.
    while (body[pos] === ' ' || body[pos] === '\t') pos++;
    if (body.startsWith('\r\n', pos)) {
      pos += 2;
      sawCrlf = true;
    } else if (body[pos] === '\n') {
      pos += 1;
      flags.lfLine = true;
    } else {
      flags.invalidPart = true;
      return { parts, flags, error: 'Multipart: invalid boundary line' };
    }
    const next = body.indexOf('\n' + delim, pos);
    if (next < 0) return { parts, flags, error: 'Multipart: final boundary missing' };
    let raw = body.slice(pos, next);
    if (raw.endsWith('\r')) {
      raw = raw.slice(0, -1);
      sawCrlf = true;
    } else flags.lfLine = true;
    if (parts.length >= limits.maxParts) {
      flags.fileLimitExceeded = true;
      return { parts, flags, error: `Multipart: more than ${limits.maxParts} parts` };
    }
    const part = parsePart(raw, flags, limits, delim);
    if (part) parts.push(part);
    pos = next + 1;
  }
  if (flags.lfLine && sawCrlf) flags.crlfLfLines = true;
  return { parts, flags, error: undefined };
}

function parsePart(raw: string, flags: MultipartFlags, limits: MultipartLimits, delim: string): MultipartPart | undefined {
  let sepAt = raw.indexOf('\r\n\r\n');
  let sepLen = 4;
  const lf = raw.indexOf('\n\n');
  if (lf >= 0 && (sepAt < 0 || lf < sepAt)) {
    sepAt = lf;
    sepLen = 2;
    flags.lfLine = true;
  }
  if (raw.startsWith('\r\n') || raw.startsWith('\n')) {
    // A part with no headers at all.
    flags.invalidPart = true;
    return undefined;
  }
  if (sepAt < 0) {
    flags.invalidPart = true;
    return undefined;
  }
  const headerText = raw.slice(0, sepAt);
  const value = raw.slice(sepAt + sepLen);
  const lines = headerText.split('\n');
  if (lines.length > limits.maxHeaderLines) {
    flags.invalidPart = true;
    return undefined;
  }
  const headers: string[] = [];
  for (let li = 0; li < lines.length; li++) {
    let line = lines[li]!;
    // The last header line's ending belongs to the blank-line separator, checked above.
    if (line.endsWith('\r')) line = line.slice(0, -1);
    else if (li < lines.length - 1) flags.lfLine = true;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      flags.headerFolding = true;
      if (headers.length === 0) {
        flags.invalidHeaderFolding = true;
        continue;
      }
      headers[headers.length - 1] += ' ' + line.trim();
      continue;
    }
    if (line.indexOf(':') <= 0) {
      flags.invalidPart = true;
      continue;
    }
    headers.push(line);
  }
  for (const l of value.split('\n')) {
    if (l.startsWith('--') && l !== delim && l.replace(/\r$/, '').length >= delim.length && !l.startsWith(delim)) flags.unmatchedBoundary = true;
  }
  const cd = headers.find((h) => /^content-disposition\s*:/i.test(h));
  if (!cd) {
    flags.invalidPart = true;
    return undefined;
  }
  const params = parseDisposition(cd.slice(cd.indexOf(':') + 1), flags);
  if (params.type !== 'form-data' || params.name === undefined) {
    flags.invalidPart = true;
    return undefined;
  }
  return { name: params.name, filename: params.filename, value, headers };
}

function parseDisposition(s: string, flags: MultipartFlags): { type: string; name?: string; filename?: string } {
  const semi = s.indexOf(';');
  const type = (semi < 0 ? s : s.slice(0, semi)).trim().toLowerCase();
  const out: { type: string; name?: string; filename?: string } = { type };
  let p = semi < 0 ? s.length : semi + 1;
  while (p < s.length) {
    while (s[p] === ' ' || s[p] === '\t' || s[p] === ';') p++;
    if (p >= s.length) break;
    const eq = s.indexOf('=', p);
    if (eq < 0) {
      flags.invalidPart = true;
      break;
    }
    const key = s.slice(p, eq).trim().toLowerCase();
    p = eq + 1;
    while (s[p] === ' ' || s[p] === '\t') p++;
    let value = '';
    if (s[p] === '"') {
      p++;
      let closed = false;
      while (p < s.length) {
        const c = s[p]!;
        if (c === '\\' && (s[p + 1] === '"' || s[p + 1] === '\\')) {
          value += s[p + 1];
          p += 2;
          continue;
        }
        if (c === '"') {
          closed = true;
          p++;
          break;
        }
        value += c;
        p++;
      }
      if (!closed) flags.invalidQuoting = true;
      while (p < s.length && s[p] !== ';') {
        if (!/\s/.test(s[p]!)) flags.invalidQuoting = true;
        p++;
      }
    } else {
      const end = s.indexOf(';', p);
      value = (end < 0 ? s.slice(p) : s.slice(p, end)).trim();
      if (value.includes("'") || value.includes('"')) flags.invalidQuoting = true;
      p = end < 0 ? s.length : end;
    }
    if (key === 'name') {
      if (out.name !== undefined) flags.invalidPart = true;
      out.name = value;
    } else if (key === 'filename' || key === 'filename*') {
      if (out.filename !== undefined && key === 'filename') flags.invalidPart = true;
      out.filename = value;
    } else flags.invalidPart = true;
  }
  return out;
}
