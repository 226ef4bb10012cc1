/**
 * `application/x-www-form-urlencoded` and query strings, decoded as ModSecurity does: `+` is a
 * space, `%XX` with two hex digits is a byte, anything else stays as written (and is reported,
 * for URLENCODED_ERROR).
 */

/** Decodes one name or value (a byte string in, a byte string out). */
export function urlDecode(s: string): { value: string; invalid: boolean } {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return { value: s, invalid: false };
  let out = '';
  let invalid = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2b) out += ' ';
    else if (c === 0x25) {
      const h = hex(s.charCodeAt(i + 1));
      const l = hex(s.charCodeAt(i + 2));
      if (h >= 0 && l >= 0) {
        out += String.fromCharCode(h * 16 + l);
        i += 2;
      } else {
        invalid = true;
        out += '%';
      }
    } else out += s[i];
  }
  return { value: out, invalid };
}

function hex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Splits `a=1&b=2&c` into decoded pairs, calling `add` for each; stops when `add` returns false
 * (the arguments limit). Returns whether any part was badly encoded.
 */
export function parseUrlEncoded(s: string, separator: string, add: (name: string, value: string) => boolean): boolean {
  let invalid = false;
  let start = 0;
  while (start <= s.length) {
    let end = s.indexOf(separator, start);
    if (end < 0) end = s.length;
    const part = s.slice(start, end);
    start = end + 1;
    if (part === '') {
      if (end >= s.length) break;
      continue;
    }
    const eq = part.indexOf('=');
    const n = urlDecode(eq < 0 ? part : part.slice(0, eq));
    const v = urlDecode(eq < 0 ? '' : part.slice(eq + 1));
    invalid ||= n.invalid || v.invalid;
    if (!add(n.value, v.value)) break;
    if (end >= s.length) break;
  }
  return invalid;
}
