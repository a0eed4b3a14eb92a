/** uPlot wrapped for Preact: sized to its container, coloured from the theme, re-created when its options change. */
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { compactNumber } from './format.ts';
import { cssVar, useTheme } from './theme.ts';

export interface ChartSeries {
  label: string;
  color: string;
  /** Draw points only (scatter) instead of lines. */
  points?: boolean;
  width?: number;
  dash?: number[];
  /** Draw as steps (a value holds for its whole bucket): for counts per step. */
  stepped?: boolean;
  /** Fill under the line with a faint tint of its colour. */
  fill?: boolean;
}

export interface ChartProps {
  /** x values in seconds since the epoch, then one y array per series (null = no value). */
  data: uPlot.AlignedData;
  series: ChartSeries[];
  height?: number;
  yLabel?: string;
  formatY?: (v: number) => string;
  /** x range in seconds, so an empty stretch of the window still shows. */
  xRange?: [number, number];
  /** Called with the data index under the cursor on click. */
  onPick?: (index: number, seriesIndex: number | null) => void;
  /** Accessible summary. */
  title: string;
  testId?: string;
}

export function Chart(props: ChartProps) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useTheme();
  const pick = useRef(props.onPick);
  pick.current = props.onPick;

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const axisColor = cssVar('--muted');
    const gridColor = cssVar('--grid');
    const fmt = props.formatY ?? ((v: number) => compactNumber(v));
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height: props.height ?? 220,
      legend: { show: props.series.length > 0, live: true },
      // Drag to zoom (double-click resets), except where a click picks a point: a drag would end in a click.
      cursor: { drag: { x: !props.onPick, y: false }, points: { size: 7 }, focus: { prox: 16 } },
      focus: { alpha: 0.35 },
      scales: {
        x: { time: true },
        y: {
          range: (_u, min, max) =>
            min === max ? [Math.min(0, min), max === 0 ? 1 : max * 1.1] : [Math.min(0, min), max * 1.05],
        },
      },
      axes: [
        // At least 90 px between time labels: two-line labels ("10:00" over "11/29") never overlap at 6 h or more.
        { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor }, space: 90 },
        {
          stroke: axisColor,
          grid: { stroke: gridColor, width: 1 },
          ticks: { stroke: gridColor },
          size: 64,
          values: (_u, vals) => vals.map((v) => (v == null ? '' : fmt(v))),
          ...(props.yLabel ? { label: props.yLabel, labelSize: 18 } : {}),
        },
      ],
      series: [
        {},
        ...props.series.map<uPlot.Series>((s, i) =>
          s.points
            ? {
                label: s.label,
                stroke: s.color,
                fill: s.color,
                paths: () => null,
                points: { show: true, size: 7, stroke: s.color, fill: `${s.color}99` },
                value: (_u, v) => (v == null ? '—' : fmt(v)),
              }
            : {
                label: s.label,
                stroke: s.color,
                width: s.width ?? 1.5,
                ...(s.dash ? { dash: s.dash } : {}),
                ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
                ...(s.fill ? { fill: `${s.color}1f` } : {}),
                spanGaps: false,
                // A lone value (one point, or one between gaps) draws no line: show it as a dot instead.
                points: { show: hasLonePoint(props.data[i + 1] as ArrayLike<number | null>), size: 6, fill: s.color },
                value: (_u, v) => (v == null ? '—' : fmt(v)),
              },
        ),
      ],
      hooks: {
        ready: [
          (u) => {
            // The legend scrolls when there are many series (compact legends); a scroll region needs the keyboard.
            const legend = u.root.querySelector('.u-legend');
            legend?.setAttribute('tabindex', '0');
            legend?.setAttribute('aria-label', `Legend of ${props.title}`);
            u.over.addEventListener('click', () => {
              const idx = u.cursor.idx;
              // Indexes of the caller's data: skip the padding point at the start of the window.
              const xs = props.data[0] as number[];
              const offset = props.xRange && (xs.length === 0 || props.xRange[0] < xs[0]!) ? 1 : 0;
              const i = idx == null ? -1 : idx - offset;
              if (i >= 0 && i < xs.length && pick.current) pick.current(i, focusedSeries(u));
            });
          },
        ],
      },
    };
    const u = new uPlot(opts, withXRange(props.data, props.xRange), host);
    plot.current = u;
    const ro = new ResizeObserver(() => {
      const w = Math.max(200, host.clientWidth);
      if (w !== u.width) u.setSize({ width: w, height: u.height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt when the data or series change: cheap for the few hundred points a view draws.
  }, [props.data, props.series, theme, props.height, props.xRange?.[0], props.xRange?.[1]]);

  const summary = useMemo(() => describeChart(props), [props.data, props.series, props.title]);
  return (
    <figure class="chart-figure" aria-label={props.title} data-testid={props.testId}>
      <div class="chart" ref={el} />
      <figcaption class="sr-only" data-testid="chart-summary">
        {summary}
      </figcaption>
    </figure>
  );
}

/** True when some value has no neighbour to draw a line to (a one-point series, or a point between gaps). */
export function hasLonePoint(ys: ArrayLike<number | null | undefined>): boolean {
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] == null) continue;
    if ((i === 0 || ys[i - 1] == null) && (i === ys.length - 1 || ys[i + 1] == null)) return true;
  }
  return false;
}

/** The chart's text alternative: what it shows, over which time, and each series' last, lowest and highest value. */
export function describeChart(props: Pick<ChartProps, 'data' | 'series' | 'title' | 'formatY'>): string {
  const xs = props.data[0] as ArrayLike<number>;
  const fmt = props.formatY ?? ((v: number) => compactNumber(v));
  const when = (t: number) => new Date(t * 1000).toLocaleString();
  const head =
    xs.length === 0
      ? `${props.title}: no data in this window.`
      : `${props.title}: ${props.series.length} series, ${xs.length} time point${xs.length === 1 ? '' : 's'} from ${when(xs[0]!)} to ${when(xs[xs.length - 1]!)}.`;
  const parts = props.series.slice(0, 12).map((s, i) => {
    const ys = props.data[i + 1] as ArrayLike<number | null>;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    let last: number | undefined;
    for (let k = 0; k < ys.length; k++) {
      const v = ys[k];
      if (v == null) continue;
      min = Math.min(min, v);
      max = Math.max(max, v);
      last = v;
    }
    return last === undefined
      ? `${s.label}: no values`
      : `${s.label}: last ${fmt(last)}, lowest ${fmt(min)}, highest ${fmt(max)}`;
  });
  const more = props.series.length > 12 ? ` And ${props.series.length - 12} more series.` : '';
  return `${head} ${parts.join('; ')}${parts.length ? '.' : ''}${more}`;
}

/**
 * Pads the data with empty points at the window's edges, so the axis shows the whole window while zooming and its
 * double-click reset keep working (a fixed scale range would pin the axis).
 */
function withXRange(data: uPlot.AlignedData, range: [number, number] | undefined): uPlot.AlignedData {
  if (!range) return data;
  const xs = data[0] as number[];
  const before = xs.length === 0 || range[0] < xs[0]!;
  const after = xs.length === 0 || range[1] > xs[xs.length - 1]!;
  if (!before && !after) return data;
  const pad = <T,>(col: ArrayLike<T>, a: T, b: T): T[] => [
    ...(before ? [a] : []),
    ...Array.from(col),
    ...(after ? [b] : []),
  ];
  return [
    pad(xs, range[0], range[1]),
    ...data.slice(1).map((col) => pad(col as ArrayLike<number | null>, null, null)),
  ] as uPlot.AlignedData;
}

function focusedSeries(u: uPlot): number | null {
  for (let i = 1; i < u.series.length; i++) if ((u.series[i] as { _focus?: boolean })._focus) return i;
  return null;
}

export { compactNumber, uPlot };
