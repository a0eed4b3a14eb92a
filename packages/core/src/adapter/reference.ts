/**
 * The reference semantics every adapter is held to by the conformance suite: what matches a query, how a trace is
 * summarized and ordered, how points become series, when retention cuts. Adapters that evaluate part of a query
 * in their own engine use these for the rest, so results are the same on every backend.
 */
import { encodeAnyValue, matchesAllFilters, serviceNameOf } from '../attributes.js';
import type { Attributes, HistogramValue, LogRecord, MetricPoint, SpanRecord } from '../model.js';
import type {
  MetricSeries,
  NormalizedLogQuery,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  NormalizedTraceQuery,
  Page,
  TraceSummary,
} from '../query.js';
import { aggregatePoints, bucketStart, decodeCursor, encodeCursor, labelsKey } from '../query-support.js';

/** Nanoseconds in a day. */
export const NANOS_PER_DAY = 86_400_000_000_000n;

/** The time before which data of a signal kept `days` days is deleted at `nowNano`; `undefined` keeps forever. */
export function retentionCutoff(nowNano: bigint, days: number): bigint | undefined {
  return days > 0 ? nowNano - BigInt(Math.round(days * 86_400)) * 1_000_000_000n : undefined;
}

/** Status names of {@link TraceQuery.status} and their OTLP codes. */
export const STATUS_CODES = { unset: 0, ok: 1, error: 2 } as const;

/** The fields of a span that {@link spanMatches} reads: adapters can pass a partly decoded row. */
export interface SpanMatchInput {
  name: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: { code: number };
  attributes: Attributes;
  resource: { attributes: Attributes };
}

/** The fields of a span that {@link summarizeTrace} reads: adapters can pass a partly decoded row. */
export interface SpanSummaryInput {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: { code: number };
  resource: { attributes: Attributes };
}

/** Whether one span satisfies every span-level condition of a trace query (the reference semantics). */
export function spanMatches(span: SpanMatchInput, q: NormalizedTraceQuery): boolean {
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

/** Whether one metric point satisfies every condition of a raw point read except paging (the reference semantics). */
export function rawPointMatches(p: MetricPoint, q: NormalizedRawPointQuery): boolean {
  return (
    (q.names.length === 0 || q.names.includes(p.name)) &&
    (q.start === undefined || p.timeUnixNano >= q.start) &&
    (q.end === undefined || p.timeUnixNano < q.end) &&
    (q.service === undefined || serviceNameOf(p.resource) === q.service) &&
    matchesAllFilters(q.attributes, p.attributes, p.resource.attributes)
  );
}

/** Cursor position of a raw point read: time and the store's tie-breaking key of the last point returned. */
export interface PointCursor {
  t: bigint;
  s: string | number;
}

/**
 * One page of a raw point read from candidates that each carry a tie-breaking key (`seq`): sorts by (time, seq),
 * skips what the cursor already returned, returns `limit` points and the next cursor when more may follow.
 * Adapters that filter in memory use it as the reference does.
 */
export function pagePoints<K extends string | number>(
  candidates: Array<{ seq: K; point: MetricPoint }>,
  q: NormalizedRawPointQuery,
): Page<MetricPoint> {
  const after = q.cursor ? decodeCursor<PointCursor>(q.cursor) : undefined;
  const cmp = (a: K, b: K) => (a < b ? -1 : a > b ? 1 : 0);
  const rest = candidates.filter(
    (c) =>
      !after || c.point.timeUnixNano > after.t || (c.point.timeUnixNano === after.t && cmp(c.seq, after.s as K) > 0),
  );
  rest.sort((a, b) =>
    a.point.timeUnixNano !== b.point.timeUnixNano
      ? a.point.timeUnixNano < b.point.timeUnixNano
        ? -1
        : 1
      : cmp(a.seq, b.seq),
  );
  const page = rest.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((c) => c.point),
    ...(rest.length > q.limit && last
      ? { nextCursor: encodeCursor({ t: last.point.timeUnixNano, s: last.seq } satisfies PointCursor) }
      : {}),
  };
}

/** Builds the summary of a trace from all of its stored spans. */
export function summarizeTrace(spans: readonly SpanSummaryInput[]): TraceSummary {
  let start = spans[0]!.startTimeUnixNano;
  let end = spans[0]!.endTimeUnixNano;
  let errors = 0;
  const services = new Set<string>();
  const ids = new Set(spans.map((s) => s.spanId));
  let root: SpanSummaryInput | undefined;
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
export function compareSpans(
  a: Pick<SpanRecord, 'startTimeUnixNano' | 'spanId'>,
  b: Pick<SpanRecord, 'startTimeUnixNano' | 'spanId'>,
): number {
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
 * One page of a trace search over spans grouped by trace — the reference semantics of findTraces: a trace matches
 * when one of its spans matches; traces are ordered by their latest matching span start, newest first, then by
 * trace id descending; the cursor holds that sort key. Adapters that can only filter coarsely can read candidate
 * traces and finish the search here.
 */
export function searchTraces(traces: Iterable<readonly SpanRecord[]>, q: NormalizedTraceQuery): Page<TraceSummary> {
  const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
  const keyed: Array<{ t: bigint; id: string; spans: readonly SpanRecord[] }> = [];
  for (const list of traces) {
    const id = list[0]?.traceId;
    if (id === undefined) continue;
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
}

/** The text a log `text` filter searches: a string body as it is, any other body as its {@link encodeAnyValue} JSON. */
export function logBodyText(body: LogRecord['body']): string {
  return typeof body === 'string' ? body : encodeAnyValue(body);
}

/** Lower-cases text for `ignoreCase`: every letter (`unicode`, the reference) or A–Z only (`ascii`). */
export function foldCase(text: string, mode: 'unicode' | 'ascii' = 'unicode'): string {
  return mode === 'unicode' ? text.toLowerCase() : text.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

/**
 * Whether a log body holds the query's `text` (the reference semantics): a substring of {@link logBodyText}, both
 * sides folded with {@link foldCase} when `ignoreCase` is set. `mode` is the backend's declared folding.
 */
export function logTextMatches(
  body: LogRecord['body'],
  q: Pick<NormalizedLogQuery, 'text' | 'ignoreCase'>,
  mode: 'unicode' | 'ascii' = 'unicode',
): boolean {
  if (q.text === undefined) return true;
  const haystack = logBodyText(body);
  return q.ignoreCase ? foldCase(haystack, mode).includes(foldCase(q.text, mode)) : haystack.includes(q.text);
}

/** Whether one log record satisfies every filter of a log query except paging (the reference semantics). */
export function logMatches(r: LogRecord, q: NormalizedLogQuery): boolean {
  if (q.start !== undefined && r.timeUnixNano < q.start) return false;
  if (q.end !== undefined && r.timeUnixNano >= q.end) return false;
  if (q.minSeverity !== undefined && r.severityNumber < q.minSeverity) return false;
  if (q.traceId !== undefined && r.traceId !== q.traceId) return false;
  if (q.spanId !== undefined && r.spanId !== q.spanId) return false;
  if (q.service !== undefined && serviceNameOf(r.resource) !== q.service) return false;
  if (!logTextMatches(r.body, q)) return false;
  return matchesAllFilters(q.attributes, r.attributes, r.resource.attributes);
}

/**
 * One page of a log query over records with their store's write sequence — the reference semantics of queryLogs:
 * ordered by time, then by sequence (newest first unless `order` is `asc`); the cursor holds that sort key.
 */
export function searchLogs(
  entries: Iterable<{ seq: number; record: LogRecord }>,
  q: NormalizedLogQuery,
): Page<LogRecord> {
  const after = q.cursor ? decodeCursor<LogCursor>(q.cursor) : undefined;
  const desc = q.order === 'desc';
  const s = after ? Number(after.s) : 0;
  const matching: Array<{ seq: number; record: LogRecord }> = [];
  for (const e of entries) {
    const t = e.record.timeUnixNano;
    if (after && (desc ? t > after.t || (t === after.t && e.seq >= s) : t < after.t || (t === after.t && e.seq <= s)))
      continue;
    if (logMatches(e.record, q)) matching.push(e);
  }
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
    items: page.map((l) => l.record),
    ...(matching.length > q.limit && last
      ? { nextCursor: encodeCursor({ t: last.record.timeUnixNano, s: last.seq } satisfies LogCursor) }
      : {}),
  };
}
