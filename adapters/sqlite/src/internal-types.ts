import type { LogRecord, MetricPoint, RetentionResult, SpanRecord } from '@rohas/telemetry/adapter';

/**
 * A span as the values of its row: trace id, span id, parent, service, name, kind, start, end, duration, status code,
 * status message, attributes, events, links, extra (JSON texts), resource JSON, scope JSON, index document.
 */
export type SpanRow = [
  string,
  string,
  string | null,
  string,
  string,
  number,
  bigint,
  bigint,
  bigint,
  number,
  string | null,
  string,
  string | null,
  string | null,
  string | null,
  string,
  string,
  string,
];

/** A message to the write thread. */
export type WriterRequest =
  /** Spans go as records: the write thread encodes them (codec.ts spanRow), off the caller's event loop. */
  | { id: number; op: 'spans'; items: SpanRecord[] }
  /**
   * A leading part of a big batch (write-port.ts posts it in parts so that no single clone holds the caller's event
   * loop): the thread keeps it until the message with the same id and an op above brings the last part.
   */
  | { id: number; op: 'part'; items: SpanRecord[] | MetricPoint[] | LogRecord[] }
  /** Forget the parts of request `id` (its last part could not be sent). */
  | { id: number; op: 'drop' }
  | { id: number; op: 'points'; items: MetricPoint[] }
  | { id: number; op: 'logs'; items: LogRecord[] }
  | { id: number; op: 'retention'; now: bigint }
  | { id: number; op: 'close' };

/** Its answer; id 0 announces that the thread is ready. */
export interface WriterResponse {
  id: number;
  result?: WriterResult;
  retention?: RetentionResult;
  error?: string;
  /** When the thread posted it (wall ms; only with ROHAS_SQLITE_TRACE_MS, write-trace.ts). */
  posted?: number;
}

/** What one write transaction of the writer returns (plain data, so it crosses the worker thread boundary). */
export type WriterResult = { ok: true } | { ok: false; message: string; code?: string; retryable: boolean };
