// shield/: the inline protection — gateway, ordered pipeline, stages, admin API.
export { Gateway } from './gateway.js';
export type { GatewayOptions } from './gateway.js';
export { startShield, runShieldWorker, workerCount } from './host.js';
export type { ShieldHostOptions, RunningShield, BlockControl } from './host.js';
export type { AdminExtension, AdminAnswer } from './admin.js';
export type { ObservedExchange, ExchangeObserver } from './observe.js';
export { AdminServer, tokenMatches } from './admin.js';
export { GatewayMetrics } from './metrics.js';
export { Recorder } from './recorder.js';
export { createRedactor, REDACTED } from './redact.js';
export { REQUEST_ORDER, RESPONSE_ORDER } from './pipeline.js';
export { PROBLEM_TYPE_BASE, PROBLEM_CONTENT_TYPE } from './problem.js';
export type { Stage, RequestContext, StageEnv, BodyInspector, ResponseHead } from './stage.js';
export { safeFetch, SafeFetchError } from './safe-fetch.js';
export type { SafeFetchOptions, SafeResponse, SafeFetchErrorCode } from './safe-fetch.js';
export { checkUrl, checkDestination, classifyAddress } from './ssrf.js';
export type { AddressClass, DestinationPolicy, DestinationVerdict } from './ssrf.js';
