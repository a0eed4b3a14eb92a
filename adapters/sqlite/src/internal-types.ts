import type { LogRecord, MetricPoint, RetentionResult, SpanRecord } from '@rohas/telemetry';
import type { WriterResult } from './sqlite-writer.js';

/** A message to the write thread. */
export type WriterRequest =
  | { id: number; op: 'spans'; items: SpanRecord[] }
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
