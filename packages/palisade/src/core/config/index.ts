// Configuration: the schema of palisade.yaml, its loader, reload, redaction and reference docs.
export * from './schema.js';
export { AUTH_DEFAULTS, AUTH_METHODS, JWT_ALGORITHMS, checkAuthenticate, credentialLocations, type AuthenticateSettings } from './authenticate.js';
export { OPERATION_SELECTOR, PROPERTY_PATTERN, type AuthorizeSettings, type AuthorizeRule, type AuthorizeFlow } from './authorize.js';
export { parseExpression, evaluate, EXPR_LIMITS, type Expr, type ExprRoot, type ExprScope, type Operand, type ParseResult } from './authorize-expr.js';
export { parseConfig, loadConfigFile, type ParseOptions, type LoadedConfig } from './load.js';
export { ENV_OVERRIDES, type EnvOverride } from './env.js';
export { mergeStageSettings } from './merge.js';
export { redactConfig, redactUrl, isSecretKey, REDACTED } from './redact.js';
export { configJsonSchema, CONFIG_SCHEMA_ID } from './json-schema.js';
export { watchConfig, type WatchOptions, type ConfigWatcher } from './watch.js';
export { renderConfigurationDoc, renderErrorsDoc } from './docs.js';
