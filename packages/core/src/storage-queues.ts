import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { OpenedAdapters } from './adapter-runtime.js';
import { logFromReadable, spanFromReadable } from './otel-convert.js';
import type { StoragePlan } from './storage-plan.js';
import type { IngestOptions, IngestResult, LogInput, Signal, SpanInput } from './storage-types.js';
import type { TraceCache } from './trace-cache.js';
import type { DiagnosticLogger, LogRecord, MetricPoint, SpanRecord, TelemetryConfig } from './types.js';
import {
  type CheckedItems,
  checkItems,
  checkLogRecord,
  checkMetricPoint,
  checkSpan,
  type ItemProblem,
} from './validate.js';
import { Refused, WriteQueue } from './write-queue.js';

/** The write queue of each stored signal. */
export type SignalQueues = Partial<Record<Signal, WriteQueue<unknown, unknown>>>;

/** The SDK's objects have methods or hrtime tuples; the records have bigint times. */
function isReadableSpan(item: SpanInput): item is ReadableSpan {
  return typeof (item as ReadableSpan).spanContext === 'function';
}
function isReadableLog(item: LogInput): item is ReadableLogRecord {
  return typeof (item as LogRecord).timeUnixNano !== 'bigint';
}

/** A converter for the writer: SDK objects become records and are checked; records were checked at the door. */
function converter<I, R>(
  isSdk: (item: I) => boolean,
  convert: (item: never) => R,
  check: (record: R) => ItemProblem | undefined,
): (item: I) => R | Refused {
  return (item) => {
    if (!isSdk(item)) return item as unknown as R;
    const record = convert(item as never);
    const problem = check(record);
    return problem ? new Refused(problem) : record;
  };
}

/** One bounded write queue in front of each enabled signal's store; written spans go to the trace cache. */
export function createQueues(
  plan: StoragePlan,
  owner: OpenedAdapters['owner'],
  config: TelemetryConfig,
  logger: DiagnosticLogger,
  cache: TraceCache,
): SignalQueues {
  const queues: SignalQueues = {};
  const traceAdapter = owner.traces?.adapter.traces;
  if (plan.bySignal.traces.enabled && traceAdapter) {
    queues.traces = new WriteQueue<SpanInput, SpanRecord>(
      'traces',
      (b) => traceAdapter.write(b),
      converter(isReadableSpan, spanFromReadable, checkSpan),
      config.batch,
      logger,
      (written) => cache.add(written),
    ) as WriteQueue<unknown, unknown>;
  }
  const metricAdapter = owner.metrics?.adapter.metrics;
  if (plan.bySignal.metrics.enabled && metricAdapter) {
    queues.metrics = new WriteQueue<MetricPoint, MetricPoint>(
      'metrics',
      (b) => metricAdapter.write(b),
      undefined,
      config.batch,
      logger,
    ) as WriteQueue<unknown, unknown>;
  }
  const logAdapter = owner.logs?.adapter.logs;
  if (plan.bySignal.logs.enabled && logAdapter) {
    queues.logs = new WriteQueue<LogInput, LogRecord>(
      'logs',
      (b) => logAdapter.write(b),
      converter(isReadableLog, logFromReadable, checkLogRecord),
      config.batch,
      logger,
    ) as WriteQueue<unknown, unknown>;
  }
  return queues;
}

/** Checks records at the door; SDK objects pass through to be checked after conversion in the writer. */
const doorChecks: Record<Signal, (items: unknown[]) => CheckedItems<unknown>> = {
  traces: (items) =>
    checkItems(
      items as SpanInput[],
      (s) => (isReadableSpan(s) ? undefined : checkSpan(s)),
      'span',
    ) as CheckedItems<unknown>,
  metrics: (items) => checkItems(items as MetricPoint[], checkMetricPoint, 'metric point') as CheckedItems<unknown>,
  logs: (items) =>
    checkItems(
      items as LogInput[],
      (l) => (isReadableLog(l) ? undefined : checkLogRecord(l)),
      'log record',
    ) as CheckedItems<unknown>,
};

/** The ingest door: refuses unstorable records per item, then hands the rest to the signal's queue. */
export function ingestInto(
  queues: SignalQueues,
  plan: StoragePlan,
): (signal: Signal, items: unknown[], opts?: IngestOptions) => IngestResult {
  return (signal, items, opts) => {
    const q = queues[signal];
    if (!q) {
      return {
        accepted: 0,
        rejected: items.length,
        reason: plan.bySignal[signal].enabled ? 'not_stored' : 'signal_disabled',
      };
    }
    // Records checked by the caller (a receiver's decode thread) are not checked again on the event loop.
    const checked = opts?.checked ? { ...opts.checked, good: items } : doorChecks[signal](items);
    if (checked.rejected > 0) {
      for (const [reason, count] of Object.entries(checked.byReason))
        q.refuse(reason, count, checked.messages.join('; '));
    }
    const pushed = q.push(checked.good, opts);
    if (checked.rejected === 0) return pushed;
    return { ...pushed, rejected: pushed.rejected + checked.rejected, messages: checked.messages };
  };
}
