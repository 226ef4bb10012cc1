// One registry of typed error codes. Codes are permanent: retire them, never reuse them.
// docs/errors.md is generated from this table and a test keeps it in step.

export interface ErrorSpec {
  /** What went wrong, in one line. */
  readonly title: string;
  /** How to fix it. */
  readonly fix: string;
}

export const ERROR_CODES = {
  PALISADE_ERR_CONFIG_READ: {
    title: 'The configuration file could not be read.',
    fix: 'Check that the path passed with -c/--config exists and is readable by the Palisade process.',
  },
  PALISADE_ERR_CONFIG_SYNTAX: {
    title: 'The configuration file is not valid YAML.',
    fix: 'Fix the YAML syntax at the line and column given; indentation must use spaces.',
  },
  PALISADE_ERR_CONFIG_INVALID: {
    title: 'The configuration does not match the schema.',
    fix: 'Correct each listed option (path and line are given); `palisade config schema` prints the schema and docs/configuration.md documents every option.',
  },
  PALISADE_ERR_CONFIG_UNSAFE: {
    title: 'The configuration is valid but unsafe, so Palisade refuses it.',
    fix: 'Read the reason given (for example a wildcard CORS origin combined with credentials) and choose an explicit, safe value.',
  },
  PALISADE_ERR_TLS_FILES: {
    title: 'The TLS certificate or key could not be loaded.',
    fix: 'Check tls.cert and tls.key point at readable PEM files that belong together.',
  },
  PALISADE_ERR_LISTEN: {
    title: 'A server could not listen on its address.',
    fix: 'Another process probably holds the port; pick another with the --port flags or PALISADE_* variables.',
  },
  PALISADE_ERR_STORE_OPEN: {
    title: 'The store could not be opened.',
    fix: 'For SQLite check that the directory is writable; for PostgreSQL check store.url, that the server runs and the user may connect.',
  },
  PALISADE_ERR_STORE_MIGRATION: {
    title: 'A store migration failed; the store was left at its previous version.',
    fix: 'Read the database error given; make sure no older Palisade version runs against the same database.',
  },
  PALISADE_ERR_STORE_WRITE: {
    title: 'Writing to the store failed.',
    fix: 'Check disk space and the database connection; records that could not be written are counted in palisade_recorder_dropped_total.',
  },
  PALISADE_ERR_CLI_USAGE: {
    title: 'The command line could not be understood.',
    fix: 'Run the command with --help to see its options.',
  },
  PALISADE_ERR_ADMIN_TOKEN: {
    title: 'The admin API has no usable token.',
    fix: 'Set admin.token (at least 32 characters) or PALISADE_ADMIN_TOKEN, or let `palisade start` generate one into .palisade/admin-token.',
  },
  PALISADE_ERR_STORE_READ: {
    title: 'Reading from the store failed.',
    fix: 'Read the database error given; for PostgreSQL check the connection, for SQLite check the file with `sqlite3 <path> "PRAGMA integrity_check"`.',
  },
  PALISADE_ERR_CONFIG_WATCH: {
    title: 'The configuration file could not be watched for changes.',
    fix: 'Check that the directory of the configuration file exists and is readable; on Linux raise fs.inotify.max_user_watches if the limit is reached. Meanwhile send SIGHUP to reload by hand.',
  },
  PALISADE_ERR_OPENAPI_INVALID: {
    title: 'An OpenAPI document could not be loaded or compiled.',
    fix: 'Fix the document at the place named (a broken $ref, a schema that is not valid JSON Schema, a document that fails the OpenAPI schema); `palisade config validate` shows which API refers to it.',
  },
  PALISADE_ERR_AUTH_KEY: {
    title: 'A JWT verification key, secret or JWKS setting could not be used.',
    fix: 'Check the option named: publicKeyPem/publicKeyFile must hold a public key or certificate in PEM (RSA of at least 2048 bits, EC or Ed25519) that fits every listed algorithm; secretEnv must name a variable that is set; secretEncoding must match how the secret is written.',
  },
  PALISADE_ERR_AUTH_WEAK_SECRET: {
    title: 'The shared JWT secret is guessable, so Palisade refuses to start with it.',
    fix: 'Anyone holding one token can test guesses offline. Generate a random secret (for example `openssl rand -base64 48` with secretEncoding: base64), at least as long as the hash (32 bytes for HS256, 48 for HS384, 64 for HS512), and pass it through secretEnv; then re-issue the tokens.',
  },
  PALISADE_ERR_AUTH_DISCOVERY: {
    title: "An issuer's OpenID Connect metadata could not be loaded.",
    fix: 'Check that <issuer>/.well-known/openid-configuration answers from the gateway host, that its `issuer` equals the configured issuer exactly (scheme, host, path, trailing slash), and that it names a jwks_uri (or introspection_endpoint); or configure jwksUrl / endpoint directly.',
  },
  PALISADE_ERR_OAUTH_SECRET: {
    title: "The authorization server's encryption secret is missing, too short, or not the one its stored keys were sealed with.",
    fix: 'Set oauth.encryptionSecret or PALISADE_OAUTH_ENCRYPTION_SECRET (at least 32 random characters) to the value every instance sharing the store uses; without either, the oauth-secret file beside the SQLite store must be the one that sealed the keys. If the secret is lost, run `palisade oauth keys rotate --reset` and re-enrol TOTP users.',
  },
  PALISADE_ERR_OAUTH_INPUT: {
    title: 'An authorization-server client or user could not be created or changed as asked.',
    fix: 'Read the reason given: redirect URIs must be absolute https URLs (http only on 127.0.0.1, [::1] or localhost) without a fragment, grants and scopes must be ones the server offers, usernames unique, passwords long enough.',
  },
  PALISADE_ERR_WSDL_INVALID: {
    title: 'A WSDL document (soap.wsdl) could not be read or used as an allow-list.',
    fix: 'Fix the problem named for the file: it must be a readable local WSDL 1.1 file (wsdl:definitions, no DTD, no wsdl:import) with at least one SOAP 1.1 or 1.2 binding whose operations name defined port types and messages; document-style inputs need exactly one element part.',
  },
  PALISADE_ERR_WAF_RULES: {
    title: 'The WAF rule set of a route (waf.crs, waf.rulesBefore, waf.rulesAfter) could not be loaded.',
    fix: 'Fix the rule at the file and line given (the message says what is wrong), or point waf.crs at an OWASP CRS v4 folder holding crs-setup.conf(.example) and rules/ (`palisade crs fetch --version 4.28.0` installs one). At reload, the previous configuration keeps serving until the rules load.',
  },
  PALISADE_ERR_API_KEY: {
    title: 'An API key could not be created, rotated or revoked as asked.',
    fix: 'Read the reason given: --api must name an API of the configuration, names, scopes, roles and tenant have length limits and no control characters, expiry is a duration (30d, 12h) or a future date (2027-01-01). `palisade keys list` shows key ids and states; a revoked, expired or already rotated key cannot be rotated: rotate its successor or create a new key.',
  },
  PALISADE_ERR_BASELINE_INVALID: {
    title: 'A Probe baseline file could not be read or is not valid.',
    fix: 'Fix the entry and field named: the file is YAML or JSON with `version: 1` and a `findings` list; each entry has the hex `fingerprint` from a report, a `state` (confirmed, accepted, false-positive), a `reason` when accepted or false-positive, and optionally `expires: YYYY-MM-DD`. `palisade audit SPEC --write-baseline FILE` writes a valid one.',
  },
  PALISADE_ERR_DISCOVER_INPUT: {
    title: 'The traffic given to `palisade discover` could not be read.',
    fix: 'Check that the --har or --log file exists and is readable; records that fail to parse are counted and listed with their line numbers rather than stopping the run. For JSON-lines logs, name your fields with --fields (method=...,url=...,status=...).',
  },
  PALISADE_ERR_SCAN_INPUT: {
    title: 'The API description given to `palisade scan` could not be read.',
    fix: 'Check that --spec (or `spec:` in palisade-scan.yaml) is a readable file or http(s) URL holding OpenAPI 3.0/3.1, Swagger 2.0, HAR 1.2 or a Postman 2.1 collection; smaller defects (servers, tabs, broken $refs) are reported as import defects instead of stopping the scan.',
  },
  PALISADE_ERR_SCAN_CONFIG: {
    title: 'The scan configuration (palisade-scan.yaml) is not valid.',
    fix: 'Correct each listed option (the path is given); docs/scan-config.md documents every option. A target base URL is required, from `target:` or --target.',
  },
  PALISADE_ERR_SCAN_AUTH: {
    title: 'An identity of the scan could not be authenticated.',
    fix: 'Read the reason given for the named identity: check its login request, credentials, token extraction (json, header or cookie) or OAuth token endpoint, and its `whoami` request. The scan does not run with identities that are not proven signed in.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A Palisade error with a stable code; `details` lists each problem with where it is. */
export class PalisadeError extends Error {
  readonly code: ErrorCode;
  readonly details: readonly string[];

  constructor(code: ErrorCode, message?: string, details: readonly string[] = [], options?: { cause?: unknown }) {
    const spec = ERROR_CODES[code];
    super(message ?? spec.title, options);
    this.name = 'PalisadeError';
    this.code = code;
    this.details = details;
  }

  get fix(): string {
    return ERROR_CODES[this.code].fix;
  }

  /** Multi-line text for a terminal or a log: code, message, every detail, how to fix. */
  format(): string {
    const lines = [`${this.code}: ${this.message}`];
    for (const d of this.details) lines.push(`  - ${d}`);
    lines.push(`  fix: ${this.fix}`);
    return lines.join('\n');
  }
}

export function isPalisadeError(e: unknown): e is PalisadeError {
  return e instanceof PalisadeError;
}
