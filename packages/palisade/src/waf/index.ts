/**
 * The WAF module's public face: load SecLang rules (OWASP CRS), open a transaction per exchange,
 * feed it the request and response parts, read the matched rules and the interruption.
 *
 *   const waf = loadWaf([{ text: RECOMMENDED_SETUP }, { file: 'crs/crs-setup.conf' }, { file: 'crs/rules/*.conf' }]);
 *   const tx = waf.newTransaction({ clientIp });
 *   tx.processRequestHeaders({ method, uri, protocol, headers })   // phase 1
 *   tx.appendRequestBody(chunk); tx.processRequestBody()          // phase 2
 *   tx.processResponseHeaders({ status, headers })                // phase 3
 *   tx.appendResponseBody(chunk); tx.processResponseBody()        // phase 4
 *   tx.processLogging()                                           // phase 5
 *   tx.interruption, tx.matchedRules, auditRecord(tx)
 *
 * See docs/waf.md for what is supported.
 */
import { WafEngine } from './engine.js';
import type { RuleSource, WafLoadOptions } from './engine.js';
import { OPERATORS } from './operators/index.js';
import { TRANSFORMATIONS } from './transformations/index.js';

export { WafEngine } from './engine.js';
export { OPERATORS } from './operators/index.js';
export { TRANSFORMATIONS } from './transformations/index.js';
export type { RuleSource, WafLoadOptions } from './engine.js';
export { Transaction } from './transaction.js';
export type { Interruption, MatchedRule, RequestLine, ResponseHead, ConnectionInfo } from './transaction.js';
export type { WafConfig } from './seclang/rule.js';
export { WafRuleError } from './types.js';
/** Finds the `@rx` prefilters still to find (they are found on first use), for at most `budgetMs`; true when done. */
export { warmPrefilters as warmWaf } from './regex/compile.js';
export type { Operator, OperatorFactory, OperatorTx, Transformation } from './types.js';
export { auditRecord, createAuditLogger } from './audit-log.js';
export type { AuditRecord, AuditLoggerOptions } from './audit-log.js';

/**
 * The engine settings of ModSecurity's `modsecurity.conf-recommended` that CRS relies on: body
 * access, JSON and XML body processors picked by Content-Type (rules 200000/200001), and the
 * rules that refuse bodies that could not be parsed (200002) or multipart bodies that are
 * ambiguous (200003). Load it before crs-setup.conf. The engine mode is left On.
 */
export const RECOMMENDED_SETUP = `
SecRuleEngine On
SecRequestBodyAccess On
SecRule REQUEST_HEADERS:Content-Type "^(?:application(?:/soap\\+|/)|text/)xml" \\
  "id:200000,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=XML"
SecRule REQUEST_HEADERS:Content-Type "^application/json" \\
  "id:200001,phase:1,t:none,t:lowercase,pass,nolog,ctl:requestBodyProcessor=JSON"
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecRequestBodyLimitAction Reject
SecRequestBodyJsonDepthLimit 512
SecArgumentsLimit 1000
SecRule REQBODY_ERROR "!@eq 0" \\
  "id:200002,phase:2,t:none,log,deny,status:400,msg:'Failed to parse request body.',logdata:'%{reqbody_error_msg}',severity:2"
SecRule MULTIPART_STRICT_ERROR "!@eq 0" \\
  "id:200003,phase:2,t:none,log,deny,status:400,msg:'Multipart request body failed strict validation.'"
SecResponseBodyAccess On
SecResponseBodyMimeType text/plain text/html text/xml
SecResponseBodyLimit 524288
SecResponseBodyLimitAction ProcessPartial
`;

/**
 * Loads rules with the built-in operators and transformations (or the registries given).
 * Throws a WafRuleError naming file, line and problem when a rule is wrong.
 */
export function loadWaf(sources: readonly RuleSource[], options: Partial<WafLoadOptions> = {}): WafEngine {
  return WafEngine.load(sources, {
    operators: options.operators ?? OPERATORS,
    transformations: options.transformations ?? TRANSFORMATIONS,
    config: options.config,
  });
}
export { fetchCrs, extractTarGz, CrsFetchError, CRS_DEFAULT_BASE_URL } from './crs-fetch.js';
export type { CrsFetchOptions, CrsFetchResult } from './crs-fetch.js';
