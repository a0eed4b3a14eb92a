export * from './types.js';
export * from './errors.js';
export * from './attributes.js';
export * from './query-support.js';
export {
  compareSpans,
  createMemoryAdapter,
  logBodyText,
  retentionCutoff,
  seriesFromPoints,
  spanMatches,
  summarizeTrace,
  type LogCursor,
  type TraceCursor,
} from './memory-adapter.js';
