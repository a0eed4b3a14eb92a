/**
 * A histogram's exemplars (GET /telemetry/metrics/points): each recorded measurement that carries the trace and span
 * it came from, drawn as points over the window (value against time, as Grafana draws exemplars on a histogram panel)
 * and listed slowest first; a click on a point, or a link in the list, opens the trace at that span.
 */
import { useMemo, useRef } from 'preact/hooks';
import { api } from '../api.ts';
import type { JsonExemplar } from '../api-types.ts';
import { Chart } from '../chart.tsx';
import { Empty, ErrorBox, Link, useAsync } from '../components.tsx';
import { formatTimestamp, nsToMs, shortId } from '../format.ts';
import { unitFormatter } from '../metric-data.ts';
import { resolveWindow } from '../metric-window.ts';
import { navigate, withParams } from '../router.ts';
import { cssVar, useTheme } from '../theme.ts';

/** Points read at most (pages of 1,000); the panel says when the window held more. */
const MAX_POINTS = 5000;
/** Exemplars listed as links (the slowest); every one is on the chart. */
const LISTED = 10;

interface Found {
  exemplars: JsonExemplar[];
  points: number;
  truncated: boolean;
}

function traceLink(e: JsonExemplar): string | undefined {
  if (!e.traceId) return undefined;
  return withParams(`/traces/${e.traceId}`, { span: e.spanId });
}

export function ExemplarPanel(props: {
  name: string;
  unit?: string;
  attrs: string[];
  service: string;
  start: string;
  end: string;
}) {
  const theme = useTheme();
  const win = useMemo(() => resolveWindow(props.start, props.end, ''), [props.start, props.end]);
  const data = useAsync<Found>(
    async (signal) => {
      if (win instanceof Error) throw win;
      const attr = [...props.attrs];
      if (props.service) attr.push(`service.name=${props.service}`);
      const exemplars: JsonExemplar[] = [];
      let points = 0;
      let cursor: string | undefined;
      do {
        const page = await api.metricPoints(
          { name: props.name, start: win.startNs.toString(), end: win.endNs.toString(), attr, limit: 1000, cursor },
          signal,
        );
        for (const p of page.points) for (const e of p.exemplars ?? []) exemplars.push(e);
        points += page.points.length;
        cursor = page.nextCursor;
      } while (cursor && points < MAX_POINTS);
      exemplars.sort((a, b) => (BigInt(a.timeUnixNano) < BigInt(b.timeUnixNano) ? -1 : 1));
      return { exemplars, points, truncated: cursor !== undefined };
    },
    [props.name, props.attrs.join('\u0000'), props.service, win],
  );
  const list = data.data?.exemplars ?? [];
  const ref = useRef(list);
  ref.current = list;
  const fmt = unitFormatter(props.unit);
  const chart = useMemo(
    () => ({
      data: [
        list.map((e) => nsToMs(e.timeUnixNano) / 1000),
        list.map((e) => (e.traceId ? e.value : null)),
        list.map((e) => (e.traceId ? null : e.value)),
      ] as [number[], Array<number | null>, Array<number | null>],
      series: [
        { label: 'exemplar (opens its trace)', color: cssVar('--accent') || '#3b82f6', points: true },
        { label: 'exemplar without a trace', color: cssVar('--muted') || '#64748b', points: true },
      ],
    }),
    [list, theme],
  );
  const slowest = useMemo(() => [...list].sort((a, b) => b.value - a.value).slice(0, LISTED), [list]);
  const xRange: [number, number] | undefined =
    win instanceof Error ? undefined : [nsToMs(win.startNs) / 1000, nsToMs(win.endNs) / 1000];

  return (
    <section class="metric-panel panel" aria-label="Exemplars" data-testid="metric-exemplars">
      <div class="panel-title">
        <h2>Exemplars</h2>
        <span class="muted small">
          measurements recorded with their trace; a point or a row opens the trace at its span
        </span>
      </div>
      {data.error ? (
        <ErrorBox error={data.error} />
      ) : !data.data ? (
        <div class="loading">Loading…</div>
      ) : list.length === 0 ? (
        <Empty>
          No exemplars in this window ({data.data.points.toLocaleString('en')} points read
          {data.data.truncated ? ', the first of more' : ''}). An SDK records them when a measurement is made inside a
          sampled span.
        </Empty>
      ) : (
        <>
          <Chart
            title={`Exemplars of ${props.name}`}
            data={chart.data}
            series={chart.series}
            height={180}
            formatY={fmt}
            xRange={xRange}
            testId="exemplar-chart"
            onPick={(i) => {
              const to = ref.current[i] && traceLink(ref.current[i]!);
              if (to) navigate(to);
            }}
          />
          <p class="muted small" data-testid="exemplar-count">
            {list.length} exemplar{list.length === 1 ? '' : 's'} in {data.data.points.toLocaleString('en')} points
            {data.data.truncated
              ? ` (the first ${data.data.points.toLocaleString('en')} of the window; narrow it)`
              : ''}
            . Slowest:
          </p>
          <ol class="exemplar-list">
            {slowest.map((e) => {
              const to = traceLink(e);
              const text = `${fmt(e.value)} at ${formatTimestamp(e.timeUnixNano)}`;
              return (
                <li key={`${e.timeUnixNano}-${e.spanId ?? ''}-${e.value}`} data-testid="exemplar-row">
                  {to ? (
                    <Link to={to} data-testid="exemplar-link">
                      {text} · trace <span class="mono">{shortId(e.traceId!)}</span>
                    </Link>
                  ) : (
                    <span>{text} · no trace</span>
                  )}
                </li>
              );
            })}
          </ol>
        </>
      )}
    </section>
  );
}
