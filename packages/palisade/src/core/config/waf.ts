// The `waf` stage settings: the SecLang engine running the OWASP Core Rule Set (v4) and extra rule
// files, its mode, paranoia levels, anomaly thresholds, CRS setup variables, rule exclusions per
// route, body inspection limits and the audit log. Kept apart from schema.ts like authorize.ts.
//
// Every option sits directly in the block (no nested objects with defaults): a route override of
// one option must not reset its siblings (see authenticate.ts).
import { z } from 'zod';

const MiB = 1024 * 1024;

/** A rule id or an inclusive id range, as SecRuleRemoveById takes them: 942100 or '942100-942199'. */
export const RULE_ID_RANGE = /^\d{1,9}(?:-\d{1,9})?$/;
const ruleIds = z.union([z.int().min(1).max(999_999_999), z.string().regex(RULE_ID_RANGE, "a rule id or an id range such as '942100-942199'")]);

/**
 * A SecLang variable a rule inspects, as `ctl:ruleRemoveTargetById` takes it: a collection, or a
 * collection and key (ARGS:password, REQUEST_COOKIES:/^sess_/, REQUEST_HEADERS:User-Agent).
 */
export const WAF_TARGET = /^[A-Z_]{2,40}(?::(?:[A-Za-z0-9_.$@\-[\]]{1,128}|\/[^/\s;,"']{1,256}\/))?$/;
const target = z.string().regex(WAF_TARGET, 'a variable such as ARGS:password, ARGS_NAMES, REQUEST_COOKIES:/^sess_/');
const tag = z.string().regex(/^[A-Za-z0-9_./:-]{1,128}$/, "a rule tag such as 'attack-sqli' or 'paranoia-level/2'");

/** TX variable names and values of `waf.setup`: written into a SecAction, so quotes and backslashes are refused. */
export const WAF_SETUP_NAME = /^[a-z][a-z0-9_]{0,63}$/;
const setupValue = z.union([
  z.int().min(-1_000_000_000).max(1_000_000_000),
  z.string().max(4096).regex(/^[^'"\\\r\n%]*$/, 'a value without quotes, backslashes, % or line breaks'),
]);

export function wafSchema() {
  const d = <T extends z.ZodType>(schema: T, value: z.input<T>) => schema.default(value as never);
  return z
    .strictObject({
      enabled: d(z.boolean(), false).describe('Run the WAF stage (after validation, just before forwarding; response rules on the way back).'),
      mode: d(z.enum(['off', 'detection-only', 'blocking']), 'blocking').describe(
        "'blocking' refuses what the rules block (403 problem `waf-blocked`, or the rule's status); 'detection-only' runs every rule and records the matches without acting; 'off' skips the stage.",
      ),
      crs: z
        .string()
        .min(1)
        .optional()
        .describe(
          'Folder of an installed OWASP CRS v4 release (relative to the config file): the one holding crs-setup.conf (or crs-setup.conf.example) and rules/. `palisade crs fetch --version 4.28.0` installs one. Unset: only rulesBefore/rulesAfter run.',
        ),
      rulesBefore: d(z.array(z.string().min(1)).max(100), []).describe(
        'SecLang rule files (globs, relative to the config file) loaded after the CRS setup and before the CRS rules: exclusion rules that use ctl:, setup overrides.',
      ),
      rulesAfter: d(z.array(z.string().min(1)).max(100), []).describe(
        'SecLang rule files (globs) loaded after the CRS rules: SecRuleRemoveById/SecRuleUpdateTargetById and your own rules.',
      ),
      paranoiaLevel: d(z.int().min(1).max(4), 1).describe(
        'CRS paranoia level (1–4): higher levels run more rules and catch more, with more false positives. Sets both levels below unless they are given.',
      ),
      blockingParanoiaLevel: z.int().min(1).max(4).optional().describe('Paranoia level whose rules add to the blocking anomaly score (tx.blocking_paranoia_level); default paranoiaLevel.'),
      detectionParanoiaLevel: z
        .int()
        .min(1)
        .max(4)
        .optional()
        .describe('Paranoia level up to which rules run and are recorded without counting towards blocking (tx.detection_paranoia_level); at least the blocking level; default the blocking level.'),
      inboundAnomalyThreshold: d(z.int().min(1).max(10_000), 5).describe('Inbound anomaly score at which a request is blocked (CRS: critical 5, error 4, warning 3, notice 2).'),
      outboundAnomalyThreshold: d(z.int().min(1).max(10_000), 4).describe('Outbound anomaly score at which a response is blocked.'),
      setup: d(z.record(z.string().regex(WAF_SETUP_NAME, 'a TX variable name in lower case (allowed_methods, allowed_request_content_type...)'), setupValue), {}).describe(
        "CRS setup variables set before the CRS rules run, by TX name: e.g. allowed_methods: 'GET HEAD POST PUT PATCH DELETE OPTIONS', allowed_request_content_type: '|application/json| |application/x-www-form-urlencoded|', restricted_extensions, max_num_args, arg_length, enforce_bodyproc_urlencoded: 1. Palisade's own settings above win over the same names here.",
      ),
      ruleRemoveById: d(z.array(ruleIds).max(1000), []).describe("Rules switched off on this route, by id or id range (942100, '942100-942199')."),
      ruleRemoveByTag: d(z.array(tag).max(200), []).describe("Rules switched off on this route, by tag (e.g. 'attack-sqli', 'paranoia-level/2')."),
      ruleRemoveTargetById: d(z.array(z.strictObject({ id: ruleIds.describe('Rule id or id range.'), target: target.describe('Variable the rule stops inspecting.') })).max(1000), []).describe(
        'Variables a rule stops inspecting on this route (known false positives): [{id: 942100, target: ARGS:password}].',
      ),
      ruleRemoveTargetByTag: d(z.array(z.strictObject({ tag: tag.describe('Rule tag.'), target: target.describe('Variable the rules stop inspecting.') })).max(1000), []).describe(
        "Variables the rules carrying a tag stop inspecting on this route: [{tag: 'attack-sqli', target: ARGS:query}].",
      ),
      requestBodyLimit: d(z.int().min(1024).max(1024 * MiB), 1 * MiB).describe('Largest request body the WAF inspects, in bytes (SecRequestBodyLimit, and the limit without files).'),
      requestBodyLimitAction: d(z.enum(['reject', 'inspect-partial']), 'reject').describe("Beyond requestBodyLimit: 'reject' (413 problem `body-too-large`) or 'inspect-partial' (inspect the first requestBodyLimit bytes, forward the whole body)."),
      responseInspection: d(z.boolean(), false).describe(
        'Inspect response bodies (CRS 95x data-leakage rules). Responses of responseMimeTypes are then buffered up to responseBodyLimit before they are sent; others, and everything when off, stream untouched (response header rules still run).',
      ),
      responseBodyLimit: d(z.int().min(1024).max(64 * MiB), 512 * 1024).describe('Most response body bytes buffered and inspected; a longer response is inspected on its first responseBodyLimit bytes and the rest streams.'),
      responseMimeTypes: d(z.array(z.string().regex(/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/, 'a media type in lower case such as application/json')).max(50), [
        'application/json', 'application/problem+json', 'text/plain', 'text/html', 'text/xml', 'application/xml',
      ]).describe('Response media types whose bodies are inspected when responseInspection is on.'),
      auditLog: z
        .string()
        .min(1)
        .optional()
        .describe("JSON-lines audit log of the exchanges the WAF blocked or matched (relative to the config file). Unset: no audit log (matches are still in the exchange record)."),
      auditLogMaxBytes: d(z.int().min(64 * 1024).max(64 * 1024 * MiB), 100 * MiB).describe('Size at which the audit log is rotated: renamed to <file>.1 (replacing the previous one) and started afresh, so it never takes more than twice this.'),
      auditRedactFields: d(z.array(z.string().min(1).max(128)).max(200), ['password', 'passwd', 'pwd', 'secret', 'token', 'api_key', 'apikey', 'access_token', 'refresh_token', 'client_secret']).describe(
        'Argument, cookie and JSON field names whose values are replaced by [redacted] in the audit log and in the matched data kept in exchange records (headers follow recording.redactHeaders).',
      ),
    })
    .describe(
      'Web application firewall: runs the OWASP Core Rule Set v4 (and your SecLang rules) on requests before they are forwarded and, optionally, on responses. Rule sets are loaded when the configuration loads; a broken rule file refuses the configuration naming file and line.',
    )
    .prefault({} as never);
}
