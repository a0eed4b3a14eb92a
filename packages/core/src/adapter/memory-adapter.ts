import { serviceNameOf } from '../attributes.js';
import type { LogRecord, MetricPoint, SpanRecord } from '../model.js';
import {
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  type MetricDescriptor,
  type NormalizedLogQuery,
  type Page,
  type TraceSummary,
} from '../query.js';
import type { AdapterContext, SignalRetention, TelemetryAdapter } from './contract.js';
import {
  compareSpans,
  type LogCursor,
  logBodyText,
  pagePoints,
  pointMatches,
  rawPointMatches,
  retentionCutoff,
  searchLogs,
  searchTraces,
  seriesFromPoints,
} from './reference.js';

/**
 * The in-memory reference adapter (`type = "memory"`): every capability, exact semantics, nothing persisted.
 * The conformance suite runs against it to prove itself; tests and short-lived tools can use it directly.
 */
export function createMemoryAdapter(context?: Partial<AdapterContext>): TelemetryAdapter {
  const retention: SignalRetention = context?.retention ?? { traces: 0, metrics: 0, logs: 0 };
  const spans = new Map<string, SpanRecord>();
  const points: MetricPoint[] = [];
  const pointSeq = new WeakMap<MetricPoint, number>();
  let nextPointSeq = 0;
  const logs: Array<{ seq: number; record: LogRecord }> = [];
  let logSeq = 0;

  const byTrace = (): Map<string, SpanRecord[]> => {
    const m = new Map<string, SpanRecord[]>();
    for (const s of spans.values()) {
      const list = m.get(s.traceId);
      if (list) list.push(s);
      else m.set(s.traceId, [s]);
    }
    return m;
  };

  return {
    type: 'memory',
    traces: {
      capabilities: {
        attributeOperators: [...ATTRIBUTE_OPERATORS],
        filters: ['service', 'name', 'duration', 'status', 'time'],
        paging: true,
      },
      async write(batch) {
        for (const s of batch) spans.set(`${s.traceId}:${s.spanId}`, structuredClone(s));
        return { ok: true };
      },
      async findTraces(q): Promise<Page<TraceSummary>> {
        return searchTraces(byTrace().values(), q);
      },
      async getTrace(traceId) {
        const list = [...spans.values()].filter((s) => s.traceId === traceId);
        return list.length ? list.sort(compareSpans).map((s) => structuredClone(s)) : null;
      },
      async listServices() {
        return [...new Set([...spans.values()].map((s) => serviceNameOf(s.resource)))].sort();
      },
      async listOperations(service) {
        return [
          ...new Set([...spans.values()].filter((s) => serviceNameOf(s.resource) === service).map((s) => s.name)),
        ].sort();
      },
    },
    metrics: {
      capabilities: {
        aggregations: [...ALL_AGGREGATIONS],
        attributeOperators: [...ATTRIBUTE_OPERATORS],
        groupBy: true,
        groupByResource: true,
        exemplars: true,
        instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
      },
      async write(batch) {
        for (const p of batch) {
          const copy = structuredClone(p);
          pointSeq.set(copy, ++nextPointSeq);
          points.push(copy);
        }
        return { ok: true };
      },
      async queryMetrics(q) {
        return seriesFromPoints(
          points.filter((p) => pointMatches(p, q)),
          q,
        );
      },
      async readPoints(q) {
        const page = pagePoints(
          points.filter((p) => rawPointMatches(p, q)).map((p) => ({ seq: pointSeq.get(p)!, point: p })),
          q,
        );
        return { ...page, items: page.items.map((p) => structuredClone(p)) };
      },
      async listMetrics() {
        const seen = new Map<string, MetricDescriptor>();
        for (const p of points) {
          if (seen.has(p.name)) continue;
          const d: MetricDescriptor = { name: p.name, type: p.type };
          if (p.description) d.description = p.description;
          if (p.unit) d.unit = p.unit;
          seen.set(p.name, d);
        }
        return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
      },
    },
    logs: {
      capabilities: {
        attributeOperators: [...ATTRIBUTE_OPERATORS],
        filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
        paging: true,
        ignoreCase: 'unicode',
      },
      async write(batch) {
        for (const r of batch) logs.push({ seq: ++logSeq, record: structuredClone(r) });
        return { ok: true };
      },
      async queryLogs(q: NormalizedLogQuery): Promise<Page<LogRecord>> {
        const page = searchLogs(logs, q);
        return { ...page, items: page.items.map((r) => structuredClone(r)) };
      },
    },
    async init() {},
    async retention(nowNano) {
      const result = { traces: 0, metrics: 0, logs: 0 };
      const tc = retentionCutoff(nowNano, retention.traces);
      if (tc !== undefined) {
        for (const [k, s] of spans) {
          if (s.startTimeUnixNano < tc && spans.delete(k)) result.traces++;
        }
      }
      const mc = retentionCutoff(nowNano, retention.metrics);
      if (mc !== undefined) {
        const kept = points.filter((p) => p.timeUnixNano >= mc);
        result.metrics = points.length - kept.length;
        points.splice(0, points.length, ...kept);
      }
      const lc = retentionCutoff(nowNano, retention.logs);
      if (lc !== undefined) {
        const kept = logs.filter((l) => l.record.timeUnixNano >= lc);
        result.logs = logs.length - kept.length;
        logs.splice(0, logs.length, ...kept);
      }
      return result;
    },
    async health() {
      return { ok: true, message: `memory: ${spans.size} spans, ${points.length} points, ${logs.length} logs` };
    },
    async close() {},
  };
}
