/**
 * The service overview's numbers: calls, errors, p50 and p99 per service and per operation over one time window, the
 * way Jaeger's Service Performance Monitoring and the Aspire dashboard show them. Taken from span-derived metrics
 * when the store has them (the OpenTelemetry Collector spanmetrics connector's `traces.span.metrics.*` shape first,
 * then the Rohas reference's `handler.execution.*`), else computed from the traces of the window (root spans only).
 */
import { api } from './api.ts';
import type { MetricDescriptor, MetricSeries, TraceSummary } from './api-types.ts';
import { autoStep } from './format.ts';
import { counterIncrease, labelsId } from './metric-data.ts';

export interface OverviewRow {
  service: string;
  /** Absent on a service's own row. */
  operation?: string;
  calls: number;
  errors: number;
  /** Milliseconds; absent when no duration was recorded. */
  p50?: number;
  p99?: number;
}

export interface ServiceOverview extends OverviewRow {
  operations: OverviewRow[];
}

export interface Overview {
  source: 'span-metrics' | 'handler-metrics' | 'traces';
  /** Where the numbers come from, in words, for the page. */
  sourceText: string;
  windowSeconds: number;
  services: ServiceOverview[];
  /** Trace source only: the window held more traces than were read. */
  truncated?: boolean;
}

/** A metric source: the counter of calls, how errors are counted, the duration histogram and its operation key. */
export interface MetricSource {
  id: 'span-metrics' | 'handler-metrics';
  calls: string;
  /** A separate error counter (handler metrics), or the attribute value that marks an error call (span metrics). */
  errors: { counter: string } | { key: string; value: string };
  duration: string;
  operationKey: string;
  /** Every attribute key of the calls counter, so a query group is one stream (per instance). */
  streamKeys: string[];
}

// The spanmetrics connector's names and values (connector/spanmetricsconnector, opentelemetry-collector-contrib),
// as the core's SpanMetricsProcessor writes them.
export const SPAN_METRICS: MetricSource = {
  id: 'span-metrics',
  calls: 'traces.span.metrics.calls',
  errors: { key: 'status.code', value: 'STATUS_CODE_ERROR' },
  duration: 'traces.span.metrics.duration',
  operationKey: 'span.name',
  streamKeys: ['service.name', 'span.name', 'span.kind', 'status.code'],
};

export const HANDLER_METRICS: MetricSource = {
  id: 'handler-metrics',
  calls: 'handler.execution.count',
  errors: { counter: 'handler.execution.errors' },
  duration: 'handler.execution.duration',
  operationKey: 'handler_name',
  streamKeys: ['service.name', 'handler_name', 'handler_type', 'language', 'status'],
};

/** The first metric source whose calls counter and duration histogram are both stored. */
export function pickMetricSource(metrics: MetricDescriptor[]): MetricSource | undefined {
  const names = new Set(metrics.map((m) => m.name));
  return [SPAN_METRICS, HANDLER_METRICS].find((s) => names.has(s.calls) && names.has(s.duration));
}

function labelString(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

/** Total increase of cumulative counter series per (service, operation) key, baseline taken from before the window. */
export function increaseTotals(
  series: MetricSeries[],
  before: MetricSeries[],
  operationKey: string,
): Map<string, { service: string; operation: string; value: number }> {
  const baseline = new Map<string, number>();
  for (const s of before) {
    const last = s.points[s.points.length - 1];
    if (last) baseline.set(labelsId(s.labels), last.value);
  }
  const out = new Map<string, { service: string; operation: string; value: number }>();
  for (const s of counterIncrease(series, ['service.name', operationKey], baseline)) {
    const service = labelString(s.labels['service.name']);
    const operation = labelString(s.labels[operationKey]);
    const value = s.points.reduce((a, p) => a + p.value, 0);
    const key = `${service}\u0000${operation}`;
    const prev = out.get(key);
    out.set(key, { service, operation, value: (prev?.value ?? 0) + value });
  }
  return out;
}

/** Rows per service (sorted by name), each with its operations (sorted by calls, most first). */
export function assemble(
  rows: OverviewRow[],
  serviceDurations: Map<string, { p50?: number; p99?: number }>,
): ServiceOverview[] {
  const services = new Map<string, ServiceOverview>();
  for (const r of rows) {
    let s = services.get(r.service);
    if (!s) {
      s = { service: r.service, calls: 0, errors: 0, ...serviceDurations.get(r.service), operations: [] };
      services.set(r.service, s);
    }
    s.calls += r.calls;
    s.errors += r.errors;
    s.operations.push(r);
  }
  for (const s of services.values()) s.operations.sort((a, b) => b.calls - a.calls || cmp(a.operation, b.operation));
  return [...services.values()].sort((a, b) => cmp(a.service, b.service));
}

function cmp(a = '', b = ''): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Nearest-rank quantile of sorted values. */
export function quantile(sorted: number[], q: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** The overview from trace summaries: one call per trace, by its root service and root operation. */
export function overviewFromTraces(traces: TraceSummary[]): ServiceOverview[] {
  const ops = new Map<string, { service: string; operation: string; errors: number; ms: number[] }>();
  const bySvc = new Map<string, number[]>();
  for (const t of traces) {
    const key = `${t.rootServiceName}\u0000${t.rootSpanName}`;
    let o = ops.get(key);
    if (!o) {
      o = { service: t.rootServiceName, operation: t.rootSpanName, errors: 0, ms: [] };
      ops.set(key, o);
    }
    const ms = Number(t.durationNano) / 1e6;
    o.ms.push(ms);
    if (t.errorCount > 0) o.errors++;
    const svc = bySvc.get(t.rootServiceName) ?? [];
    svc.push(ms);
    bySvc.set(t.rootServiceName, svc);
  }
  const durations = new Map<string, { p50?: number; p99?: number }>();
  for (const [svc, ms] of bySvc) {
    ms.sort((a, b) => a - b);
    durations.set(svc, { p50: quantile(ms, 0.5), p99: quantile(ms, 0.99) });
  }
  const rows: OverviewRow[] = [...ops.values()].map((o) => {
    o.ms.sort((a, b) => a - b);
    return {
      service: o.service,
      operation: o.operation,
      calls: o.ms.length,
      errors: o.errors,
      p50: quantile(o.ms, 0.5),
      p99: quantile(o.ms, 0.99),
    };
  });
  return assemble(rows, durations);
}

/** Traces read at most for the trace source (3 pages of 1,000). */
export const TRACE_READ_LIMIT = 3000;

/** Loads the overview of [startNs, endNs): metric source when one holds data in the window, else the traces. */
export async function loadOverview(startNs: bigint, endNs: bigint, signal: AbortSignal): Promise<Overview> {
  const windowSeconds = Number(endNs - startNs) / 1e9;
  const metrics = await api.listMetrics(signal).catch(() => [] as MetricDescriptor[]);
  const source = pickMetricSource(metrics);
  if (source) {
    const services = await overviewFromMetrics(source, startNs, endNs, signal);
    if (services.length > 0)
      return {
        source: source.id,
        sourceText: `span-derived metrics (${source.calls}, ${source.duration})`,
        windowSeconds,
        services,
      };
  }
  const traces: TraceSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.findTraces(
      { start: startNs.toString(), end: endNs.toString(), limit: 1000, cursor },
      signal,
    );
    traces.push(...page.traces);
    cursor = page.nextCursor;
  } while (cursor && traces.length < TRACE_READ_LIMIT);
  return {
    source: 'traces',
    sourceText: `the root spans of ${traces.length.toLocaleString('en')} trace${traces.length === 1 ? '' : 's'}${cursor ? ' (the newest of more)' : ''}`,
    windowSeconds,
    services: overviewFromTraces(traces),
    truncated: cursor !== undefined,
  };
}

async function overviewFromMetrics(
  source: MetricSource,
  startNs: bigint,
  endNs: bigint,
  signal: AbortSignal,
): Promise<ServiceOverview[]> {
  const span = endNs - startNs;
  const lookback = span > 86_400_000_000_000n ? span : 86_400_000_000_000n;
  const win = { start: startNs.toString(), end: endNs.toString() };
  const streams = source.streamKeys.join(',');
  // Cumulative counters (the SDK's default): `last` per stream and step, increases summed; the last value of each
  // stream before the window is the first step's baseline (as the metrics page does).
  const counter = (name: string) =>
    Promise.all([
      api.queryMetrics(
        { name, ...win, step: autoStep(Number(span), 60), aggregation: 'last', groupBy: streams },
        signal,
      ),
      api.queryMetrics(
        { name, start: (startNs - lookback).toString(), end: win.start, aggregation: 'last', groupBy: streams },
        signal,
      ),
    ]);
  const pct = (groupBy: string, aggregation: 'p50' | 'p99') =>
    api.queryMetrics({ name: source.duration, ...win, aggregation, groupBy }, signal);
  const opGroup = `service.name,${source.operationKey}`;
  const [calls, errorCounter, opP50, opP99, svcP50, svcP99] = await Promise.all([
    counter(source.calls),
    'counter' in source.errors ? counter(source.errors.counter) : Promise.resolve(undefined),
    pct(opGroup, 'p50'),
    pct(opGroup, 'p99'),
    pct('service.name', 'p50'),
    pct('service.name', 'p99'),
  ]);
  const callTotals = increaseTotals(calls[0], calls[1], source.operationKey);
  let errorTotals: ReturnType<typeof increaseTotals>;
  if (errorCounter) errorTotals = increaseTotals(errorCounter[0], errorCounter[1], source.operationKey);
  else {
    const { key, value } = source.errors as { key: string; value: string };
    const bad = (s: MetricSeries) => labelString(s.labels[key]) === value;
    errorTotals = increaseTotals(calls[0].filter(bad), calls[1].filter(bad), source.operationKey);
  }
  const lastValue = (list: MetricSeries[], keys: string[]) => {
    const m = new Map<string, number>();
    for (const s of list) {
      const p = s.points[s.points.length - 1];
      if (p) m.set(keys.map((k) => labelString(s.labels[k])).join('\u0000'), p.value);
    }
    return m;
  };
  const opKeys = ['service.name', source.operationKey];
  const p50 = lastValue(opP50, opKeys);
  const p99 = lastValue(opP99, opKeys);
  const rows: OverviewRow[] = [...callTotals.entries()]
    .filter(([, c]) => c.value > 0)
    .map(([key, c]) => ({
      service: c.service,
      operation: c.operation,
      calls: c.value,
      errors: errorTotals.get(key)?.value ?? 0,
      p50: p50.get(key),
      p99: p99.get(key),
    }));
  const s50 = lastValue(svcP50, ['service.name']);
  const s99 = lastValue(svcP99, ['service.name']);
  const durations = new Map<string, { p50?: number; p99?: number }>();
  for (const svc of new Set(rows.map((r) => r.service))) durations.set(svc, { p50: s50.get(svc), p99: s99.get(svc) });
  return assemble(rows, durations);
}

/** Calls per second as a short rate: `12/s`, `3.5/min`, `2/h`. */
export function formatRate(perSecond: number): string {
  if (perSecond === 0) return '0/s';
  if (perSecond >= 1) return `${+perSecond.toFixed(perSecond >= 100 ? 0 : 1)}/s`;
  const perMin = perSecond * 60;
  return perMin >= 1 ? `${+perMin.toFixed(1)}/min` : `${+(perMin * 60).toFixed(1)}/h`;
}
