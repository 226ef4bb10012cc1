// API versions and their lifecycle (part of the route step): a request is matched to a declared
// version by path prefix or header; deprecated versions answer with Deprecation (RFC 9745),
// Sunset (RFC 8594) and a successor link; retired versions are refused with 410.
import type { ApiConfig } from '../core/index.js';
import { CONTINUE, deny } from '../core/index.js';
import type { RequestContext, Stage } from './stage.js';
import { prefixMatches } from './router.js';

type VersionConfig = ApiConfig['versions'][number];

interface CompiledVersion {
  name: string;
  state: VersionConfig['state'];
  pathPrefix?: string;
  header?: { name: string; value: string };
  headers: Record<string, string>;
  link?: string;
  /** Epoch ms of the sunset; from then on a deprecated version answers as retired. */
  sunsetAt?: number;
}

/** RFC 9745: `@` followed by the Unix time in seconds (a structured-field Date). */
function deprecationValue(iso: string): string {
  return `@${Math.floor(Date.parse(iso) / 1000)}`;
}

function compile(v: VersionConfig): CompiledVersion {
  const headers: Record<string, string> = {};
  const link = v.successor ? `<${v.successor}>; rel="successor-version"` : undefined;
  if (v.state === 'deprecated') {
    if (v.deprecatedSince) headers.deprecation = deprecationValue(v.deprecatedSince);
    if (v.sunset) headers.sunset = new Date(v.sunset).toUTCString();
    if (link) headers.link = link;
  }
  return {
    name: v.name,
    state: v.state,
    ...(v.pathPrefix ? { pathPrefix: v.pathPrefix } : {}),
    ...(v.header ? { header: { name: v.header.name.toLowerCase(), value: v.header.value } } : {}),
    headers,
    ...(link ? { link } : {}),
    ...(v.state === 'deprecated' && v.sunset ? { sunsetAt: Date.parse(v.sunset) } : {}),
  };
}

function matches(v: CompiledVersion, ctx: RequestContext): boolean {
  if (v.pathPrefix && prefixMatches(v.pathPrefix, ctx.path)) return true;
  if (v.header) {
    const got = ctx.req.headers[v.header.name];
    if (got === v.header.value || (Array.isArray(got) && got.includes(v.header.value))) return true;
  }
  return false;
}

/** The versions stage of one API, or null when it declares no versions that can be matched. */
export function createVersionsStage(versions: ApiConfig['versions'], now: () => number = Date.now): Stage | null {
  const compiled = versions.filter((v) => v.pathPrefix || v.header).map(compile);
  if (compiled.length === 0) return null;
  // Longest path prefix first, so /api/v1beta is not taken for /api/v1.
  compiled.sort((a, b) => (b.pathPrefix?.length ?? 0) - (a.pathPrefix?.length ?? 0));
  return {
    name: 'versions',
    request(ctx) {
      for (const v of compiled) {
        if (!matches(v, ctx)) continue;
        // The sunset is a promise to clients: once it passes, the version is gone without waiting
        // for someone to edit the configuration.
        if (v.state === 'retired' || (v.sunsetAt !== undefined && now() >= v.sunsetAt)) {
          return deny('version-retired', 410, `API version ${v.name} has been retired.`, v.link ? { link: v.link } : undefined);
        }
        if (v.state === 'deprecated') ctx.extraResponseHeaders = { ...ctx.extraResponseHeaders, ...v.headers };
        return CONTINUE;
      }
      return CONTINUE;
    },
  };
}
