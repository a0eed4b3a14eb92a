// queryMetrics over a long window: the "7 days, step 5 min, 1,000 series grouped by one label".
//
//   nice -n 10 node --conditions=@rohas/source --import tsx bench/volume/metrics-window.ts
//        [--backend sqlite|postgres] [--series 1000] [--days 7] [--interval 60] [--step 300] [--groups 10] [--runs 15]
//        [--store DIR] [--fill-only] [--raw-runs N]
//
// Writes `--series` gauge series (attribute `host` unique per series, `region` one of `--groups` values) with a point
// every `--interval` seconds over `--days` days, then runs queryMetrics({ step, aggregation: avg, groupBy: [region] })
// over the whole window `--runs` times (after one cold query, shown apart) and prints p50 / p99; then the same over the last 24 h (step 5 min) and the
// last hour (step 1 min), to show the short windows did not get slower. The raw limit, measured in the same run, is a
// plain SELECT of the same rows (time, value of every matching point) on the same database, read to the end: the
// figure is query / raw. On SQLite a second raw limit reads the rollup rows the query reads (metric_rollup, one blob
// per series and hour), so the rollup query is also shown against the cheapest read of its own input; and a SELECT of
// the day-level rows (metric_rollup_day, count+sum per slot, one per series and day) that sum/avg/count read. A store
// from before migration 004 is converted by the write thread first (the time it took is printed).
// The point interval is 10 s (60,480,000 points); the default 60 s keeps a run to minutes on a shared machine.
// `--store DIR` (SQLite) keeps the store: a later run with the same DIR skips the fill (its window is saved in
// DIR/window.json); `--fill-only` stops after the fill.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type AdapterFactory, normalizeMetricQuery, type TelemetryAdapter } from '@rohas/telemetry/adapter';
import { median, percentile, printTable } from '../support/stats.js';
import { gaugeBatch, timedAsync, WINDOW_METRIC, type WindowGauges } from '../support/window-gauges.js';
import { openAdapter } from './open-adapter.js';
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
    // How many of the runs also time the raw limits (default all); fewer keeps a loaded machine's run bounded.
    'raw-runs': { type: 'string' },
    store: { type: 'string' },
    'fill-only': { type: 'boolean', default: false },
  },
});
const SERIES = Number(args.series);
const DAYS = Number(args.days);
const INTERVAL = BigInt(args.interval!) * 1_000_000_000n;
const STEP = BigInt(args.step!) * 1_000_000_000n;
const GROUPS = Number(args.groups);
const gauges: WindowGauges = { series: SERIES, groups: GROUPS, interval: INTERVAL };
const RUNS = Number(args.runs);
const RAW_RUNS = Math.min(RUNS, Math.max(1, Number(args['raw-runs'] ?? RUNS)));
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
// A whole-hour aligned window ending an hour ago, so every step bucket is complete and starts on the rollup's grid;
// a kept store keeps its window.
const HOUR = 3_600_000_000_000n;
const windowFile = args.store ? join(args.store, 'window.json') : undefined;
const saved =
  windowFile && existsSync(windowFile)
    ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { start: string; end: string; filled: boolean })
    : undefined;
const END = saved ? BigInt(saved.end) : ((BigInt(Date.now()) * 1_000_000n - HOUR) / HOUR) * HOUR;
const START = saved ? BigInt(saved.start) : END - BigInt(DAYS) * 86_400_000_000_000n;

async function open(backend: string): Promise<{
  adapter: TelemetryAdapter;
  raw: (start: bigint, end: bigint) => Promise<number>;
  rawRollup?: (start: bigint, end: bigint) => Promise<number>;
  rawDays?: (start: bigint, end: bigint) => Promise<number>;
  ready?: () => Promise<void>;
  done: () => Promise<void>;
}> {
  const signals = ['traces', 'metrics', 'logs'];
  const retention = { traces: 0, metrics: 0, logs: 0 };
  if (backend === 'sqlite') {
    const opened = await openAdapter('sqlite', { dir: args.store, retention });
    const { adapter } = opened;
    const dir = opened.dir!;
    const { default: Database } = await import('better-sqlite3');
    let db: InstanceType<typeof Database> | undefined;
    return {
      adapter,
      raw: async (start, end) => {
        db ??= rawConnection(new Database(join(dir, 'telemetry.db'), { readonly: true }));
        const stmt = db
          .prepare(
            `SELECT p.time_ns, p.value FROM metric_points p
             WHERE p.series_id IN (SELECT id FROM metric_series WHERE name = ?) AND p.time_ns >= ? AND p.time_ns < ?`,
          )
          .safeIntegers(true);
        let n = 0;
        for (const _ of stmt.iterate(WINDOW_METRIC, start, end)) n++;
        return n;
      },
      rawRollup: async (start, end) => {
        db ??= rawConnection(new Database(join(dir, 'telemetry.db'), { readonly: true }));
        const stmt = db
          .prepare(
            `SELECT r.series_id, r.hour_ns, r.slots FROM metric_rollup r
             WHERE r.series_id IN (SELECT id FROM metric_series WHERE name = ?) AND r.hour_ns >= ? AND r.hour_ns < ?`,
          )
          .safeIntegers(true)
          .raw(true);
        let n = 0;
        for (const _ of stmt.iterate(WINDOW_METRIC, start, end)) n++;
        return n;
      },
      // The day level's rows (migration 004) a sum/avg/count query reads instead of the hour rows.
      rawDays: async (start, end) => {
        db ??= rawConnection(new Database(join(dir, 'telemetry.db'), { readonly: true }));
        const stmt = db
          .prepare(
            `SELECT r.series_id, r.day_ns, r.kinds, r.cs FROM metric_rollup_day r
             WHERE r.series_id IN (SELECT id FROM metric_series WHERE name = ?) AND r.day_ns >= ? AND r.day_ns < ?`,
          )
          .safeIntegers(true)
          .raw(true);
        let n = 0;
        for (const _ of stmt.iterate(WINDOW_METRIC, start - (start % 86_400_000_000_000n), end)) n++;
        return n;
      },
      // A store from before migration 004 is converted by the write thread; wait for it (until then the hour rows
      // answer), and say how long it took.
      ready: async () => {
        db ??= rawConnection(new Database(join(dir, 'telemetry.db'), { readonly: true }));
        const get = db.prepare("SELECT v FROM metric_rollup_state WHERE k = 'day_next'").safeIntegers(true).pluck();
        const began = performance.now();
        let waited = false;
        while ((get.get() ?? 9_223_372_036_854_775_807n) !== 9_223_372_036_854_775_807n) {
          waited = true;
          await new Promise((r) => setTimeout(r, 200));
        }
        if (waited)
          console.error(
            `[bench] day-level conversion of the store: ${((performance.now() - began) / 1000).toFixed(1)} s`,
          );
      },
      done: async () => {
        db?.close();
        await opened.done();
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
    raw: async (start, end) => {
      const r = await pool.query(
        `SELECT time_ns, value FROM "${options.schema}".metric_points WHERE name = $1 AND time_ns >= $2 AND time_ns < $3`,
        [WINDOW_METRIC, start.toString(), end.toString()],
      );
      return r.rowCount ?? 0;
    },
    done: async () => {
      await pool.end();
      await server.stop();
    },
  };
}

/** The raw limit's connection reads as the adapter's read connections do: through a memory map. */
function rawConnection<T extends { pragma(sql: string): unknown }>(db: T): T {
  db.pragma('mmap_size = 2147418112');
  return db;
}

const { adapter, raw, rawRollup, rawDays, ready, done } = await open(args.backend!);
try {
  if (!saved?.filled) {
    const began = performance.now();
    // One write per ~10,000 points, in time order as an exporter would send them.
    const perWrite = INTERVAL * BigInt(Math.max(1, Math.floor(10_000 / SERIES)));
    let written = 0;
    for (let t = START; t < END; t += perWrite) {
      const points = gaugeBatch(gauges, t, t + perWrite < END ? t + perWrite : END);
      const r = await adapter.metrics!.write(points);
      if (!r.ok) throw r.error;
      written += points.length;
    }
    console.error(`[bench] wrote ${written} points in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    if (windowFile) writeFileSync(windowFile, JSON.stringify({ start: String(START), end: String(END), filled: true }));
  } else console.error(`[bench] reusing the store in ${args.store} (window ${START} .. ${END})`);
  await ready?.();
  if (!args['fill-only']) {
    const met: string[] = [];
    const windows: Array<[string, bigint, bigint, number]> = [
      [`${DAYS} d`, END - BigInt(DAYS) * 24n * HOUR, STEP, RUNS],
      ['24 h', END - 24n * HOUR, 300_000_000_000n, RUNS],
      ['1 h', END - HOUR, 60_000_000_000n, RUNS],
    ];
    for (const [label, start, step, runs] of windows) {
      const caps = adapter.metrics!.capabilities;
      const q = normalizeMetricQuery(
        { name: WINDOW_METRIC, start, end: END, stepNano: step, aggregation: 'avg', groupBy: ['region'] },
        caps,
      );
      const queryMs: number[] = [];
      const rawMs: number[] = [];
      const rollupMs: number[] = [];
      const daysMs: number[] = [];
      let dayRows = 0;
      let series = 0;
      let rows = 0;
      let rollupRows = 0;
      // One query first, reported on its own: a fresh read thread maps the file's pages in (cold), which a running
      // server has done long before; p50/p99 are of the `runs` queries after it.
      const coldMs = await timedAsync(() => adapter.metrics!.queryMetrics(q));
      for (let i = 0; i < runs; i++) {
        queryMs.push(await timedAsync(async () => (series = (await adapter.metrics!.queryMetrics(q)).length)));
        if (i >= RAW_RUNS) continue;
        rawMs.push(await timedAsync(async () => (rows = await raw(start, END))));
        if (rawRollup) rollupMs.push(await timedAsync(async () => (rollupRows = await rawRollup(start, END))));
        if (rawDays) daysMs.push(await timedAsync(async () => (dayRows = await rawDays(start, END))));
      }
      const rawMedian = median(rawMs);
      const p99 = percentile(queryMs, 0.99);
      const table: Array<[string, number | string, number | string]> = [
        ['result series', series, ''],
        ['first query (cold, not in p50/p99), ms', coldMs.toFixed(1), ''],
        [`raw SELECT of the ${rows} points (raw limit), p50 ms`, rawMedian.toFixed(1), ''],
        ['queryMetrics p50, ms', median(queryMs).toFixed(1), (median(queryMs) / rawMedian).toFixed(2)],
        ['queryMetrics p99, ms', p99.toFixed(1), (p99 / rawMedian).toFixed(2)],
      ];
      if (rollupMs.length) {
        const m = median(rollupMs);
        table.push([`raw SELECT of the ${rollupRows} rollup rows, p50 ms`, m.toFixed(1), (m / rawMedian).toFixed(2)]);
        table.push(['queryMetrics p99 / rollup-rows SELECT', '', (p99 / m).toFixed(2)]);
      }
      if (daysMs.length) {
        const m = median(daysMs);
        table.push([`raw SELECT of the ${dayRows} day-level rows, p50 ms`, m.toFixed(1), (m / rawMedian).toFixed(2)]);
      }
      printTable(
        `${args.backend}: queryMetrics over ${label}, step ${Number(step / 1_000_000_000n)} s, ${SERIES} series every ${Number(INTERVAL / 1_000_000_000n)} s grouped into ${GROUPS}, ${runs} runs (ratio = to the raw SELECT of the points)`,
        table,
      );
      if (label === `${DAYS} d`)
        met.push(
          `target p99 < 500 ms over ${label} / step ${Number(step / 1_000_000_000n)} s: ${p99 < 500 ? 'MET' : 'NOT MET'} (${p99.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)})`,
        );
    }
    for (const line of met) console.log(line);
  }
} finally {
  await adapter.close();
  await done();
}
