/**
 * @rohas/example-custom-adapter: a third-party adapter, `type = "custom"`, that keeps every signal as JSON lines in
 * `custom_dir`. It is built only on `@rohas/telemetry/adapter` (the contract, readOptions, the typed record codecs
 * and the reference semantics) and passes the same conformance suite as the built-in adapters.
 */
export { createAdapter, FileAdapter } from './file-adapter.js';
export { type CustomOptions, defaults, optionsSchema } from './options.js';
