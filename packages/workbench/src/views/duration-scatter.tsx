/** The trace search's scatter plot: each trace as a point, start time against duration, errors in red. */
import { useMemo, useRef } from 'preact/hooks';
import type { TraceSummary } from '../api-types.ts';
import { Chart } from '../chart.tsx';
import { formatDuration, nsToMs } from '../format.ts';
import { navigate } from '../router.ts';
import { cssVar, useTheme } from '../theme.ts';

/** Each trace as a point: start time against duration, errors in red; a click opens the trace. */
export function DurationScatter({ traces, start, end }: { traces: TraceSummary[]; start?: string; end?: string }) {
  const theme = useTheme();
  const sorted = useMemo(
    () => [...traces].sort((a, b) => nsToMs(a.startTimeUnixNano) - nsToMs(b.startTimeUnixNano)),
    [traces],
  );
  const ref = useRef(sorted);
  ref.current = sorted;
  const { data, series } = useMemo(() => {
    const xs = sorted.map((t) => nsToMs(t.startTimeUnixNano) / 1000);
    const ok = sorted.map((t) => (t.errorCount === 0 ? Number(t.durationNano) / 1e6 : null));
    const bad = sorted.map((t) => (t.errorCount > 0 ? Number(t.durationNano) / 1e6 : null));
    return {
      data: [xs, ok, bad] as [number[], Array<number | null>, Array<number | null>],
      series: [
        { label: 'traces', color: cssVar('--accent') || '#3b82f6', points: true },
        { label: 'with errors', color: cssVar('--error') || '#ef4444', points: true },
      ],
    };
  }, [sorted, theme]);
  const xRange = useMemo<[number, number] | undefined>(() => {
    if (!start) return undefined;
    const s = nsToMs(start) / 1000;
    const e = end ? nsToMs(end) / 1000 : Date.now() / 1000;
    return [s, e];
  }, [start, end]);
  return (
    <div class="panel scatter" data-testid="duration-scatter">
      <Chart
        title="Trace duration by start time"
        data={data}
        series={series}
        height={180}
        yLabel="duration"
        formatY={(v) => formatDuration(v * 1e6)}
        xRange={xRange}
        onPick={(i) => {
          const t = ref.current[i];
          if (t) navigate(`/traces/${t.traceId}`);
        }}
      />
    </div>
  );
}
