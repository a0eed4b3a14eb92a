/*
 * The stores the InfluxDB paging benchmark reads (paging-fill.ts writes them, paging.ts pages through them): one
 * influxd whose data lives in a kept folder, with two databases of 100,000 one-span traces and 100,000 log records of
 * one service each, the shape:
 *   - `spread`: starts spread over about a day and a quarter (gaps drawn around 1 s), what a modest service stores;
 *   - `dense`: ten traces and ten log records every millisecond (10,000 a second), a burst.
 * Trace ids are random (seeded), as W3C Trace Context makes them, so spans spread over the trace-bucket series.
 */
import type { LogRecord, SpanRecord, TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-influxdb';
import { prng } from '../volume/week.js';

export const SERVICE = 'paged';
export const LAYOUTS = ['spread', 'dense'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const DEFAULT_DIR = '/tmp/r4-influx/influxd';

const resource = { attributes: { 'service.name': SERVICE, 'host.name': 'bench' } };
const scope = { name: 'bench' };

/** The volume bench's seeded generator (mulberry32), so every fill of a layout writes the same ids and times. */
const seeded = prng;

/** Start times of `count` items of a layout, oldest first, ending about an hour before `end`. */
export function startTimes(layout: Layout, count: number, end: bigint, seed: number): bigint[] {
  const rnd = seeded(seed);
  const out: bigint[] = new Array(count);
  if (layout === 'dense') {
    const t0 = end - 3_600_000_000_000n - BigInt(Math.ceil(count / 10)) * 1_000_000n;
    for (let n = 0; n < count; n++) out[n] = t0 + BigInt(Math.floor(n / 10)) * 1_000_000n + BigInt(n % 10) * 1_000n;
    return out;
  }
  // Exponential gaps with a 1 s mean (a Poisson arrival process), in whole microseconds plus a random remainder.
  const gaps: bigint[] = new Array(count);
  let total = 0n;
  for (let n = 0; n < count; n++) {
    const g = BigInt(Math.floor(-Math.log(1 - rnd()) * 1e9));
    gaps[n] = g;
    total += g;
  }
  let t = end - 3_600_000_000_000n - total;
  for (let n = 0; n < count; n++) {
    t += gaps[n]!;
    out[n] = t;
  }
  return out;
}

const hex = (rnd: () => number, chars: number) => {
  let s = '';
  while (s.length < chars)
    s += Math.floor(rnd() * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, chars);
};

export function makeSpans(starts: bigint[], seed: number): SpanRecord[] {
  const rnd = seeded(seed ^ 0x5eed);
  return starts.map((start, n) => ({
    traceId: hex(rnd, 32),
    spanId: hex(rnd, 16),
    name: `op-${n % 7}`,
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(1 + (n % 50)) * 1_000_000n,
    status: { code: n % 53 === 0 ? 2 : 0 },
    attributes: { 'http.route': `/r${n % 20}`, 'http.status_code': n % 53 === 0 ? 500 : 200 },
    events: [],
    links: [],
    resource,
    scope,
  }));
}

export function makeLogs(times: bigint[]): LogRecord[] {
  return times.map((t, n) => ({
    timeUnixNano: t,
    observedTimeUnixNano: t,
    severityNumber: n % 13 === 0 ? 17 : 9,
    severityText: n % 13 === 0 ? 'ERROR' : 'INFO',
    body: `request ${n} served`,
    attributes: { n },
    resource,
    scope,
  }));
}

const logger = { debug() {}, info() {}, warn: console.warn, error: console.error };

/**
 * The adapter both scripts use over one paging database (v1 API, long timeouts for the fill), initialised. The
 * stores' layout is the default one, without a tb tag (2 characters would open 256x the series a page reads).
 */
export async function pagingAdapter(url: string, database: string): Promise<TelemetryAdapter> {
  const adapter: TelemetryAdapter = await createAdapter({
    options: { type: 'influxdb', url, database, api_version: 1, timeout_ms: 120_000 },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'logs'],
    logger,
    baseDir: process.cwd(),
  });
  await adapter.init();
  return adapter;
}
