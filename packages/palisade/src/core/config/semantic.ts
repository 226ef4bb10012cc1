// Checks the schema cannot express: references between sections, address syntax, and
// combinations that are valid but unsafe.
import { isIP } from 'node:net';
import { detail, type Detail, type Locator } from './locate.js';
import { checkAuthenticate } from './authenticate.js';
import { mergeStageSettings } from './merge.js';
import type { PalisadeConfig, StageOverrides } from './schema.js';
import { closest, type OptionPath } from './walk.js';

export interface SemanticResult {
  /** Mistakes: PALISADE_ERR_CONFIG_INVALID. */
  readonly invalid: Detail[];
  /** Valid but refused because unsafe: PALISADE_ERR_CONFIG_UNSAFE. */
  readonly unsafe: Detail[];
}

/** null when `value` is an IPv4/IPv6 address or CIDR block, else why not. */
export function checkIpOrCidr(value: string): string | null {
  const slash = value.indexOf('/');
  const addr = slash < 0 ? value : value.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) return `expected an IPv4/IPv6 address or CIDR block, got ${JSON.stringify(value)}`;
  if (slash < 0) return null;
  const prefix = value.slice(slash + 1);
  const max = family === 4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(prefix)) return `CIDR prefix /${prefix} is not a number in ${JSON.stringify(value)}`;
  if (Number(prefix) > max) return `CIDR prefix /${prefix} is out of range for IPv${family} (0–${max}) in ${JSON.stringify(value)}`;
  return null;
}

// Exactly what a browser sends in Origin: lower-case scheme and host, optional port, nothing after.
const ORIGIN = /^([a-z][a-z0-9+.-]*):\/\/(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/;

/** null when `value` is a usable CORS origin entry ('*' or scheme://host[:port]), else why not. */
export function checkOrigin(value: string): string | null {
  if (value === '*') return null;
  const m = ORIGIN.exec(value);
  if (m) {
    const port = m[3];
    if (port !== undefined && (Number(port) < 1 || Number(port) > 65535)) return `port ${port} is out of range in ${JSON.stringify(value)}`;
    return null;
  }
  if (ORIGIN.test(value.toLowerCase())) {
    return `origins are compared exactly and browsers send them in lower case: write ${JSON.stringify(value.toLowerCase())}`;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]+\/.*$/i.test(value)) {
    return `expected an origin (scheme://host[:port]) without path or trailing slash, got ${JSON.stringify(value)}`;
  }
  return `expected '*' or an origin (scheme://host[:port]), got ${JSON.stringify(value)}`;
}

// Host header values without a port: a DNS name (optionally *.), or a bracketed IPv6 literal.
const ROUTE_HOST = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.?$|^\[[0-9a-f:.]+\]$/i;

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]', '']);

export function semanticChecks(cfg: PalisadeConfig, loc: Locator): SemanticResult {
  const invalid: Detail[] = [];
  const unsafe: Detail[] = [];
  const bad = (path: OptionPath, message: string) => invalid.push(detail(loc.where(path), path, message));

  // APIs: unique names, unique versions.
  const apiIndex = new Map<string, number>();
  cfg.apis.forEach((api, i) => {
    const first = apiIndex.get(api.name);
    if (first !== undefined) bad(['apis', i, 'name'], `duplicate API name "${api.name}" (first at ${loc.line(['apis', first, 'name'])})`);
    else apiIndex.set(api.name, i);
    const versions = new Map<string, number>();
    api.versions.forEach((v, j) => {
      const vf = versions.get(v.name);
      if (vf !== undefined) {
        bad(['apis', i, 'versions', j, 'name'], `duplicate version "${v.name}" (first at ${loc.line(['apis', i, 'versions', vf, 'name'])})`);
      } else versions.set(v.name, j);
    });
  });

  // Routes: known API, sane host, no duplicates.
  const apiNames = [...apiIndex.keys()];
  const routeIndex = new Map<string, number>();
  cfg.routes.forEach((route, i) => {
    if (!apiIndex.has(route.api)) {
      const guess = closest(route.api, apiNames);
      const hint = guess
        ? `; did you mean "${guess}"?`
        : apiNames.length > 0
          ? `; APIs: ${apiNames.join(', ')}`
          : '; no APIs are declared under apis';
      bad(['routes', i, 'api'], `no API named "${route.api}"${hint}`);
    }
    if (route.host !== undefined && !ROUTE_HOST.test(route.host)) {
      bad(['routes', i, 'host'], `expected a host name without port (optionally starting with *.), got ${JSON.stringify(route.host)}`);
    }
    const key = `${(route.host ?? '').toLowerCase().replace(/\.$/, '')}\u0000${route.pathPrefix}`;
    const first = routeIndex.get(key);
    if (first !== undefined) {
      const what = route.host === undefined ? `pathPrefix ${route.pathPrefix}` : `host ${route.host} and pathPrefix ${route.pathPrefix}`;
      bad(['routes', i], `duplicate route: same ${what} as routes[${first}] (${loc.line(['routes', first])})`);
    } else routeIndex.set(key, i);
  });
  if (cfg.apis.length > 1 && cfg.routes.length === 0) {
    bad(['apis'], `${cfg.apis.length} APIs but no routes: add routes so that each request reaches the right API`);
  }

  // Addresses.
  const ipList = (path: OptionPath, list: readonly string[] | undefined) =>
    list?.forEach((v, i) => {
      const why = checkIpOrCidr(v);
      if (why) bad([...path, i], why);
    });
  ipList(['gateway', 'trustedProxies'], cfg.gateway.trustedProxies);
  ipList(['defaults', 'ipFilter', 'allow'], cfg.defaults.ipFilter.allow);
  ipList(['defaults', 'ipFilter', 'deny'], cfg.defaults.ipFilter.deny);
  cfg.routes.forEach((r, i) => {
    ipList(['routes', i, 'stages', 'ipFilter', 'allow'], r.stages?.ipFilter?.allow);
    ipList(['routes', i, 'stages', 'ipFilter', 'deny'], r.stages?.ipFilter?.deny);
  });

  // CORS: origin syntax, and the wildcard-with-credentials combination browsers would honour
  // for any site if it were echoed back.
  const origins = (path: OptionPath, list: readonly string[] | undefined) =>
    list?.forEach((v, i) => {
      const why = checkOrigin(v);
      if (why) bad([...path, i], why);
    });
  origins(['defaults', 'cors', 'origins'], cfg.defaults.cors.origins);
  const wildcardWithCredentials = (path: OptionPath, origins: readonly string[], credentials: boolean, scope: string) => {
    if (credentials && origins.includes('*')) {
      unsafe.push(
        detail(
          loc.where(path),
          path,
          `'*' in cors.origins together with cors.credentials: true${scope} would let any web site make credentialed requests; list the allowed origins explicitly`,
        ),
      );
    }
  };
  wildcardWithCredentials(['defaults', 'cors', 'origins'], cfg.defaults.cors.origins, cfg.defaults.cors.credentials, '');
  const defaultsUnsafe = cfg.defaults.cors.credentials && cfg.defaults.cors.origins.includes('*');
  cfg.routes.forEach((r, i) => {
    const own: StageOverrides['cors'] = r.stages?.cors;
    origins(['routes', i, 'stages', 'cors', 'origins'], own?.origins);
    // A route that touches neither setting inherits the defaults' problem, already reported once.
    if (!own || (own.origins === undefined && own.credentials === undefined)) return;
    if (defaultsUnsafe && own.origins === undefined && own.credentials === true) return;
    const merged = mergeStageSettings(cfg.defaults, r.stages).cors;
    const at: OptionPath = own.origins !== undefined ? ['routes', i, 'stages', 'cors', 'origins'] : ['routes', i, 'stages', 'cors', 'credentials'];
    wildcardWithCredentials(at, merged.origins, merged.credentials, ` (merged with defaults for routes[${i}])`);
  });

  // Store.
  if (cfg.store.driver === 'postgres') {
    if (cfg.store.url === undefined) {
      bad(['store', 'url'], 'required when store.driver is postgres (or set PALISADE_STORE_URL)');
    } else if (!/^postgres(ql)?:\/\/[^/?#]/i.test(cfg.store.url)) {
      bad(['store', 'url'], 'expected a postgres:// or postgresql:// connection URL');
    }
  }

  // Authentication: each method has its settings, one key source, algorithms that fit it.
  const clientCa = cfg.gateway.tls?.clientCa !== undefined;
  for (const p of checkAuthenticate(cfg.defaults.authenticate, clientCa)) bad(['defaults', 'authenticate', ...p.path], p.message);
  cfg.routes.forEach((r, i) => {
    if (!r.stages?.authenticate) return;
    for (const p of checkAuthenticate(mergeStageSettings(cfg.defaults, r.stages).authenticate, clientCa)) bad(['routes', i, 'stages', 'authenticate', ...p.path], p.message);
  });

  // SOAP: a stage with nothing to allow would refuse every SOAP request.
  const soapAllowsNothing = (s: PalisadeConfig['defaults']['soap']) => s.enabled && s.wsdl === undefined && s.operations.length === 0;
  const soapHint = 'soap is enabled without a wsdl or any operations, so every SOAP request would be refused; set soap.wsdl or soap.operations';
  if (soapAllowsNothing(cfg.defaults.soap) && (cfg.routes.length === 0 || cfg.routes.some((r) => r.stages?.soap === undefined))) bad(['defaults', 'soap', 'enabled'], soapHint);
  cfg.routes.forEach((r, i) => {
    if (r.stages?.soap !== undefined && soapAllowsNothing(mergeStageSettings(cfg.defaults, r.stages).soap)) bad(['routes', i, 'stages', 'soap'], soapHint);
  });

  // Listeners that would collide in one process.
  const g = cfg.gateway.listen;
  const a = cfg.admin.listen;
  const overlaps = (h1: string, h2: string) => h1 === h2 || WILDCARD_HOSTS.has(h1) || WILDCARD_HOSTS.has(h2);
  if (cfg.admin.enabled && g.port !== 0 && g.port === a.port && overlaps(g.host, a.host)) {
    bad(['admin', 'listen', 'port'], `port ${a.port} is already used by gateway.listen.port (${loc.line(['gateway', 'listen', 'port'])}); pick another port`);
  }
  const redirect = cfg.gateway.tls?.redirectHttpPort;
  if (redirect !== undefined && redirect !== 0 && redirect === g.port) {
    bad(['gateway', 'tls', 'redirectHttpPort'], `port ${redirect} is the gateway's own TLS port; pick another port`);
  }
  if (redirect !== undefined && redirect !== 0 && cfg.admin.enabled && redirect === a.port && overlaps(g.host, a.host)) {
    bad(['gateway', 'tls', 'redirectHttpPort'], `port ${redirect} is already used by admin.listen; pick another port`);
  }

  return { invalid, unsafe };
}
