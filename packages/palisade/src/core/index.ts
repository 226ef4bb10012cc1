// core/: the shared vocabulary. Imports nothing else of ours.
export * from './model.js';
export * from './errors.js';
export * from './config/index.js';
export * from './store.js';
export * from './id.js';
export * from './openapi/index.js';
