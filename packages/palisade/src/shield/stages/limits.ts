// Limits: refuse oversized requests before they cost the upstream anything (OWASP API4:2023).
// The head is checked at once; the body while it streams, so nothing is buffered to measure it.
import type { IncomingHttpHeaders } from 'node:http';
import type { Verdict } from '../../core/index.js';
import { CONTINUE, deny } from '../../core/index.js';
import type { BodyInspector, RequestContext, StageFactory } from '../stage.js';
import { JsonScanner } from './json-scan.js';

/** True for application/json and any structured-syntax '+json' type (application/problem+json...). */
export function isJsonContentType(value: string | undefined): boolean {
  if (value === undefined) return false;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  return type === 'application/json' || (type.endsWith('+json') && type.indexOf('/') > 0);
}

function hasBody(h: IncomingHttpHeaders): boolean {
  return h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');
}

class LimitsInspector implements BodyInspector {
  private bytes = 0;
  private verdict: Verdict | undefined;

  constructor(
    private readonly maxBytes: number,
    private readonly scanner: JsonScanner | null,
    private readonly verdicts: Verdicts,
  ) {}

  push(chunk: Buffer): Verdict | undefined {
    if (this.verdict) return this.verdict;
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return (this.verdict = this.verdicts.body);
    if (this.scanner) {
      const r = this.scanner.push(chunk);
      if (r === 'too-deep') return (this.verdict = this.verdicts.deep);
      if (r === 'too-many-keys') return (this.verdict = this.verdicts.keys);
    }
    return undefined;
  }

  end(): Verdict | undefined {
    return this.verdict;
  }
}

interface Verdicts {
  readonly body: Verdict;
  readonly deep: Verdict;
  readonly keys: Verdict;
}

export const createLimitsStage: StageFactory<'limits'> = (settings) => {
  if (!settings.enabled) return null;
  const { maxUrlLength, maxHeaderCount, maxHeaderBytes, maxBodyBytes, maxJsonDepth, maxJsonKeys, maxPageSize } = settings;
  const pageParams = new Set(settings.pageSizeParams);
  const pageTooLarge = Object.freeze(deny('page-size-too-large', 400, `Page sizes must be whole numbers no larger than ${maxPageSize}.`));
  // Built once: denials are shared, immutable objects, so refusing a flood allocates nothing.
  // Stating the limit helps honest clients and reveals nothing an attacker cannot measure.
  const uriTooLong = Object.freeze(deny('uri-too-long', 414, `The request target must not exceed ${maxUrlLength} bytes.`));
  const headersTooLarge = Object.freeze(
    deny('headers-too-large', 431, `At most ${maxHeaderCount} request headers totalling ${maxHeaderBytes} bytes are accepted.`),
  );
  const verdicts: Verdicts = {
    body: Object.freeze(deny('body-too-large', 413, `The request body must not exceed ${maxBodyBytes} bytes.`)),
    deep: Object.freeze(deny('json-too-deep', 400, `The JSON body must not nest deeper than ${maxJsonDepth} levels.`)),
    keys: Object.freeze(deny('json-too-many-keys', 400, `The JSON body must not contain more than ${maxJsonKeys} object keys.`)),
  };

  return {
    name: 'limits',

    request(ctx: RequestContext): Verdict {
      // Node reads the request line and headers as latin1, so string length is byte length.
      if (ctx.url.length > maxUrlLength) return uriTooLong;
      const raw = ctx.req.rawHeaders;
      if (raw.length > 2 * maxHeaderCount) return headersTooLarge;
      let bytes = 0;
      for (let i = 0; i < raw.length; i++) bytes += raw[i]!.length;
      if (bytes > maxHeaderBytes) return headersTooLarge;
      const cl = ctx.req.headers['content-length'];
      if (cl !== undefined && Number(cl) > maxBodyBytes) return verdicts.body;
      if (maxPageSize > 0) {
        const q = ctx.url.indexOf('?');
        if (q >= 0) {
          // Unbounded page sizes let one request dump a table (API4); every repetition is checked.
          for (const [k, v] of new URLSearchParams(ctx.url.slice(q + 1))) {
            if (pageParams.has(k) && !(/^\d{1,10}$/.test(v) && Number(v) <= maxPageSize)) return pageTooLarge;
          }
        }
      }
      return CONTINUE;
    },

    requestBody(ctx: RequestContext): BodyInspector | undefined {
      const h = ctx.req.headers;
      if (!hasBody(h)) return undefined;
      // A compressed body would be scanned as noise; its size is still counted.
      const encoding = h['content-encoding'];
      const json = isJsonContentType(h['content-type']) && (encoding === undefined || encoding.toLowerCase() === 'identity');
      // Node enforces Content-Length framing and request() already compared it with the limit,
      // so only chunked bodies and JSON bodies need watching.
      if (!json && h['transfer-encoding'] === undefined) return undefined;
      return new LimitsInspector(maxBodyBytes, json ? new JsonScanner(maxJsonDepth, maxJsonKeys) : null, verdicts);
    },
  };
};
