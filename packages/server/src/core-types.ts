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

/** What became of the items of one ingest call that waited for its commit (structurally the core's `CommitResult`). */
export interface CommitResultLike {
  stored: number;
  failed: number;
  dropped: number;
  messages: string[];
}

/** What the core's `ingest*` calls return (structurally the core's `IngestResult`). */
export interface IngestResultLike {
  accepted: number;
  rejected: number;
  reason?: 'queue_full' | 'signal_disabled' | 'not_stored';
  retryAfterMs?: number;
  /** One message per reason items were refused as unstorable. */
  messages?: string[];
  /** With `waitForCommit`: settles when the batch holding the items is written. */
  committed?: Promise<CommitResultLike>;
}

/** Options of the core's `ingest*` calls (structurally the core's `IngestOptions`). */
export interface IngestOptionsLike {
  rejectWhenFull?: boolean;
  waitForCommit?: boolean;
}
