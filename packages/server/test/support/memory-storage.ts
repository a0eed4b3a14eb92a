// TEMPORARY: a TelemetryStorage over the core's in-memory reference adapter, for tests until the core's openStorage
// lands. It checks queries as the core does (normalize*Query with the adapter's capabilities) and can simulate a full
// queue. Delete once openStorage exists.
import {
  createMemoryAdapter,
  normalizeLogQuery,
  normalizeMetricQuery,
  normalizeTraceQuery,
  type LogRecord,
  type MetricPoint,
  type SpanRecord,
  type TelemetryConfig,
  type TelemetryQuery,
} from '@rohas/telemetry';
import type { IngestResultLike, ServerStorage } from '../../src/index.js';

export interface TestStorage extends ServerStorage {
  /** Every item handed to ingest*, for field-by-field checks of the conversion. */
  received: { spans: SpanRecord[]; points: MetricPoint[]; logs: LogRecord[] };
  /** When set, ingest* answers queue_full without taking anything. */
  queueFull: boolean;
}

export async function openMemoryStorage(overrides: Partial<TelemetryConfig> = {}): Promise<TestStorage> {
  const adapter = createMemoryAdapter();
  await adapter.init();
  const traces = adapter.traces!;
  const metrics = adapter.metrics!;
  const logs = adapter.logs!;
  const pending: Array<Promise<unknown>> = [];
  const config = { type: 'memory', retention_days: 0, server: {}, ...overrides } as TelemetryConfig;
  const query: TelemetryQuery = {
    findTraces: async (q) => traces.findTraces(normalizeTraceQuery(q, traces.capabilities)),
    getTrace: (id) => traces.getTrace(id),
    listServices: () => traces.listServices(),
    listOperations: (s) => traces.listOperations(s),
    listMetrics: () => metrics.listMetrics(),
    queryMetrics: async (q) => metrics.queryMetrics(normalizeMetricQuery(q, metrics.capabilities)),
    queryLogs: async (q) => logs.queryLogs(normalizeLogQuery(q, logs.capabilities)),
  };
  const storage: TestStorage = {
    config,
    query,
    received: { spans: [], points: [], logs: [] },
    queueFull: false,
    ingestSpans(spans): IngestResultLike {
      if (storage.queueFull) return { accepted: 0, rejected: spans.length, reason: 'queue_full', retryAfterMs: 2000 };
      storage.received.spans.push(...spans);
      pending.push(traces.write(spans));
      return { accepted: spans.length, rejected: 0 };
    },
    ingestMetrics(points): IngestResultLike {
      if (storage.queueFull) return { accepted: 0, rejected: points.length, reason: 'queue_full', retryAfterMs: 2000 };
      storage.received.points.push(...points);
      pending.push(metrics.write(points));
      return { accepted: points.length, rejected: 0 };
    },
    ingestLogs(records): IngestResultLike {
      if (storage.queueFull) return { accepted: 0, rejected: records.length, reason: 'queue_full', retryAfterMs: 2000 };
      storage.received.logs.push(...records);
      pending.push(logs.write(records));
      return { accepted: records.length, rejected: 0 };
    },
    stats: () => ({ traces: { written: storage.received.spans.length } }),
    health: async () => ({ ...(await adapter.health()), signals: { traces: 'memory', metrics: 'memory', logs: 'memory' } }),
    runRetention: () => adapter.retention(BigInt(Date.now()) * 1_000_000n),
    forceFlush: async () => {
      await Promise.all(pending.splice(0));
    },
    shutdown: () => adapter.close(),
  };
  return storage;
}
