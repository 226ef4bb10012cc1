// The scanner's checks. Adding a check is adding a file that exports a Check and a line here;
// ids are permanent (PAL-SCAN-<AREA>-NNN): retired, never reused.
import type { Check } from '../check.js';
import { authMissing } from './auth-missing.js';
import { bflaAdmin } from './bfla-admin.js';
import { bflaMethod } from './bfla-method.js';
import { bodySize } from './body-size.js';
import { bolaRead } from './bola-read.js';
import { bolaWrite } from './bola-write.js';
import { businessFlow } from './business-flow.js';
import { commandInjection } from './command-injection.js';
import { cors } from './cors.js';
import { dataExposure } from './data-exposure.js';
import { debugEndpoints } from './debug-endpoints.js';
import { exposedDocs } from './exposed-docs.js';
import { graphqlBatching, graphqlDepth, graphqlIntrospection } from './graphql.js';
import { jwtExpired } from './jwt-expired.js';
import { jwtNone } from './jwt-none.js';
import { jwtSignature } from './jwt-signature.js';
import { jwtWeakSecret } from './jwt-weak-secret.js';
import { loginThrottling } from './login-throttling.js';
import { massAssignment } from './mass-assignment.js';
import { nosqlInjection } from './nosql-injection.js';
import { oldVersions } from './old-versions.js';
import { pageSize } from './page-size.js';
import { passwordHash } from './password-hash.js';
import { pathTraversal } from './path-traversal.js';
import { rateLimit } from './rate-limit.js';
import { regexDos } from './regex-dos.js';
import { securityHeaders } from './security-headers.js';
import { soapActionSpoofing } from './soap-action.js';
import { sqlInjection } from './sql-injection.js';
import { ssrfCanary, ssrfInternal } from './ssrf.js';
import { stackDisclosure } from './stack-disclosure.js';
import { templateInjection } from './template-injection.js';
import { traceMethod } from './trace-method.js';
import { userEnumeration } from './user-enumeration.js';
import { verboseErrors } from './verbose-errors.js';
import { xxe } from './xxe.js';

export const SCAN_CHECKS: readonly Check[] = Object.freeze([
  bolaRead, bolaWrite, bflaAdmin, bflaMethod, authMissing, loginThrottling, userEnumeration,
  jwtNone, jwtSignature, jwtWeakSecret, jwtExpired, massAssignment, dataExposure, passwordHash,
  rateLimit, pageSize, bodySize, regexDos, businessFlow, sqlInjection, pathTraversal, securityHeaders, cors,
  verboseErrors, traceMethod, stackDisclosure, exposedDocs, oldVersions, debugEndpoints, ssrfCanary, ssrfInternal,
  nosqlInjection, commandInjection, xxe, templateInjection, graphqlIntrospection, graphqlBatching, graphqlDepth, soapActionSpoofing,
]);
