// The data of the two metrics-window benches (volume/metrics-window.ts for SQLite, timescaledb/metrics-window.ts for
// TimescaleDB and PostgreSQL): `series` gauge series, `host` unique per series and `region` one of `groups` values,
// one point every `interval` ns — the same points on every backend, so their figures compare.
import type { MetricPoint } from '@rohas/telemetry/adapter';

export const WINDOW_METRIC = 'bench.window.gauge';
const resource = { attributes: { 'service.name': 'metrics-window' } };
const scope = { name: 'bench' };

export interface WindowGauges {
  series: number;
  groups: number;
  /** Nanoseconds between two points of a series. */
  interval: bigint;
}

/** Every series' points in [from, to), tick by tick. */
export function gaugeBatch(g: WindowGauges, from: bigint, to: bigint): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let t = from; t < to; t += g.interval)
    for (let s = 0; s < g.series; s++)
      out.push({
        name: WINDOW_METRIC,
        type: 'gauge',
        temporality: 'cumulative',
        unit: 'ms',
        attributes: { host: `host-${s}`, region: `region-${s % g.groups}` },
        resource,
        scope,
        startTimeUnixNano: t,
        timeUnixNano: t,
        value: (s % 97) + Number((t / g.interval) % 13n),
      } as MetricPoint);
  return out;
}

/** Wall-clock milliseconds of an async call. */
export async function timedAsync(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}
