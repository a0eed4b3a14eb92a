// queryMetrics over a long window: the "7 days, step 5 min, 1,000 series grouped by one label".
//
//   nice -n 10 node --conditions=@rohas/source --import tsx bench/volume/metrics-window.ts
//        [--backend sqlite|postgres] [--series 1000] [--days 7] [--interval 60] [--step 300] [--groups 10] [--runs 15]
//
// Writes `--series` gauge series (attribute `host` unique per series, `region` one of `--groups` values) with a point
// every `--interval` seconds over `--days` days, then runs queryMetrics({ step, aggregation: avg, groupBy: [region] })
// over the whole window `--runs` times and prints p50 / p99. The raw limit, measured in the same run, is a plain
// SELECT of the same rows (time, value of every matching point) on the same database, read to the end: the figure
// is query / raw. The point interval is 10 s (60,480,000 points); the default 60 s keeps a run to minutes on
// a shared machine — pass --interval 10 for the full volume.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type AdapterFactory,
  type MetricPoint,
  normalizeMetricQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { median, percentile, printTable } from '../support/stats.js';
import { startBackend } from './servers.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    series: { type: 'string', default: '1000' },
    days: { type: 'string', default: '7' },
    interval: { type: 'string', default: '60' },
    step: { type: 'string', default: '300' },
    groups: { type: 'string', default: '10' },
    runs: { type: 'string', default: '15' },
  },
});
const SERIES = Number(args.series);
const DAYS = Number(args.days);
const INTERVAL = BigInt(args.interval!) * 1_000_000_000n;
const STEP = BigInt(args.step!) * 1_000_000_000n;
const GROUPS = Number(args.groups);
const RUNS = Number(args.runs);
const NAME = 'bench.window.gauge';
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
const resource = { attributes: { 'service.name': 'metrics-window' } };
const scope = { name: 'bench' };
// A whole-minute aligned window ending an hour ago, so every step bucket is complete.
const MINUTE = 60_000_000_000n;
const END = ((BigInt(Date.now()) * 1_000_000n - 3_600_000_000_000n) / MINUTE) * MINUTE;
const START = END - BigInt(DAYS) * 86_400_000_000_000n;

async function open(backend: string): Promise<{
  adapter: TelemetryAdapter;
  raw: () => Promise<number>;
  done: () => Promise<void>;
}> {
  const signals = ['traces', 'metrics', 'logs'];
  const retention = { traces: 0, metrics: 0, logs: 0 };
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'rohas-bench-window-'));
    const { createAdapter } = await import('@rohas/telemetry-sqlite');
    const adapter = await (createAdapter as AdapterFactory)({
      options: { type: 'sqlite', path: dir },
      retention,
      signals,
      logger: silent,
      baseDir: dir,
    } as never);
    await adapter.init();
    const { default: Database } = await import('better-sqlite3');
    let db: InstanceType<typeof Database> | undefined;
    return {
      adapter,
      raw: async () => {
        db ??= new Database(join(dir, 'telemetry.db'), { readonly: true });
        const stmt = db
          .prepare(
            `SELECT p.time_ns, p.value FROM metric_points p
             WHERE p.series_id IN (SELECT id FROM metric_series WHERE name = ?) AND p.time_ns >= ? AND p.time_ns < ?`,
          )
          .safeIntegers(true);
        let n = 0;
        for (const _ of stmt.iterate(NAME, START, END)) n++;
        return n;
      },
      done: async () => {
        db?.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const server = await startBackend(backend);
  const { createAdapter } = await import('@rohas/telemetry-timescaledb');
  const adapter = await (createAdapter as AdapterFactory)({
    options: server.options,
    retention,
    signals,
    logger: silent,
    baseDir: process.cwd(),
  } as never);
  await adapter.init();
  const { default: pg } = await import('pg');
  const options = server.options as { connection_string: string; schema: string };
  const pool = new pg.Pool({ connectionString: options.connection_string, max: 1 });
  return {
    adapter,
    raw: async () => {
      const r = await pool.query(
        `SELECT time_ns, value FROM "${options.schema}".metric_points WHERE name = $1 AND time_ns >= $2 AND time_ns < $3`,
        [NAME, START.toString(), END.toString()],
      );
      return r.rowCount ?? 0;
    },
    done: async () => {
      await pool.end();
      await server.stop();
    },
  };
}

function batch(from: bigint, to: bigint): MetricPoint[] {
  const out: MetricPoint[] = [];
  for (let t = from; t < to; t += INTERVAL) {
    for (let s = 0; s < SERIES; s++) {
      out.push({
        name: NAME,
        type: 'gauge',
        temporality: 'cumulative',
        unit: 'ms',
        attributes: { host: `host-${s}`, region: `region-${s % GROUPS}` },
        resource,
        scope,
        startTimeUnixNano: t,
        timeUnixNano: t,
        value: (s % 97) + Number((t / INTERVAL) % 13n),
      } as MetricPoint);
    }
  }
  return out;
}

const { adapter, raw, done } = await open(args.backend!);
try {
  const began = performance.now();
  // One write per ~10,000 points, in time order as an exporter would send them.
  const perWrite = INTERVAL * BigInt(Math.max(1, Math.floor(10_000 / SERIES)));
  let written = 0;
  for (let t = START; t < END; t += perWrite) {
    const points = batch(t, t + perWrite < END ? t + perWrite : END);
    const r = await adapter.metrics!.write(points);
    if (!r.ok) throw r.error;
    written += points.length;
  }
  console.error(`[bench] wrote ${written} points in ${((performance.now() - began) / 1000).toFixed(1)} s`);
  const caps = adapter.metrics!.capabilities;
  const q = normalizeMetricQuery(
    { name: NAME, start: START, end: END, stepNano: STEP, aggregation: 'avg', groupBy: ['region'] },
    caps,
  );
  const queryMs: number[] = [];
  const rawMs: number[] = [];
  let series = 0;
  let rows = 0;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    series = (await adapter.metrics!.queryMetrics(q)).length;
    queryMs.push(performance.now() - t);
    t = performance.now();
    rows = await raw();
    rawMs.push(performance.now() - t);
  }
  const rawMedian = median(rawMs);
  printTable(
    `${args.backend}: queryMetrics over ${DAYS} d, step ${Number(STEP / 1_000_000_000n)} s, ${SERIES} series every ${Number(INTERVAL / 1_000_000_000n)} s grouped into ${GROUPS} (ratio = to a raw SELECT of the same ${rows} rows)`,
    [
      ['result series', series, ''],
      ['raw SELECT (raw limit), p50 ms', rawMedian.toFixed(1), ''],
      ['queryMetrics p50, ms', median(queryMs).toFixed(1), (median(queryMs) / rawMedian).toFixed(2)],
      [
        'queryMetrics p99, ms',
        percentile(queryMs, 0.99).toFixed(1),
        (percentile(queryMs, 0.99) / rawMedian).toFixed(2),
      ],
    ],
  );
} finally {
  await adapter.close();
  await done();
}
