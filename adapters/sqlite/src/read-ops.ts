import type {
  LogRecord,
  MetricDescriptor,
  MetricPoint,
  MetricSeries,
  NormalizedLogQuery,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  NormalizedTraceQuery,
  Page,
  SpanRecord,
  TraceSummary,
} from '@rohas/telemetry/adapter';
import { queryLogs } from './logs.js';
import { listMetrics, queryMetrics } from './metrics.js';
import { readRawPoints } from './raw-points.js';
import type { ReadContext } from './read-context.js';
import { findTraces, getTrace, listOperations, listServices } from './traces.js';

/** Every read the adapter offers: its argument and its result, both of which can cross a thread boundary. */
export interface ReadOps {
  findTraces: [NormalizedTraceQuery, Page<TraceSummary>];
  getTrace: [string, SpanRecord[] | null];
  listServices: [null, string[]];
  listOperations: [string, string[]];
  queryMetrics: [NormalizedMetricQuery, MetricSeries[]];
  listMetrics: [null, MetricDescriptor[]];
  readPoints: [NormalizedRawPointQuery, Page<MetricPoint>];
  queryLogs: [NormalizedLogQuery, Page<LogRecord>];
}
export type ReadOp = keyof ReadOps;

const OPS: { [K in ReadOp]: (ctx: ReadContext, arg: ReadOps[K][0]) => ReadOps[K][1] } = {
  findTraces,
  getTrace,
  listServices: (ctx) => listServices(ctx),
  listOperations,
  queryMetrics,
  listMetrics: (ctx) => listMetrics(ctx),
  readPoints: (ctx, q) => readRawPoints(ctx, q),
  queryLogs,
};

/** Runs one read on a connection's context, synchronously. */
export function runRead<K extends ReadOp>(ctx: ReadContext, op: K, arg: ReadOps[K][0]): ReadOps[K][1] {
  return OPS[op](ctx, arg);
}
