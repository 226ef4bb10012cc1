/**
 * The XML body processor: parses with saxes (a streaming, non-validating parser that never fetches
 * external entities) into what CRS's targets need: `XML:/*` (the text content of the document,
 * as libxml2's node content: all text nodes concatenated) and `XML://@*` (every attribute value).
 */
import { SaxesParser } from 'saxes';

export interface XmlDoc {
  /** Text of every text and CDATA node, in document order, concatenated. */
  readonly text: string;
  /** Every attribute value, in document order. */
  readonly attributes: readonly string[];
}

export interface XmlLimits {
  readonly maxDepth: number;
  readonly maxAttributes: number;
}

/** Parses a byte string (UTF-8 bytes as latin1 chars). Throws an Error naming the problem. */
export function parseXmlBody(text: string, limits: XmlLimits): XmlDoc {
  const parser = new SaxesParser({ xmlns: false });
  const parts: string[] = [];
  const attributes: string[] = [];
  let depth = 0;
  let error: Error | undefined;
  parser.on('error', (e) => {
    error ??= e;
  });
  parser.on('text', (t) => parts.push(t));
  parser.on('cdata', (t) => parts.push(t));
  parser.on('opentag', (tag) => {
    if (++depth > limits.maxDepth) error ??= new Error(`XML nested deeper than ${limits.maxDepth} levels`);
    for (const v of Object.values(tag.attributes)) {
      if (attributes.length >= limits.maxAttributes) {
        error ??= new Error(`more than ${limits.maxAttributes} XML attributes`);
        break;
      }
      attributes.push(toBytes(v));
    }
  });
  parser.on('closetag', () => {
    depth--;
  });
  const utf = Buffer.from(text, 'latin1').toString('utf8');
  try {
    parser.write(utf).close();
  } catch (e) {
    error ??= e as Error;
  }
  if (error) throw new Error(`invalid XML: ${error.message.split('\n')[0]}`);
  return { text: toBytes(parts.join('')), attributes };
}

function toBytes(s: string): string {
  // eslint-disable-next-line no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : Buffer.from(s, 'utf8').toString('latin1');
}
