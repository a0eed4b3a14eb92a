// Types the server takes from @rohas/telemetry, gathered in one place so the rest of the package imports them from here.
export type {
  AttributeFilter,
  Attributes,
  AttributeValue,
  Exemplar,
  HealthStatus,
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

/** What the core's `ingest*` calls return (structurally the core's `IngestResult`). */
export interface IngestResultLike {
  accepted: number;
  rejected: number;
  reason?: 'queue_full' | 'signal_disabled' | 'not_stored';
  retryAfterMs?: number;
}

/** Options of the core's `ingest*` calls (structurally the core's `IngestOptions`). */
export interface IngestOptionsLike {
  rejectWhenFull?: boolean;
}
