// The palisade package's programmatic face.
export * from './core/index.js';
export { Gateway, startShield, createRedactor, REQUEST_ORDER, RESPONSE_ORDER } from './shield/index.js';
export type { RunningShield, ShieldHostOptions } from './shield/index.js';
export { openStore } from './store/index.js';
