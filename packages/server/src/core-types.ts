// Types the server takes from @rohas/telemetry, gathered in one place so the rest of the package imports them from here.
/** What the core's `ingest*` calls return and take (the names the server used before it took them from the core). */
export type {
  AttributeFilter,
  Attributes,
  AttributeValue,
  Exemplar,
  HealthStatus,
  IngestOptions as IngestOptionsLike,
  IngestResult as IngestResultLike,
  InstrumentationScope,
  LogRecord,
  MetricPoint,
  Resource,
  RetentionResult,
  SpanEvent,
  SpanLink,
  SpanRecord,
  TelemetryConfig,
  TelemetryQuery,
} from '@rohas/telemetry';
