import type { LogRecord, MetricPoint, RetentionResult } from '@rohas/telemetry/adapter';
import type { WriterResult } from './sqlite-writer.js';

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
  | { id: number; op: 'spans'; items: SpanRow[] }
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
}
