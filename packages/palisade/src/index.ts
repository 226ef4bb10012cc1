// The palisade package's programmatic face.
export * from './core/index.js';
export { Gateway, startShield, createRedactor, REQUEST_ORDER, RESPONSE_ORDER, safeFetch, SafeFetchError, checkUrl, checkDestination, classifyAddress } from './shield/index.js';
export type { SafeFetchOptions, SafeResponse, DestinationPolicy, AddressClass } from './shield/index.js';
export type { RunningShield, ShieldHostOptions } from './shield/index.js';
export { openStore } from './store/index.js';
