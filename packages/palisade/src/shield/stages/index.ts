// The Shield stages, keyed by their configuration name. Order is not expressed here on purpose:
// pipeline.ts is the only place that orders stages.
import { createAuthenticateStage } from './authenticate.js';
import { createCorsStage } from './cors.js';
import { createErrorScrubbingStage } from './error-scrubbing.js';
import { createIpFilterStage } from './ip-filter.js';
import { createLimitsStage } from './limits.js';
import { createLoginGuardStage } from './login-guard.js';
import { createMethodsStage } from './methods.js';
import { createRateLimitStage } from './rate-limit.js';
import { createSecurityHeadersStage } from './security-headers.js';
import { createSsrfGuardStage } from './ssrf-guard.js';
import { createXmlStage } from './xml.js';

export const stageFactories = {
  ipFilter: createIpFilterStage,
  limits: createLimitsStage,
  methods: createMethodsStage,
  cors: createCorsStage,
  authenticate: createAuthenticateStage,
  rateLimit: createRateLimitStage,
  loginGuard: createLoginGuardStage,
  securityHeaders: createSecurityHeadersStage,
  errorScrubbing: createErrorScrubbingStage,
  ssrfGuard: createSsrfGuardStage,
  xml: createXmlStage,
} as const;

export {
  createAuthenticateStage,
  createCorsStage,
  createErrorScrubbingStage,
  createIpFilterStage,
  createLimitsStage,
  createLoginGuardStage,
  createMethodsStage,
  createRateLimitStage,
  createSecurityHeadersStage,
  createSsrfGuardStage,
  createXmlStage,
};
// Built per route with its loaded WSDL (like the contract stage), so not among stageFactories.
export { createSoapStage } from './soap.js';
export { createSsrfGuard } from './ssrf-guard.js';
export type { RateLimitStage } from './rate-limit.js';
export type { LoginGuardStage } from './login-guard.js';
export { stripUpstreamCors } from './cors.js';
export { MemoryBlocklist } from '../blocklist.js';
export type { BlocklistChange, BlocklistEntry, MemoryBlocklistOptions } from '../blocklist.js';
export { IpMatcher, parseIp, normalizeIp, parseCidr, normalizeCidr } from '../ip.js';
export type { Cidr } from '../ip.js';
export { resolveClientIp } from '../client-ip.js';
