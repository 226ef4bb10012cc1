/**
 * Cross-site scripting detection (`@detectXSS`).
 *
 * The input is tokenized as HTML5 from each place user input lands: page text, and inside an
 * attribute value (unquoted, single-, double- and back-quoted). It is XSS when the browser would
 * see: a tag that runs or loads code (script, iframe, object, svg…), an event-handler attribute
 * with a value, a URL attribute whose value is a script scheme (javascript:, vbscript:, data:
 * of an active type), a style attribute (CSS runs code in too many ways to sort), or a comment
 * construct that old browsers execute (conditional comments, backticks).
 *
 * The tag, attribute and scheme lists are this project's own, from the HTML, SVG and CSS
 * specifications and browser behaviour.
 *
 * Limits: each starting state is one linear pass (html5-tokenizer.ts); attribute values are
 * examined over at most VALUE_PREFIX bytes, enough to see a scheme behind padding.
 */
import { HtmlState, HtmlTokenType, tokenizeHtml } from './html5-tokenizer.js';

/** Bytes of an attribute value decoded and examined: schemes sit at the start. */
const VALUE_PREFIX = 256;

export interface XssResult {
  readonly isXss: boolean;
  /** What was found, e.g. `tag:script`, `attr:onerror`, `url:javascript`; '' when nothing. */
  readonly reason: string;
}

/** Elements that run script, load documents or plugins, or change how the page is parsed. */
const DANGEROUS_TAGS = new Set([
  'script', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'base', 'style', 'link',
  'meta', 'xml', 'import', 'vmlframe', 'isindex', 'handler', 'listener', 'noscript', 'param',
  'portal', 'math', 'xss', 'comment',
]);
/** Prefixes of element names that carry script-capable namespaces (svg, svg:svg, xsl:…). */
const DANGEROUS_TAG_PREFIXES = ['svg', 'xsl', 'xmp:', 'html:', 'xhtml:'];

/** Attributes whose value is a URL the browser fetches or navigates to. */
const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'data', 'lowsrc', 'dynsrc', 'background', 'codebase',
  'xlink:href', 'poster', 'from', 'to', 'values', 'by', 'xml:base', 'ping', 'cite', 'longdesc',
  'usemap', 'archive', 'classid', 'icon', 'manifest', 'profile', 'datasrc', 'code', 'folder',
  'content', 'xmlns:xlink', 'srcset', 'imagesrcset',
]);

/** Attributes that hold markup or script outright. */
const CODE_ATTRIBUTES = new Set(['srcdoc', 'attributename', 'seeksegmenttime', 'fscommand', 'xmlns:ev', 'ev:event', 'dataformatas', 'datafld']);

/** Schemes that run script when navigated to. */
const SCRIPT_SCHEMES = ['javascript:', 'vbscript:', 'livescript:', 'mocha:', 'view-source:', 'jar:', 'feed:', 'data:'];
/** `data:` types that are inert when loaded. */
const INERT_DATA = ['data:image/png', 'data:image/gif', 'data:image/jpeg', 'data:image/jpg', 'data:image/webp', 'data:image/bmp', 'data:image/x-icon', 'data:font/', 'data:audio/', 'data:video/', 'data:text/plain', 'data:text/css'];

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  colon: ':', tab: '\t', newline: '\n', lpar: '(', rpar: ')', lt: '<', gt: '>', amp: '&', quot: '"',
  apos: "'", sol: '/', bsol: '\\', semi: ';', comma: ',', period: '.', excl: '!', equals: '=',
  nbsp: ' ', num: '#', lsqb: '[', rsqb: ']', grave: '`', plus: '+',
};

/**
 * Decodes character references (numeric, and the named ones that spell schemes and calls) over
 * a prefix of `v`; the semicolon may be missing, as browsers accept in attribute values.
 */
export function decodeEntities(v: string, limit: number): string {
  if (!v.includes('&')) return v.length > limit ? v.slice(0, limit) : v;
  let out = '';
  for (let i = 0; i < v.length && out.length < limit; i++) {
    const c = v[i]!;
    if (c !== '&') {
      out += c;
      continue;
    }
    const m = /^&(?:#[xX]0*([0-9a-fA-F]{1,8})|#0*([0-9]{1,10})|([a-zA-Z]{2,8}));?/.exec(v.slice(i, i + 24));
    if (m === null) {
      out += c;
      continue;
    }
    let ch: string | undefined;
    if (m[1] !== undefined) ch = String.fromCodePoint(Math.min(parseInt(m[1], 16), 0x10ffff));
    else if (m[2] !== undefined) ch = String.fromCodePoint(Math.min(parseInt(m[2], 10), 0x10ffff));
    else ch = NAMED_ENTITIES[m[3]!.toLowerCase()];
    if (ch === undefined) {
      out += c;
      continue;
    }
    out += ch;
    i += m[0].length - 1;
  }
  return out;
}

/** A URL value as the browser's URL parser sees its scheme: controls and spaces gone, lower-cased. */
function urlHead(value: string): string {
  const v = decodeEntities(value, VALUE_PREFIX);
  let out = '';
  for (let i = 0; i < v.length && out.length < 40; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x20 && c !== 0x7f) out += v[i];
  }
  return out.toLowerCase();
}

/** The dangerous scheme `value` starts with, or ''. */
export function scriptScheme(value: string): string {
  const head = urlHead(value);
  for (const scheme of SCRIPT_SCHEMES) {
    if (!head.startsWith(scheme)) continue;
    if (scheme === 'data:' && INERT_DATA.some((t) => head.startsWith(t))) return '';
    return scheme.slice(0, -1);
  }
  return '';
}

/** A name without its namespace prefix (`x:script` → `script`). */
function localName(name: string): string {
  if (!name.includes(':')) return name;
  return name.slice(name.lastIndexOf(':') + 1);
}

/** Whether a tag name is one of the dangerous elements. */
function dangerousTag(tag: string): boolean {
  // Some parsers end a name at the first non-alphanumeric byte (`<script<{…}`).
  const m = /^[a-z0-9:-]*/.exec(tag);
  const name = m === null ? tag : m[0];
  if (DANGEROUS_TAGS.has(name) || DANGEROUS_TAGS.has(localName(name))) return true;
  for (const p of DANGEROUS_TAG_PREFIXES) if (name.startsWith(p)) return true;
  return false;
}

/**
 * DOM events (the part after `on`), current and legacy (IE, old Gecko/WebKit). A browser only
 * fires real events, so `online=yes` is an attribute named "online", not a handler.
 */
const EVENTS = new Set(`abort activate afterprint afterscriptexecute afterupdate animationcancel
  animationend animationiteration animationstart auxclick beforeactivate beforecopy beforecut
  beforedeactivate beforeeditfocus beforeinput beforematch beforepaste beforeprint
  beforescriptexecute beforetoggle beforeunload beforeupdate begin blur bounce cancel canplay
  canplaythrough cellchange change click close command contextlost contextmenu contextrestored
  controlselect copy cuechange cut dataavailable datasetchanged datasetcomplete dblclick deactivate
  drag dragdrop dragend dragenter dragexit dragleave dragover dragstart drop durationchange emptied
  encrypted end ended error errorupdate filterchange finish focus focusin focusout formdata
  fullscreenchange fullscreenerror gesturechange gestureend gesturestart gotpointercapture
  hashchange help input invalid keydown keypress keyup languagechange layoutcomplete load loadeddata
  loadedmetadata loadend loadstart losecapture lostpointercapture message messageerror mousedown
  mouseenter mouseleave mousemove mouseout mouseover mouseup mousewheel move moveend movestart
  mozfullscreenchange offline online orientationchange overflow pagehide pagereveal pageshow pageswap
  paste pause play playing pointercancel pointerdown pointerenter pointerleave pointermove pointerout
  pointerover pointerrawupdate pointerup popstate progress propertychange ratechange readystatechange
  rejectionhandled repeat reset resize resizeend resizestart rowenter rowexit rowsdelete rowsinserted
  scroll scrollend scrollsnapchange scrollsnapchanging search securitypolicyviolation seek seeked
  seeking select selectionchange selectstart show slotchange stalled start storage submit suspend
  timer timeupdate toggle touchcancel touchend touchmove touchstart trackchange transitioncancel
  transitionend transitionrun transitionstart unhandledrejection underflow unload urlflip
  visibilitychange volumechange waiting webkitanimationend webkitanimationiteration
  webkitanimationstart webkitmouseforcedown webkitmouseforceup webkitmouseforcewillbegin
  webkitplaybacktargetavailabilitychanged webkittransitionend webkitwillrevealbottom wheel zoom
  contentvisibilityautostatechange forminput formchange`.split(/\s+/).filter((e) => e !== ''));

/** Whether an attribute is an event handler: `on` + a DOM event name. */
function eventHandler(name: string): boolean {
  return name.startsWith('on') && EVENTS.has(name.slice(2));
}

const STATES = [HtmlState.Data, HtmlState.ValueUnquoted, HtmlState.ValueSingle, HtmlState.ValueDouble, HtmlState.ValueBacktick] as const;
const QUOTES: Readonly<Record<number, string>> = { [HtmlState.ValueSingle]: "'", [HtmlState.ValueDouble]: '"', [HtmlState.ValueBacktick]: '`' };

const NOT_XSS: XssResult = Object.freeze({ isXss: false, reason: '' });

/** Detects cross-site scripting in a byte string (see the module comment). */
export function detectXss(input: string): XssResult {
  // Every finding is a tag, a comment (both need `<`) or an attribute with a value (`=`).
  const hasLt = input.includes('<');
  if (!hasLt && !input.includes('=')) return NOT_XSS;
  let reason = '';
  const sink = (type: HtmlTokenType, text: string, attr: string): boolean => {
    switch (type) {
      case HtmlTokenType.TagOpen:
        if (dangerousTag(text)) reason = `tag:${text}`;
        break;
      case HtmlTokenType.AttrName:
        if (attr === '=' && eventHandler(localName(text))) reason = `attr:${text}`;
        else if (attr === '=' && CODE_ATTRIBUTES.has(text)) reason = `attr:${text}`;
        break;
      case HtmlTokenType.AttrValue:
        if (URL_ATTRIBUTES.has(attr)) {
          const scheme = scriptScheme(text);
          if (scheme !== '') reason = `url:${scheme}`;
        } else if (attr === 'style' && text.trim() !== '') {
          // CSS has too many ways to run or smuggle code (expressions, bindings, escapes, parser
          // differentials) to tell safe styles apart: user-supplied style is flagged.
          reason = 'attr:style';
        }
        break;
      case HtmlTokenType.Comment: {
        // IE conditional comments run their content; a backtick in a comment breaks out in IE.
        const t = text.toLowerCase();
        // DOCTYPE internal subsets declare entities and attribute defaults (onerror CDATA…); PIs
        // import behaviours or XSL.
        if (t.startsWith('[if') || t.startsWith('[endif') || text.includes('`') || t.startsWith('import') || t.startsWith('xml') || t.startsWith('entity') || t.includes('<!entity') || t.includes('<!attlist')) {
          reason = 'comment';
        }
        break;
      }
      default:
        break;
    }
    return reason !== '';
  };
  for (const state of STATES) {
    if (state === HtmlState.Data) {
      if (!hasLt) continue;
    } else {
      const q = QUOTES[state];
      if (q !== undefined) {
        if (!input.includes(q)) continue;
      } else if (!/[\s>]/.test(input)) continue;
    }
    if (tokenizeHtml(input, state, sink)) return { isXss: true, reason };
  }
  return NOT_XSS;
}
