import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Empty, ErrorBox, useAsync } from '../components.tsx';
import { formatTimestamp, parseDuration } from '../format.ts';
import { type QuantileBucket, quantileHeatmap, unitFormatter } from '../metric-data.ts';
import { resolveWindow } from '../metric-window.ts';
import { cssVar, useTheme } from '../theme.ts';

/** Heatmap of a histogram metric over time, estimated from per-bucket quantiles and counts (see quantileHeatmap). */
export function HistogramHeatmap(props: {
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
