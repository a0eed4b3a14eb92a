import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type {
  DiagnosticLogger,
  HealthStatus,
  LogRecord,
  MetricPoint,
  RetentionResult,
  SpanRecord,
  TelemetryAdapter,
  TelemetryConfig,
  TelemetryQuery,
} from './types.js';
import type { CheckSummary } from './validate.js';
import type { CommitResult, WriteQueueStats } from './write-queue.js';

/** The three signals, each with its own backend, queue and query part. */
export type Signal = 'traces' | 'metrics' | 'logs';

/** What an ingest call did. Ingest never throws and never blocks. */
export interface IngestResult {
  accepted: number;
  /** Items refused: unstorable values (see `messages`) plus, with `reason`, items the queue or config refused. */
  rejected: number;
  /** Why items were refused: the queue is full (retry later), the signal is off, or the backend stores no such data. */
  reason?: 'queue_full' | 'signal_disabled' | 'not_stored';
  retryAfterMs?: number;
  /** One message per reason an item was refused as unstorable, naming the field (e.g. `span field name: ...`). */
  messages?: string[];
  /** With `waitForCommit`: settles when every accepted item is committed, refused by the backend or dropped. */
  committed?: Promise<CommitResult>;
}

export interface IngestOptions {
  /** Refuse new items when the queue is full (a remote client can retry) instead of dropping the oldest. */
  rejectWhenFull?: boolean;
  /** Return a `committed` promise that settles once the batch holding these items is written (group commit). */
  waitForCommit?: boolean;
  /**
   * The items are records the caller already ran the door checks on (`checkRecords` of validate.ts, e.g. in the
   * thread that decoded them): only the good ones are passed, and this is what was refused. They are not checked again.
   */
  checked?: CheckSummary;
}

/** What the span queue takes: records from a receiver or exporter, or the SDK's ended spans (converted in the writer). */
export type SpanInput = SpanRecord | ReadableSpan;
/** What the log queue takes: records, or the SDK's emitted log records. */
export type LogInput = LogRecord | ReadableLogRecord;

/** Configured storage: queues in front of the adapters and the query API over them. */
export interface TelemetryStorage {
  readonly config: TelemetryConfig;
  readonly query: TelemetryQuery;
  /** Adapter type storing each signal, or `undefined` when the signal is off or not stored. */
  readonly backends: Record<Signal, string | undefined>;
  /**
   * Queues spans. Records are checked at once (unstorable ones refused per item, see `messages`); the SDK's ended
   * spans are converted and checked in the writer, off the hot path.
   */
  ingestSpans(spans: SpanInput[], options?: IngestOptions): IngestResult;
  ingestMetrics(points: MetricPoint[], options?: IngestOptions): IngestResult;
  ingestLogs(records: LogInput[], options?: IngestOptions): IngestResult;
  stats(): Record<Signal, WriteQueueStats | undefined>;
  health(): Promise<HealthStatus & { signals: Record<string, string> }>;
  runRetention(nowNano?: bigint): Promise<RetentionResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** The adapters in use, each initialised once (for tools such as `migrate` and `copy`). */
  readonly adapters: ReadonlyArray<TelemetryAdapter>;
  /** The adapter storing a signal, if any. */
  adapterFor(signal: Signal): TelemetryAdapter | undefined;
}

export interface OpenStorageOptions {
  logger?: DiagnosticLogger;
  /** How long writes may fail (backing off) before health() reports not ok, ms; default `HEALTH_FAILING_MS` (10 s). */
  healthFailingMs?: number;
}
