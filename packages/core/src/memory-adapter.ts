import { encodeAnyValue, matchesAllFilters, serviceNameOf } from './attributes.js';
import {
  ALL_AGGREGATIONS,
  aggregatePoints,
  bucketStart,
  decodeCursor,
  encodeCursor,
  labelsKey,
} from './query-support.js';
import type {
  AdapterContext,
  Attributes,
  HistogramValue,
  LogRecord,
  MetricDescriptor,
  MetricPoint,
  MetricSeries,
  NormalizedLogQuery,
  NormalizedMetricQuery,
  NormalizedTraceQuery,
  Page,
  SignalRetention,
  SpanRecord,
  TelemetryAdapter,
  TraceSummary,
} from './types.js';

const NANOS_PER_DAY = 86_400_000_000_000n;

export function retentionCutoff(nowNano: bigint, days: number): bigint | undefined {
  return days > 0 ? nowNano - BigInt(Math.round(days * 86_400)) * 1_000_000_000n : undefined;
}

const STATUS_CODES = { unset: 0, ok: 1, error: 2 } as const;

/** Whether one span satisfies every span-level condition of a trace query (the reference semantics). */
export function spanMatches(span: SpanRecord, q: NormalizedTraceQuery): boolean {
  if (q.service !== undefined && serviceNameOf(span.resource) !== q.service) return false;
  if (q.name !== undefined && span.name !== q.name) return false;
  if (q.start !== undefined && span.startTimeUnixNano < q.start) return false;
  if (q.end !== undefined && span.startTimeUnixNano >= q.end) return false;
  const duration = span.endTimeUnixNano - span.startTimeUnixNano;
  if (q.minDurationNano !== undefined && duration < q.minDurationNano) return false;
  if (q.maxDurationNano !== undefined && duration > q.maxDurationNano) return false;
  if (q.status !== undefined && span.status.code !== STATUS_CODES[q.status]) return false;
  return matchesAllFilters(q.attributes, span.attributes, span.resource.attributes);
}

/** Whether one metric point satisfies every condition of a metric query except grouping (the reference semantics). */
export function pointMatches(p: MetricPoint, q: NormalizedMetricQuery): boolean {
  return (
    p.name === q.name &&
    p.timeUnixNano >= q.start &&
    p.timeUnixNano < q.end &&
    (q.service === undefined || serviceNameOf(p.resource) === q.service) &&
    matchesAllFilters(q.attributes, p.attributes, p.resource.attributes)
  );
}

/** Builds the summary of a trace from all of its stored spans. */
export function summarizeTrace(spans: SpanRecord[]): TraceSummary {
  let start = spans[0]!.startTimeUnixNano;
  let end = spans[0]!.endTimeUnixNano;
  let errors = 0;
  const services = new Set<string>();
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanRecord | undefined;
  let earliest = spans[0]!;
  for (const s of spans) {
    if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
    if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
    if (s.status.code === 2) errors++;
    services.add(serviceNameOf(s.resource));
    if (!s.parentSpanId || !ids.has(s.parentSpanId)) {
      if (!s.parentSpanId && (!root || s.startTimeUnixNano < root.startTimeUnixNano)) root = s;
    }
    if (s.startTimeUnixNano < earliest.startTimeUnixNano) earliest = s;
  }
  const head = root ?? earliest;
  return {
    traceId: head.traceId,
    rootServiceName: serviceNameOf(head.resource),
    rootSpanName: head.name,
    startTimeUnixNano: start,
    durationNano: end - start,
    spanCount: spans.length,
    errorCount: errors,
    services: [...services].sort(),
  };
}

/** Sort order of getTrace: start time, then span id. */
export function compareSpans(a: SpanRecord, b: SpanRecord): number {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano ? -1 : 1;
  return a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0;
}

/** Cursor position of a trace search: the sort key of the last trace returned. */
export interface TraceCursor {
  t: bigint;
  id: string;
}
/** Cursor position of a log query: time and the store's tie-breaking sequence of the last record returned. */
export interface LogCursor {
  t: bigint;
  s: string | number;
}

/**
 * Groups matching points into series and buckets — the reference semantics of queryMetrics that every
 * adapter's result is compared with. Points must be filtered on name, window, service and attributes already.
 */
export function seriesFromPoints(points: MetricPoint[], q: NormalizedMetricQuery): MetricSeries[] {
  const groups = new Map<string, { labels: Attributes; first: MetricPoint; buckets: Map<bigint, MetricPoint[]> }>();
  const sorted = [...points].sort((a, b) =>
    a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0,
  );
  for (const p of sorted) {
    let labels: Attributes;
    if (q.groupBy === undefined) labels = p.attributes;
    else {
      labels = {};
      for (const k of q.groupBy) {
        // A key the point lacks comes from its resource (group by service.name): point attributes win a clash.
        const v = p.attributes[k] ?? p.resource?.attributes[k];
        if (v !== undefined) labels[k] = v;
      }
    }
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, first: p, buckets: new Map() };
      groups.set(key, g);
    }
    const b = bucketStart(p.timeUnixNano, q.start, q.stepNano);
    const list = g.buckets.get(b);
    if (list) list.push(p);
    else g.buckets.set(b, [p]);
  }
  const out: MetricSeries[] = [];
  for (const [key, g] of [...groups.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    void key;
    const points: MetricSeries['points'] = [];
    for (const [t, list] of [...g.buckets.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const histograms = list.map((p) => p.histogram).filter((h): h is HistogramValue => h !== undefined);
      const value = aggregatePoints(
        q.aggregation,
        list.map((p) => p.value ?? 0),
        histograms.length > 0 ? histograms : undefined,
      );
      if (value !== undefined && !Number.isNaN(value)) points.push({ timeUnixNano: t, value });
    }
    const series: MetricSeries = { name: g.first.name, type: g.first.type, labels: g.labels, points };
    if (g.first.unit) series.unit = g.first.unit;
    out.push(series);
  }
  return out;
}

/**
 * The in-memory reference adapter (`type = "memory"`): every capability, exact semantics, nothing persisted.
 * The conformance suite runs against it to prove itself; tests and short-lived tools can use it directly.
 */
export function createMemoryAdapter(context?: Partial<AdapterContext>): TelemetryAdapter {
  const retention: SignalRetention = context?.retention ?? { traces: 0, metrics: 0, logs: 0 };
  const spans = new Map<string, SpanRecord>();
  const points: MetricPoint[] = [];
  const logs: Array<{ seq: number; record: LogRecord }> = [];
  let logSeq = 0;
  const allOps = ['=', '!=', 'exists', 'wildcard', 'regex'] as const;

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
        attributeOperators: [...allOps],
        filters: ['service', 'name', 'duration', 'status', 'time'],
        paging: true,
      },
      async write(batch) {
        for (const s of batch) spans.set(`${s.traceId}:${s.spanId}`, structuredClone(s));
        return { ok: true };
      },
      async findTraces(q): Promise<Page<TraceSummary>> {
        const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
        const keyed: Array<{ t: bigint; id: string; spans: SpanRecord[] }> = [];
        for (const [id, list] of byTrace()) {
          let t: bigint | undefined;
          for (const s of list)
            if (spanMatches(s, q) && (t === undefined || s.startTimeUnixNano > t)) t = s.startTimeUnixNano;
          if (t === undefined) continue;
          if (after && (t > after.t || (t === after.t && id >= after.id))) continue;
          keyed.push({ t, id, spans: list });
        }
        keyed.sort((a, b) => (a.t !== b.t ? (a.t > b.t ? -1 : 1) : a.id > b.id ? -1 : 1));
        const page = keyed.slice(0, q.limit);
        const last = page[page.length - 1];
        return {
          items: page.map((k) => summarizeTrace(k.spans)),
          ...(keyed.length > q.limit && last
            ? { nextCursor: encodeCursor({ t: last.t, id: last.id } satisfies TraceCursor) }
            : {}),
        };
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
        attributeOperators: [...allOps],
        groupBy: true,
        groupByResource: true,
        exemplars: true,
        instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
      },
      async write(batch) {
        for (const p of batch) points.push(structuredClone(p));
        return { ok: true };
      },
      async queryMetrics(q) {
        return seriesFromPoints(
          points.filter((p) => pointMatches(p, q)),
          q,
        );
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
        attributeOperators: [...allOps],
        filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
        paging: true,
      },
      async write(batch) {
        for (const r of batch) logs.push({ seq: ++logSeq, record: structuredClone(r) });
        return { ok: true };
      },
      async queryLogs(q: NormalizedLogQuery): Promise<Page<LogRecord>> {
        const after = q.cursor ? decodeCursor<LogCursor>(q.cursor) : undefined;
        const desc = q.order === 'desc';
        const matching = logs.filter(({ seq, record: r }) => {
          if (q.start !== undefined && r.timeUnixNano < q.start) return false;
          if (q.end !== undefined && r.timeUnixNano >= q.end) return false;
          if (q.minSeverity !== undefined && r.severityNumber < q.minSeverity) return false;
          if (q.traceId !== undefined && r.traceId !== q.traceId) return false;
          if (q.spanId !== undefined && r.spanId !== q.spanId) return false;
          if (q.service !== undefined && serviceNameOf(r.resource) !== q.service) return false;
          if (q.text !== undefined && !logBodyText(r.body).includes(q.text)) return false;
          if (after) {
            const s = Number(after.s);
            if (
              desc
                ? r.timeUnixNano > after.t || (r.timeUnixNano === after.t && seq >= s)
                : r.timeUnixNano < after.t || (r.timeUnixNano === after.t && seq <= s)
            ) {
              return false;
            }
          }
          return matchesAllFilters(q.attributes, r.attributes, r.resource.attributes);
        });
        matching.sort((a, b) => {
          const c =
            a.record.timeUnixNano !== b.record.timeUnixNano
              ? a.record.timeUnixNano < b.record.timeUnixNano
                ? -1
                : 1
              : a.seq - b.seq;
          return desc ? -c : c;
        });
        const page = matching.slice(0, q.limit);
        const last = page[page.length - 1];
        return {
          items: page.map((l) => structuredClone(l.record)),
          ...(matching.length > q.limit && last
            ? { nextCursor: encodeCursor({ t: last.record.timeUnixNano, s: last.seq } satisfies LogCursor) }
            : {}),
        };
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

/** The text a log `text` filter searches: a string body as it is, any other body as its {@link encodeAnyValue} JSON. */
export function logBodyText(body: LogRecord['body']): string {
  return typeof body === 'string' ? body : encodeAnyValue(body);
}

export { NANOS_PER_DAY };
