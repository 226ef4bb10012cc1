// watch/: the inventory half of Watch — endpoints learnt from traffic (templating, schemas,
// sensitive data, callers, risk), diffed with OpenAPI documents, exported as OpenAPI.
export { Inventory, EndpointStats, endpointKey, mergeEndpoint, pathAndQuery } from './inventory/inventory.js';
export type { InventoryOptions, ChangeEvent, ResponseStats, OracleEvidence } from './inventory/inventory.js';
export { Templater, DEFAULT_TEMPLATER_LIMITS, paramNameFor, splitPath } from './inventory/templater.js';
export type { TemplaterLimits, TemplateOverride, TemplateResult, ParamClass } from './inventory/templater.js';
export { classifySegment, entropy, isHighEntropy } from './inventory/tokens.js';
export type { TokenClass, SegmentKind } from './inventory/tokens.js';
export { isWord, isVersion, singular, WORD_SET } from './inventory/words.js';
export { SchemaNode, observe, toJsonSchema, mergeNodes, formatOf, propertyPaths, DEFAULT_INFER_LIMITS } from './inventory/schema-infer.js';
export type { InferLimits, JsonSchema } from './inventory/schema-infer.js';
export {
  SensitiveClassifier,
  compileCustomClasses,
  isEmail,
  isIban,
  isPasswordHash,
  isPaymentCard,
  isPhone,
  isSecretClass,
  isUsSsn,
  jwtAlg,
  luhn,
} from './inventory/sensitive.js';
export type { SensitiveClass, CustomClassSpec } from './inventory/sensitive.js';
export { authMethodsOf, NetworkClassifier } from './inventory/callers.js';
export type { AuthMethod } from './inventory/callers.js';
export { LatencySketch, BoundedSet } from './inventory/sketch.js';
export { loadSpec, diffAgainstSpec, documentedPaths } from './inventory/spec-diff.js';
export type { Spec, SpecDiff, EndpointDiff } from './inventory/spec-diff.js';
export { buildReport, renderMarkdown, riskOf, oracleOf, oracleFinding } from './inventory/report.js';
export type { InventoryReport, EndpointReport, RiskReason } from './inventory/report.js';
export { exportOpenApi } from './inventory/openapi-export.js';
export type { ExportOptions } from './inventory/openapi-export.js';
export { readAccessLog, readHar, parseCombinedLine, parseJsonLine, parseFieldMap, parseClfTime, harEntryToExchange } from './inventory/sources.js';
export type { ReadStats, JsonFieldMap, LogOptions, HarOptions } from './inventory/sources.js';
export { StoreFollower, CURSOR_STATE_KEY } from './inventory/live.js';
export type { FollowOptions } from './inventory/live.js';
export { loadOverrides, saveOverrides, parseOverrides, OVERRIDES_STATE_KEY } from './inventory/overrides.js';
export { discover } from './inventory/discover.js';
export type { DiscoverOptions, DiscoverResult } from './inventory/discover.js';
// The detection half: streaming detectors, alerts, sinks, automatic responses (docs/detectors.md).
export { WatchRuntime, createWatchRuntime, parseAlertQuery } from './runtime.js';
export type { WatchRuntimeOptions, WatchStats, WatchHostDeps } from './runtime.js';
export { DetectionEngine, buildDetectors, DETECTOR_IDS } from './detect/registry.js';
export type { Detection, DetectorKey } from './detect/registry.js';
export type { Detector, DetectorInfo, Firing } from './detect/detector.js';
export type { ObservedExchange, WatchEvent } from './detect/event.js';
export { HyperLogLog, CountMin, DistinctCounter, LruMap, EwmaBaseline } from './detect/sketch.js';
export { AlertManager, dedupKey } from './alerts/manager.js';
export type { AlertSink, Responder } from './alerts/manager.js';
export { buildSinks } from './alerts/sinks.js';
export { webhookSink, slackSink, slackPayload, signatureHeader, verifySignature, SIGNATURE_HEADER } from './alerts/http-sink.js';
export { SyslogSink, StdoutSink, formatSyslog } from './alerts/syslog-sink.js';
