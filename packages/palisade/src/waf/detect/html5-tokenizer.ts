/**
 * A small HTML5 tokenizer for XSS detection: it follows the tokenization states of the HTML
 * Living Standard closely enough to see what a browser would see as tags, attributes and
 * comments — not a tree builder, and no character references (the detector decodes values).
 *
 * It can start in the data state or inside an attribute value (unquoted, single-, double- or
 * back-quoted, the last for legacy IE), because user input lands in all of those places.
 *
 * Limits: one forward pass; every byte is looked at a bounded number of times (searches for a
 * delimiter resume where they stopped), so the work is linear in the input.
 */

export const enum HtmlState {
  Data = 0,
  ValueUnquoted = 1,
  ValueSingle = 2,
  ValueDouble = 3,
  ValueBacktick = 4,
}

export const enum HtmlTokenType {
  /** `<name`: a start tag opened (name lower-cased, NULs removed). */
  TagOpen = 1,
  /** `</name`. */
  TagClose = 2,
  AttrName = 3,
  /** An attribute value (raw, not entity-decoded); `name` is the attribute it belongs to ('' when unknown). */
  AttrValue = 4,
  /** `<!-- … -->`, `<!…>`, `<?…>` and other bogus comments; the text is the content. */
  Comment = 5,
}

/**
 * Called for each token; returning true stops the scan (the detector found what it looks for).
 * `text` is the tag/attribute name or the value/comment content.
 */
export type HtmlTokenSink = (type: HtmlTokenType, text: string, attr: string) => boolean;

/** HTML whitespace, plus the vertical tab legacy IE also skips between attributes. */
function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0b || c === 0x0c || c === 0x0d;
}

function isAlpha(c: number): boolean {
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x7a;
}

/** Lower-cases ASCII and drops NULs (browsers turn them into U+FFFD, which no name contains). */
function normName(s: string): string {
  return (s.includes('\0') ? s.replaceAll('\0', '') : s).toLowerCase();
}

/**
 * Tokenizes `s` from `state`, calling `sink` per token. Returns true when the sink stopped the
 * scan.
 */
export function tokenizeHtml(s: string, state: HtmlState, sink: HtmlTokenSink): boolean {
  const n = s.length;
  let i = 0;
  // Inside a tag (before an attribute name, or after a value), else in the data state.
  let inTag = false;
  // The tag is an end tag: its attributes are parsed and dropped, as the standard says.
  let endTag = false;
  if (state !== HtmlState.Data) {
    const q = state === HtmlState.ValueSingle ? "'" : state === HtmlState.ValueDouble ? '"' : state === HtmlState.ValueBacktick ? '`' : '';
    if (q === '') {
      let j = 0;
      while (j < n && !isSpace(s.charCodeAt(j)) && s[j] !== '>') j++;
      if (sink(HtmlTokenType.AttrValue, s.slice(0, j), '')) return true;
      i = j;
      inTag = true;
    } else {
      const end = s.indexOf(q);
      if (end < 0) return sink(HtmlTokenType.AttrValue, s, '');
      if (sink(HtmlTokenType.AttrValue, s.slice(0, end), '')) return true;
      i = end + 1;
      inTag = true;
    }
  }
  while (i < n) {
    if (!inTag) {
      // Data state: only `<` matters.
      const lt = s.indexOf('<', i);
      if (lt < 0) return false;
      i = lt + 1;
      const c = s.charCodeAt(i);
      if (c === 0x21) {
        // Markup declaration: comment, doctype, CDATA — all end the same way for our purpose.
        if (s.startsWith('--', i + 1)) {
          let end = s.indexOf('-->', i + 3);
          // `<!-->` and `<!--->` close at once.
          if (s.startsWith('>', i + 3)) end = i + 1;
          else if (s.startsWith('->', i + 3)) end = i + 2;
          const alt = s.indexOf('--!>', i + 3);
          if (alt >= 0 && (end < 0 || alt < end)) end = alt;
          const stop = end < 0 ? n : end;
          if (sink(HtmlTokenType.Comment, s.slice(i + 3, Math.max(i + 3, stop)), '')) return true;
          i = end < 0 ? n : s.indexOf('>', stop) + 1;
        } else {
          const gt = s.indexOf('>', i);
          if (sink(HtmlTokenType.Comment, s.slice(i + 1, gt < 0 ? n : gt), '')) return true;
          i = gt < 0 ? n : gt + 1;
        }
        continue;
      }
      if (c === 0x25) {
        // `<% … %>`: legacy IE skips it like a comment, which hides what follows from
        // tokenizers that do not (`<% x="%><script>`).
        const end = s.indexOf('%>', i + 1);
        if (sink(HtmlTokenType.Comment, s.slice(i + 1, end < 0 ? n : end), '')) return true;
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (c === 0x3f) {
        const gt = s.indexOf('>', i);
        if (sink(HtmlTokenType.Comment, s.slice(i + 1, gt < 0 ? n : gt), '')) return true;
        i = gt < 0 ? n : gt + 1;
        continue;
      }
      if (c === 0x2f) {
        const d = s.charCodeAt(i + 1);
        if (isAlpha(d)) {
          let j = i + 1;
          while (j < n && !isSpace(s.charCodeAt(j)) && s[j] !== '/' && s[j] !== '>') j++;
          if (sink(HtmlTokenType.TagClose, normName(s.slice(i + 1, j)), '')) return true;
          i = j;
          inTag = true;
          endTag = true;
          continue;
        }
        if (d === 0x3e) {
          i += 2;
          continue;
        }
        // `</` + anything else: a bogus comment to the next `>`.
        const gt = s.indexOf('>', i);
        if (sink(HtmlTokenType.Comment, s.slice(i + 1, gt < 0 ? n : gt), '')) return true;
        i = gt < 0 ? n : gt + 1;
        continue;
      }
      // NULs are dropped before the detector runs in CRS (t:removeNulls); skip them here too.
      while (s.charCodeAt(i) === 0) i++;
      if (!isAlpha(s.charCodeAt(i))) continue; // a lone `<` is text
      let j = i;
      while (j < n && !isSpace(s.charCodeAt(j)) && s[j] !== '/' && s[j] !== '>') j++;
      if (sink(HtmlTokenType.TagOpen, normName(s.slice(i, j)), '')) return true;
      i = j;
      inTag = true;
      endTag = false;
      continue;
    }
    // Inside a tag: before an attribute name, or right after a quoted value (which the standard
    // treats the same way, after a parse error when no space follows).
    const c = s.charCodeAt(i);
    if (isSpace(c) || c === 0x2f) {
      i++;
      continue;
    }
    if (c === 0x3e) {
      i++;
      inTag = false;
      continue;
    }
    // Attribute name: a leading `=` belongs to the name.
    let j = i + 1;
    while (j < n) {
      const d = s.charCodeAt(j);
      if (isSpace(d) || d === 0x2f || d === 0x3e || d === 0x3d) break;
      j++;
    }
    const name = normName(s.slice(i, j));
    i = j;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    const hasValue = s.charCodeAt(i) === 0x3d;
    if (!endTag && sink(HtmlTokenType.AttrName, name, hasValue ? '=' : '')) return true;
    if (!hasValue) continue;
    i++;
    while (i < n && isSpace(s.charCodeAt(i))) i++;
    const q = s.charCodeAt(i);
    let value: string;
    if (q === 0x22 || q === 0x27 || q === 0x60) {
      const end = s.indexOf(String.fromCharCode(q), i + 1);
      value = s.slice(i + 1, end < 0 ? n : end);
      i = end < 0 ? n : end + 1;
    } else if (q === 0x3e) {
      value = '';
    } else {
      let e = i;
      while (e < n && !isSpace(s.charCodeAt(e)) && s[e] !== '>') e++;
      value = s.slice(i, e);
      i = e;
    }
    if (!endTag && sink(HtmlTokenType.AttrValue, value, name)) return true;
  }
  return false;
}
