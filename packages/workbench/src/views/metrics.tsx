/**
 * /workbench/metrics: the metric list, one metric as a chart over a window with group-by (?name=...), histograms as
 * p50/p90/p99 lines plus a heatmap, and the Rohas handler metrics as a ready dashboard (the default page).
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { Aggregation, MetricDescriptor, MetricSeries } from '../api-types.ts';
import { Chart, type ChartSeries } from '../chart.tsx';
import { Empty, ErrorBox, Link, SignalNotice, TimeWindow, useAsync, useTitle } from '../components.tsx';
import { autoStep, formatTimestamp, paletteColor, parseDuration, parseTime } from '../format.ts';
import {
  alignSeries,
  counterIncrease,
  labelsId,
  labelText,
  type QuantileBucket,
  quantileHeatmap,
  unitFormatter,
} from '../metric-data.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { cssVar, useTheme } from '../theme.ts';

/** How a panel turns stored points into a line: an API aggregation, a counter's increase, or histogram percentiles. */
type Mode = Aggregation | 'increase' | 'rate' | 'percentiles';

const MAX_SERIES = 24;

export const HANDLER_METRICS = [
  'handler.execution.count',
  'handler.execution.duration',
  'handler.execution.errors',
  'handler.execution.success',
];

export function defaultMode(type: MetricDescriptor['type'] | undefined): Mode {
  switch (type) {
    case 'counter':
      return 'increase';
    case 'histogram':
    case 'exponential_histogram':
      return 'percentiles';
    case 'up_down_counter':
      return 'last';
    default:
      return 'avg';
  }
}

interface Window {
  startNs: bigint;
  endNs: bigint;
  step: string;
}

function resolveWindow(start: string, end: string, step: string): Window | Error {
  const now = Date.now();
  const s = parseTime(start || 'now-1h', now);
  const e = end ? parseTime(end, now) : parseTime('now', now);
  if (s === undefined) return new Error(`Start "${start}" is not a time`);
  if (e === undefined) return new Error(`End "${end}" is not a time`);
  if (e <= s) return new Error('The window ends before it starts');
  if (step && parseDuration(step) === undefined) return new Error(`Step "${step}" is not a duration`);
  return { startNs: s, endNs: e, step: step || autoStep(Number(e - s)) };
}

export function MetricsPage({ route }: { route: Route }) {
  const p = route.params;
  const name = p.get('name') ?? '';
  useTitle(name || 'Handler dashboard');
  const metrics = useAsync((s) => api.listMetrics(s), []);
  const [filter, setFilter] = useState('');
  const start = p.get('start') ?? 'now-1h';
  const end = p.get('end') ?? '';
  const setParams = (changes: Record<string, string | string[] | undefined>) => {
    const next: Record<string, string | string[] | undefined> = {};
    for (const k of new Set(p.keys())) next[k] = p.getAll(k).length > 1 ? p.getAll(k) : (p.get(k) ?? undefined);
    navigate(withParams('/metrics', { ...next, ...changes }));
  };
  const list = (metrics.data ?? []).filter((m) => m.name.toLowerCase().includes(filter.toLowerCase()));
  const descriptor = metrics.data?.find((m) => m.name === name);
  return (
    <div class="page metrics-page">
      <nav class="metric-list panel" aria-label="Metrics">
        <Link
          to={withParams('/metrics', { start: p.get('start'), end: p.get('end') })}
          class={`metric-item dashboard-link ${name ? '' : 'active'}`}
        >
          Handler dashboard
        </Link>
        <input
          type="search"
          placeholder="Filter metrics…"
          aria-label="Filter metrics"
          value={filter}
          onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
        />
        {metrics.error && <ErrorBox error={metrics.error} />}
        <ul data-testid="metric-list">
          {list.map((m) => (
            <li key={m.name}>
              <Link
                to={withParams('/metrics', { name: m.name, start: p.get('start'), end: p.get('end') })}
                class={`metric-item ${m.name === name ? 'active' : ''}`}
                title={m.description}
              >
                <span class="metric-name">{m.name}</span>
                <span class="badge small">{m.type.replace(/_/g, ' ')}</span>
              </Link>
            </li>
          ))}
        </ul>
        {metrics.data && list.length === 0 && <p class="muted small">No metrics{filter ? ' match' : ' stored yet'}.</p>}
      </nav>
      <div class="metric-main">
        <SignalNotice signal="metrics" />
        <div class="metric-controls panel">
          <TimeWindow
            idPrefix="m"
            start={start}
            end={end}
            onChange={(s, e) => setParams({ start: s === 'now-1h' ? undefined : s, end: e || undefined })}
          />
          <div class="field narrow">
            <label for="m-step">Step</label>
            <input
              id="m-step"
              placeholder="auto"
              value={p.get('step') ?? ''}
              onChange={(e) => setParams({ step: (e.currentTarget as HTMLInputElement).value.trim() || undefined })}
            />
          </div>
          {name && (
            <button type="button" onClick={() => setParams({ r: String(Date.now()) })} title="Query again (r)">
              Refresh
            </button>
          )}
        </div>
        {name && !metrics.data && !metrics.error ? (
          <div class="loading">Loading…</div>
        ) : name ? (
          <MetricDetail key={name} name={name} descriptor={descriptor} route={route} setParams={setParams} />
        ) : (
          <HandlerDashboard route={route} metrics={metrics.data} />
        )}
      </div>
    </div>
  );
}

function MetricDetail(props: {
  name: string;
  descriptor: MetricDescriptor | undefined;
  route: Route;
  setParams: (c: Record<string, string | string[] | undefined>) => void;
}) {
  const p = props.route.params;
  const type = props.descriptor?.type;
  const mode = (p.get('agg') as Mode | null) ?? defaultMode(type);
  const groupBy = p.get('groupBy');
  const attrs = p.getAll('attr');
  const service = p.get('service') ?? '';
  const [knownKeys, setKnownKeys] = useState<string[]>([]);
  const isHist = type === 'histogram' || type === 'exponential_histogram';
  const groupKeys = groupBy ? groupBy.split(',').filter(Boolean) : undefined;
  const toggleKey = (k: string) => {
    const cur = new Set(groupKeys ?? []);
    if (cur.has(k)) cur.delete(k);
    else cur.add(k);
    props.setParams({ groupBy: cur.size ? [...cur].join(',') : undefined });
  };
  return (
    <>
      <div class="metric-head">
        <h1 data-testid="metric-title">{props.name}</h1>
        {props.descriptor && (
          <span class="muted">
            {props.descriptor.type.replace(/_/g, ' ')}
            {props.descriptor.unit ? ` · ${props.descriptor.unit}` : ''}
            {props.descriptor.description ? ` · ${props.descriptor.description}` : ''}
          </span>
        )}
      </div>
      <div class="metric-options panel">
        <div class="field">
          <label for="m-agg">Show</label>
          <select
            id="m-agg"
            value={mode}
            onChange={(e) => props.setParams({ agg: (e.currentTarget as HTMLSelectElement).value })}
          >
            {isHist && <option value="percentiles">p50 / p90 / p99</option>}
            {type === 'counter' && <option value="increase">increase per step</option>}
            {type === 'counter' && <option value="rate">rate per second</option>}
            {(['sum', 'avg', 'min', 'max', 'count', 'last', 'p50', 'p90', 'p95', 'p99'] as const).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="field grow">
          <legend class="label">Group by</legend>
          <div class="chips">
            {/* service.name is a resource attribute every series has: one line per reporting service. */}
            {[...new Set(['service.name', ...knownKeys, ...(groupKeys ?? [])])].sort().map((k) => (
              <button
                key={k}
                type="button"
                class={`chip ${groupKeys?.includes(k) ? 'on' : ''}`}
                aria-pressed={groupKeys?.includes(k) ?? false}
                onClick={() => toggleKey(k)}
              >
                {k}
              </button>
            ))}
            <input
              class="chip-input"
              placeholder="key, key…"
              aria-label="Group-by keys, comma separated"
              value={groupBy ?? ''}
              onChange={(e) =>
                props.setParams({
                  groupBy: (e.currentTarget as HTMLInputElement).value.replace(/\s+/g, '') || undefined,
                })
              }
            />
          </div>
        </fieldset>
        <div class="field">
          <label for="m-attr">Filter</label>
          <input
            id="m-attr"
            placeholder="key=value"
            value={attrs.join(' ')}
            onChange={(e) =>
              props.setParams({
                attr: (e.currentTarget as HTMLInputElement).value.split(/\s+/).filter(Boolean),
              })
            }
          />
        </div>
        <div class="field narrow">
          <label for="m-service">Service</label>
          <input
            id="m-service"
            value={service}
            onChange={(e) => props.setParams({ service: (e.currentTarget as HTMLInputElement).value || undefined })}
          />
        </div>
      </div>
      <MetricPanel
        title={props.name}
        name={props.name}
        type={type}
        unit={props.descriptor?.unit}
        mode={mode}
        groupBy={groupKeys}
        attrs={attrs}
        service={service}
        start={p.get('start') ?? 'now-1h'}
        end={p.get('end') ?? ''}
        step={p.get('step') ?? ''}
        refresh={p.get('r') ?? ''}
        height={320}
        onLabelKeys={(keys) =>
          setKnownKeys((k) => (keys.every((x) => k.includes(x)) ? k : [...new Set([...k, ...keys])]))
        }
        testId="metric-chart"
      />
      {isHist && mode === 'percentiles' && (
        <HistogramHeatmap
          name={props.name}
          unit={props.descriptor?.unit}
          attrs={attrs}
          service={service}
          start={p.get('start') ?? 'now-1h'}
          end={p.get('end') ?? ''}
          step={p.get('step') ?? ''}
        />
      )}
    </>
  );
}

interface PanelProps {
  title: string;
  name: string;
  type: MetricDescriptor['type'] | undefined;
  unit: string | undefined;
  mode: Mode;
  /** Keys to split series by; undefined = one series per attribute set; [] = everything merged. */
  groupBy: string[] | undefined;
  attrs?: string[];
  service?: string;
  start: string;
  end: string;
  step: string;
  refresh?: string;
  height?: number;
  onLabelKeys?: (keys: string[]) => void;
  testId?: string;
}

const QUANTILES = [
  { agg: 'p50', dash: undefined, width: 2 },
  { agg: 'p90', dash: [6, 3], width: 1.5 },
  { agg: 'p99', dash: [2, 3], width: 1.5 },
] as const;

/** One chart: queries the API for the panel's mode and draws the result. */
export function MetricPanel(props: PanelProps) {
  const theme = useTheme();
  const win = useMemo(
    () => resolveWindow(props.start, props.end, props.step),
    [props.start, props.end, props.step, props.refresh],
  );
  const groupParam = props.groupBy === undefined ? undefined : props.groupBy.join(',');
  const result = useAsync(
    async (signal) => {
      if (win instanceof Error) throw win;
      const base = {
        name: props.name,
        start: win.startNs.toString(),
        end: win.endNs.toString(),
        step: win.step,
        attr: props.attrs ?? [],
        service: props.service || undefined,
      };
      if (props.mode === 'increase' || props.mode === 'rate') {
        // Ungrouped `last` per attribute set; increases are taken per set and then summed per group. The last value
        // of each set before the window (one bucket over the preceding day or window) is the first bucket's baseline.
        const span = win.endNs - win.startNs;
        const lookback = span > 86_400_000_000_000n ? span : 86_400_000_000_000n;
        const [series, before] = await Promise.all([
          api.queryMetrics({ ...base, aggregation: 'last' }, signal),
          api.queryMetrics(
            {
              ...base,
              step: undefined,
              start: (win.startNs - lookback).toString(),
              end: win.startNs.toString(),
              aggregation: 'last',
            },
            signal,
          ),
        ]);
        const baseline = new Map<string, number>();
        for (const s of before) {
          const last = s.points[s.points.length - 1];
          if (last) baseline.set(labelsId(s.labels), last.value);
        }
        let out = counterIncrease(series, props.groupBy, baseline);
        if (props.mode === 'rate') {
          const perSecond = 1e9 / (parseDuration(win.step) ?? 1e9);
          out = out.map((s) => ({ ...s, points: s.points.map((pt) => ({ ...pt, value: pt.value * perSecond })) }));
        }
        return { mode: props.mode, series: out, raw: series };
      }
      if (props.mode === 'percentiles') {
        const per = await Promise.all(
          QUANTILES.map((q) => api.queryMetrics({ ...base, aggregation: q.agg, groupBy: groupParam ?? '' }, signal)),
        );
        const series: MetricSeries[] = [];
        per.forEach((list, qi) => {
          for (const s of list) series.push({ ...s, labels: { ...s.labels, quantile: QUANTILES[qi]!.agg } });
        });
        return { mode: props.mode, series, raw: per[0]! };
      }
      const series = await api.queryMetrics({ ...base, aggregation: props.mode, groupBy: groupParam }, signal);
      return { mode: props.mode, series, raw: series };
    },
    [props.name, props.mode, groupParam, (props.attrs ?? []).join('\u0000'), props.service, win],
  );
  const onKeys = useRef(props.onLabelKeys);
  onKeys.current = props.onLabelKeys;
  useEffect(() => {
    if (!result.data) return;
    const keys = new Set<string>();
    for (const s of result.data.raw) for (const k of Object.keys(s.labels)) keys.add(k);
    onKeys.current?.([...keys]);
  }, [result.data]);

  const chart = useMemo(() => {
    // While a new mode loads, the previous answer (of another mode) is not drawn.
    if (!result.data || result.data.mode !== props.mode) return undefined;
    let series = result.data.series.filter((s) => s.points.length > 0);
    const total = series.length;
    if (series.length > MAX_SERIES) {
      // Keep the largest series so the chart stays readable; the panel says how many were left out.
      series = [...series].sort((a, b) => peak(b) - peak(a)).slice(0, MAX_SERIES);
    }
    const cols = alignSeries(series);
    const groups = new Map<string, number>();
    const chartSeries: ChartSeries[] = series.map((s) => {
      if (props.mode === 'percentiles') {
        const { quantile, ...rest } = s.labels;
        const gk = labelText(rest, '');
        if (!groups.has(gk)) groups.set(gk, groups.size);
        const q = QUANTILES.find((x) => x.agg === quantile) ?? QUANTILES[0];
        return {
          label: `${quantile}${gk ? ` ${gk}` : ''}`,
          color: groups.size === 1 && !gk ? quantileColor(String(quantile)) : paletteColor(groups.get(gk)!),
          width: q.width,
          ...(q.dash ? { dash: [...q.dash] } : {}),
        };
      }
      const i = chartSeries_index(groups, labelText(s.labels, s.name));
      const counts = props.mode === 'increase' || props.mode === 'rate' || props.mode === 'count';
      return {
        label: labelText(s.labels, s.name),
        color: paletteColor(i),
        stepped: counts,
        fill: counts && series.length <= 3,
      };
    });
    return { data: cols, series: chartSeries, total, shown: series.length };
  }, [result.data, theme, props.mode]);

  const xRange = useMemo<[number, number] | undefined>(
    () =>
      win instanceof Error
        ? undefined
        : [Number(win.startNs / 1_000_000n) / 1000, Number(win.endNs / 1_000_000n) / 1000],
    [win],
  );
  const fmt =
    props.mode === 'count' || props.mode === 'increase' || props.mode === 'rate'
      ? unitFormatter(undefined)
      : unitFormatter(props.unit);
  const yLabel =
    props.mode === 'increase'
      ? `increase per ${win instanceof Error ? 'step' : win.step}`
      : props.mode === 'rate'
        ? 'per second'
        : props.mode === 'percentiles'
          ? (props.unit ?? '')
          : `${props.mode}${props.unit ? ` (${props.unit})` : ''}`;

  return (
    <section class="metric-panel panel" aria-label={props.title} data-testid={props.testId}>
      <div class="panel-title">
        <h2>{props.title}</h2>
        <span class="muted small">
          {yLabel}
          {win instanceof Error ? '' : ` · step ${win.step}`}
          {chart && chart.total > chart.shown ? ` · ${chart.shown} of ${chart.total} series` : ''}
        </span>
      </div>
      {result.error ? (
        <ErrorBox error={result.error} />
      ) : !chart ? (
        <div class="loading" style={{ height: `${props.height ?? 220}px` }}>
          Loading…
        </div>
      ) : chart.shown === 0 ? (
        <Empty>No points for {props.name} in this window.</Empty>
      ) : (
        <Chart
          title={`${props.name} chart`}
          data={chart.data}
          series={chart.series}
          height={props.height ?? 220}
          formatY={fmt}
          xRange={xRange}
        />
      )}
    </section>
  );
}

function chartSeries_index(groups: Map<string, number>, key: string): number {
  if (!groups.has(key)) groups.set(key, groups.size);
  return groups.get(key)!;
}

function peak(s: MetricSeries): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const p of s.points) if (p.value > m) m = p.value;
  return m;
}

function quantileColor(q: string): string {
  return q === 'p50' ? cssVar('--accent') || '#3b82f6' : q === 'p90' ? '#f59e0b' : '#ef4444';
}

/** Heatmap of a histogram metric over time, estimated from per-bucket quantiles and counts (see quantileHeatmap). */
function HistogramHeatmap(props: {
  name: string;
  unit: string | undefined;
  attrs: string[];
  service: string;
  start: string;
  end: string;
  step: string;
}) {
  const theme = useTheme();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [hover, setHover] = useState<string>();
  const win = useMemo(() => resolveWindow(props.start, props.end, props.step), [props.start, props.end, props.step]);
  const data = useAsync(
    async (signal) => {
      if (win instanceof Error) throw win;
      const aggs = ['min', 'p50', 'p90', 'p95', 'p99', 'max', 'count'] as const;
      const base = {
        name: props.name,
        start: win.startNs.toString(),
        end: win.endNs.toString(),
        step: win.step,
        attr: props.attrs,
        service: props.service || undefined,
        groupBy: '',
      };
      const res = await Promise.all(aggs.map((a) => api.queryMetrics({ ...base, aggregation: a }, signal)));
      const at = new Map<string, Partial<Record<(typeof aggs)[number], number>>>();
      res.forEach((list, i) => {
        for (const s of list)
          for (const pt of s.points) {
            const row = at.get(pt.timeUnixNano) ?? {};
            row[aggs[i]!] = pt.value;
            at.set(pt.timeUnixNano, row);
          }
      });
      const buckets: QuantileBucket[] = [];
      for (const [t, r] of [...at.entries()].sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1))) {
        if (!r.count || r.p50 === undefined) continue;
        const raw: Array<[number, number]> = [];
        raw.push([Number.isFinite(r.min) ? r.min! : Math.min(0, r.p50), 0]);
        raw.push([r.p50, 0.5]);
        if (r.p90 !== undefined) raw.push([r.p90, 0.9]);
        if (r.p95 !== undefined) raw.push([r.p95, 0.95]);
        if (r.p99 !== undefined) raw.push([r.p99, 0.99]);
        raw.push([Number.isFinite(r.max) ? r.max! : (r.p99 ?? r.p50) * 1.1, 1]);
        // Quantile estimates can cross the exact min/max; keep the knots monotonic.
        const knots: Array<[number, number]> = [];
        for (const [v, f] of raw) {
          const prev = knots[knots.length - 1];
          knots.push([prev ? Math.max(prev[0], v) : v, f]);
        }
        buckets.push({ t: Number(BigInt(t) / 1_000_000n), count: r.count, knots });
      }
      return buckets;
    },
    [props.name, props.attrs.join('\u0000'), props.service, win],
  );
  const BINS = 32;
  const heat = useMemo(() => {
    if (!data.data || data.data.length === 0) return undefined;
    const hi = Math.max(...data.data.map((b) => b.knots[b.knots.length - 1]![0]));
    const lo = Math.min(...data.data.map((b) => b.knots[0]![0]));
    return quantileHeatmap(data.data, BINS, lo > 0 && hi / lo > 20);
  }, [data.data]);
  const fmt = unitFormatter(props.unit);

  useEffect(() => {
    const c = canvas.current;
    if (!c || !heat || !data.data || win instanceof Error) return;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    const ctx = c.getContext('2d')!;
    ctx.scale(dpr, dpr);
    ctx.clearRect(0, 0, w, h);
    const left = 70;
    const bottom = 22;
    const plotW = w - left - 8;
    const plotH = h - bottom - 6;
    const t0 = Number(win.startNs / 1_000_000n);
    const t1 = Number(win.endNs / 1_000_000n);
    const stepMs = (parseDuration(win.step) ?? 60e9) / 1e6;
    const accent = cssVar('--heat') || '#3b82f6';
    ctx.fillStyle = cssVar('--panel-2') || '#f3f4f6';
    ctx.fillRect(left, 6, plotW, plotH);
    data.data.forEach((b, i) => {
      const x = left + ((b.t - t0) / (t1 - t0)) * plotW;
      const cw = Math.max(1, (stepMs / (t1 - t0)) * plotW);
      heat.cells[i]!.forEach((v, bin) => {
        if (v <= 0) return;
        ctx.globalAlpha = Math.min(1, 0.08 + 0.92 * Math.sqrt(v / heat.max));
        ctx.fillStyle = accent;
        const y = 6 + plotH - ((bin + 1) / BINS) * plotH;
        ctx.fillRect(x, y, cw + 0.5, plotH / BINS + 0.5);
      });
    });
    ctx.globalAlpha = 1;
    ctx.fillStyle = cssVar('--muted') || '#6b7280';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'right';
    const logScale = heat.lo > 0 && heat.hi / heat.lo > 20;
    for (let k = 0; k <= 4; k++) {
      const f = k / 4;
      const v = logScale
        ? Math.exp(Math.log(heat.lo) + (Math.log(heat.hi) - Math.log(heat.lo)) * f)
        : heat.lo + (heat.hi - heat.lo) * f;
      ctx.fillText(fmt(v), left - 6, 6 + plotH - f * plotH + 4);
    }
    for (let k = 0; k <= 4; k++) {
      ctx.textAlign = k === 0 ? 'left' : k === 4 ? 'right' : 'center';
      const t = t0 + ((t1 - t0) * k) / 4;
      const d = new Date(t);
      ctx.fillText(
        `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`,
        left + (plotW * k) / 4,
        h - 6,
      );
    }
  }, [heat, data.data, theme, win]);

  const onMove = (e: MouseEvent) => {
    if (!data.data || !heat || win instanceof Error) return;
    const c = e.currentTarget as HTMLCanvasElement;
    const r = c.getBoundingClientRect();
    const x = e.clientX - r.left - 70;
    const t0 = Number(win.startNs / 1_000_000n);
    const t1 = Number(win.endNs / 1_000_000n);
    const t = t0 + (x / (r.width - 78)) * (t1 - t0);
    let best: QuantileBucket | undefined;
    for (const b of data.data) if (b.t <= t) best = b;
    if (!best) return setHover(undefined);
    const q = (f: number) => best!.knots.find((k) => k[1] === f)?.[0];
    setHover(
      `${formatTimestamp(BigInt(best.t) * 1_000_000n, false)} · ${best.count} obs · p50 ${fmt(q(0.5) ?? 0)} · p90 ${fmt(q(0.9) ?? 0)} · p99 ${fmt(q(0.99) ?? 0)} · max ${fmt(q(1) ?? 0)}`,
    );
  };

  return (
    <section class="metric-panel panel" aria-label="Histogram heatmap" data-testid="metric-heatmap">
      <div class="panel-title">
        <h2>Distribution over time</h2>
        <span class="muted small">estimated from min/p50/p90/p95/p99/max and count per step</span>
      </div>
      {data.error ? (
        <ErrorBox error={data.error} />
      ) : !data.data ? (
        <div class="loading" style={{ height: '220px' }}>
          Loading…
        </div>
      ) : data.data.length === 0 ? (
        <Empty>No histogram points in this window.</Empty>
      ) : (
        <>
          <canvas
            ref={canvas}
            class="heatmap"
            role="img"
            aria-label={`Heatmap of ${props.name}`}
            onMouseMove={onMove}
            onMouseLeave={() => setHover(undefined)}
          />
          <div class="muted small heat-readout">{hover ?? 'Hover for the values of a step.'}</div>
        </>
      )}
    </section>
  );
}

/** The Rohas handler metrics (rohas-telemetry.md "Handler Metrics") as a ready dashboard. */
function HandlerDashboard({ route, metrics }: { route: Route; metrics: MetricDescriptor[] | undefined }) {
  const p = route.params;
  const start = p.get('start') ?? 'now-1h';
  const end = p.get('end') ?? '';
  const step = p.get('step') ?? '';
  const d = (n: string) => metrics?.find((m) => m.name === n);
  const present = HANDLER_METRICS.filter((n) => d(n));
  const panels: Array<{ title: string; name: string; mode?: Mode; groupBy: string[] | undefined }> = [
    { title: 'Executions by handler', name: 'handler.execution.count', groupBy: ['handler_name'] },
    { title: 'Errors by handler', name: 'handler.execution.errors', groupBy: ['handler_name'] },
    { title: 'Duration p50 / p90 / p99', name: 'handler.execution.duration', groupBy: [] },
    { title: 'Successes by handler', name: 'handler.execution.success', groupBy: ['handler_name'] },
  ];
  if (!metrics) return <div class="loading">Loading…</div>;
  return (
    <>
      <div class="metric-head">
        <h1>Handler dashboard</h1>
        <span class="muted">handler.execution.count · errors · success · duration, by handler_name</span>
      </div>
      {present.length === 0 && (
        <Empty>No handler.execution.* metrics are stored yet. Pick any metric on the left.</Empty>
      )}
      <div class="dashboard-grid" data-testid="handler-dashboard">
        {panels
          .filter((x) => d(x.name))
          .map((x) => {
            const desc = d(x.name)!;
            return (
              <div key={x.name} class="dash-cell">
                <MetricPanel
                  title={x.title}
                  name={x.name}
                  type={desc.type}
                  unit={desc.unit}
                  mode={x.mode ?? defaultMode(desc.type)}
                  groupBy={x.groupBy}
                  start={start}
                  end={end}
                  step={step}
                  height={200}
                  testId="dashboard-panel"
                />
                <Link
                  to={withParams('/metrics', {
                    name: x.name,
                    start: p.get('start'),
                    end: p.get('end'),
                    groupBy: x.groupBy?.join(',') || undefined,
                  })}
                  class="small"
                >
                  Open {x.name} →
                </Link>
              </div>
            );
          })}
      </div>
    </>
  );
}
