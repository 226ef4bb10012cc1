// XML bodies (validate step): parsed as they stream, with limits on nesting and attributes, and
// any DOCTYPE refused outright — DTDs carry the entity declarations behind XXE and entity
// expansion ("billion laughs"), and an API has no use for them. Nothing is expanded or fetched.
import { StringDecoder } from 'node:string_decoder';
import { SaxesParser } from 'saxes';
import type { StageSettings, Verdict } from '../../core/index.js';
import { deny } from '../../core/index.js';
import type { BodyInspector, Stage, StageFactory } from '../stage.js';

type Settings = StageSettings['xml'];

/** text/xml, application/xml and every structured '+xml' type (application/soap+xml...). */
export function isXmlContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'text/xml' || type === 'application/xml' || (type.endsWith('+xml') && type.includes('/'));
}

class XmlInspector implements BodyInspector {
  private readonly parser = new SaxesParser({ position: false });
  private readonly decoder = new StringDecoder('utf8');
  private verdict: Verdict | undefined;
  private depth = 0;
  private attributes = 0;
  private elements = 0;

  constructor(private readonly s: Settings) {
    const p = this.parser;
    p.on('doctype', () => this.fail(deny('xml-dtd-refused', 400, 'XML document type declarations (DTDs) are not accepted.')));
    p.on('opentagstart', () => {
      this.attributes = 0;
      if (++this.depth > s.maxDepth) this.fail(deny('xml-too-deep', 400, `XML elements must not nest deeper than ${s.maxDepth} levels.`));
      if (++this.elements > s.maxElements) this.fail(deny('xml-too-large', 400, `An XML body may hold at most ${s.maxElements} elements.`));
    });
    p.on('attribute', () => {
      if (++this.attributes > s.maxAttributes) this.fail(deny('xml-too-many-attributes', 400, `An XML element may carry at most ${s.maxAttributes} attributes.`));
    });
    p.on('closetag', () => {
      this.depth--;
    });
    p.on('error', () => this.fail(deny('xml-malformed', 400, 'The XML body is not well-formed.')));
  }

  private fail(v: Verdict): void {
    this.verdict ??= v;
  }

  push(chunk: Buffer): Verdict | undefined {
    if (this.verdict) return this.verdict;
    this.parser.write(this.decoder.write(chunk));
    return this.verdict;
  }

  end(): Verdict | undefined {
    if (this.verdict) return this.verdict;
    this.parser.write(this.decoder.end());
    this.parser.close();
    return this.verdict;
  }
}

export const createXmlStage: StageFactory<'xml'> = (settings): Stage | null => {
  if (!settings.enabled) return null;
  return {
    name: 'xml',
    requestBody(ctx) {
      const h = ctx.req.headers;
      if (!isXmlContentType(h['content-type'])) return undefined;
      const enc = h['content-encoding'];
      if (enc !== undefined && enc.toLowerCase() !== 'identity') {
        return { push: () => deny('xml-encoding-refused', 415, 'Compressed XML bodies are not accepted.'), end: () => undefined };
      }
      return new XmlInspector(settings);
    },
  };
};
