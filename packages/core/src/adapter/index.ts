/**
 * `@rohas/telemetry/adapter`: the kit for writing a storage adapter. The contract an adapter implements, the data
 * model and normalized queries it receives, the reference semantics the conformance suite holds it to, typed
 * record codecs, option reading against the adapter's own schema, and the project's error helpers.
 */
export * from '../attributes.js';
export { asError, ConfigError, QueryError, TelemetryError, where } from '../errors.js';
export * from '../limits.js';
export * from '../model.js';
export * from '../prometheus-naming.js';
export * from '../query.js';
export * from '../query-support.js';
export { BACKGROUND_NICE_STEPS, backgroundNiceSteps, lowerThreadPriority } from '../thread-priority.js';
export * from '../validate.js';
export { workerEnv, workerExecArgv, workerThreadOptions } from '../worker-options.js';
export {
  type CommitResult,
  type PushOptions,
  type PushResult,
  Refused,
  WriteQueue,
  type WriteQueueStats,
} from '../write-queue.js';
export type * from './contract.js';
export { createMemoryAdapter } from './memory-adapter.js';
export {
  BACKEND_KEYS,
  checkOptions,
  closedSchema,
  type OptionProblem,
  type OptionSchema,
  type OptionsSchema,
  optionDefaults,
  readOptions,
} from './options.js';
export * from './records.js';
export * from './reference.js';
export { NETWORK_ERROR_CODES, type RetryRules, retryableBy, writeFailureFor } from './write-errors.js';
