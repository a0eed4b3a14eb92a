/** One metric chart (MetricPanel): queries the API in the panel's mode (aggregation, counter increase or rate, histogram
 * percentiles) and draws the result, at most 24 series. */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import { api } from '../api.ts';
import type { Aggregation, MetricDescriptor, MetricSeries } from '../api-types.ts';
import { Chart, type ChartSeries } from '../chart.tsx';
import { Empty, ErrorBox, useAsync } from '../components.tsx';
import { paletteColor, parseDuration } from '../format.ts';
import { alignSeries, counterIncrease, labelsId, labelText, unitFormatter } from '../metric-data.ts';
import { resolveWindow } from '../metric-window.ts';
import { cssVar, useTheme } from '../theme.ts';

/** How a panel turns stored points into a line: an API aggregation, a counter's increase, or histogram percentiles. */
export type Mode = Aggregation | 'increase' | 'rate' | 'percentiles';

const MAX_SERIES = 24;

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
