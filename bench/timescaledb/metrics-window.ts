// queryMetrics over a long window on TimescaleDB (and plain PostgreSQL): the issue's "7 days, step 5 min, 1,000 series
// grouped by one label", beside the raw limits measured in the same run on the same database.
//
//   nice -n 10 node --conditions=@rohas/source --import tsx bench/timescaledb/metrics-window.ts
//        [--backend timescaledb|postgres] --store DIR [--series 1000] [--days 7] [--interval 300] [--step 300]
//        [--groups 10] [--runs 10] [--raw-runs N] [--fill-only]
//
// timescaledb: real TimescaleDB 2.23 in PGlite (WebAssembly PostgreSQL 17, the integration tests' server script),
// its data kept in DIR/pgdata; it serves one connection at a time, so every pool here has one connection that is
// closed when idle (each query, the adapter's and the raw ones alike, pays one reconnect). postgres: Debian's
// PostgreSQL 15, plain mode (no extension), its data kept in DIR/data.
// The first run fills DIR (on timescaledb every run: it must be a new folder, see below) (`--series` gauge series, `host` unique per series, `region` one of `--groups`, a point every
// `--interval` s over `--days` days, ~10,000 points a write), refreshes the continuous aggregates once (PGlite has no
// job scheduler; a server's policies refresh them every 1 / 5 / 30 minutes) and saves the window in DIR/window.json;
// later runs reuse it (postgres). Then queryMetrics({ step, aggregation: avg, groupBy: [region] }) over 7 d / step `--step`, 24 h /
// step 5 min and 1 h / step 1 min, `--runs` times each after one cold query, p50 / p99, each as a ratio to:
//   raw points:  SELECT time_ns, value of the window's points, read to the end (the raw limit);
//   agg rows:    SELECT of the continuous-aggregate rows the query's level holds for the window (timescaledb);
//   SQL GROUP BY: one hand-written statement computing the same answer from the raw points.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type AdapterFactory, normalizeMetricQuery, type TelemetryAdapter } from '@rohas/telemetry/adapter';
import pg from 'pg';
import { median, percentile, printTable } from '../support/stats.js';
import { gaugeBatch, timedAsync, WINDOW_METRIC, type WindowGauges } from '../support/window-gauges.js';
import { startPostgres } from './own-postgres.js';
import { startPglite } from './pglite-server.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'timescaledb' },
    store: { type: 'string' },
    series: { type: 'string', default: '1000' },
    days: { type: 'string', default: '7' },
    interval: { type: 'string', default: '300' },
    step: { type: 'string', default: '300' },
    groups: { type: 'string', default: '10' },
    runs: { type: 'string', default: '10' },
    'raw-runs': { type: 'string' },
    'fill-only': { type: 'boolean', default: false },
    // A/B: the adapter entry of another build (e.g. /work/main/adapters/timescaledb/dist/index.js) answers the same
    // queries on the same store, `--baseline-runs` times each (its migrations table may hold newer versions: fine).
    baseline: { type: 'string' },
    'baseline-runs': { type: 'string', default: '2' },
  },
});
if (!args.store) throw new Error('[bench] --store DIR is required (the kept database; filled on the first run)');
const BACKEND = args.backend!;
if (BACKEND !== 'timescaledb' && BACKEND !== 'postgres')
  throw new Error(`[bench] --backend ${BACKEND}: timescaledb or postgres`);
const STORE = resolve(args.store);
const SERIES = Number(args.series);
const DAYS = Number(args.days);
const INTERVAL = BigInt(args.interval!) * 1_000_000_000n;
const STEP = BigInt(args.step!) * 1_000_000_000n;
const GROUPS = Number(args.groups);
const gauges: WindowGauges = { series: SERIES, groups: GROUPS, interval: INTERVAL };
const RUNS = Number(args.runs);
const RAW_RUNS = Math.min(RUNS, Math.max(1, Number(args['raw-runs'] ?? RUNS)));
const SCHEMA = 'rohas_window';
const HOUR = 3_600_000_000_000n;
const MIN = 60_000_000_000n;
const pglite = BACKEND === 'timescaledb';
const quiet = { debug() {}, info() {}, warn: console.warn, error: console.error };

const windowFile = join(STORE, 'window.json');
const saved = existsSync(windowFile)
  ? (JSON.parse(readFileSync(windowFile, 'utf8')) as { start: string; end: string; interval: string })
  : undefined;
// A whole-hour window ending an hour ago, so every step bucket is complete and on the aggregates' grid.
const END = saved ? BigInt(saved.end) : ((BigInt(Date.now()) * 1_000_000n - HOUR) / HOUR) * HOUR;
const START = saved ? BigInt(saved.start) : END - BigInt(DAYS) * 24n * HOUR;
// PGlite's TimescaleDB loads its TSL module (policies, refresh, compression) only in the session that creates the
// extension: a reopened data folder fails with `function "refresh_continuous_aggregate" is not supported under the
// current "timescale" license`. So on timescaledb every run fills its own new store and measures in the same process.
if (saved && pglite)
  throw new Error(
    `[bench] ${STORE} holds a PGlite TimescaleDB store from an earlier run; PGlite cannot reopen it with TimescaleDB's TSL functions loaded: give a new --store folder (each timescaledb run fills and measures in one process)`,
  );
if (saved && BigInt(saved.interval) !== INTERVAL)
  throw new Error(`[bench] ${STORE} was filled at --interval ${BigInt(saved.interval) / 1_000_000_000n}`);

const server = pglite ? await startPglite(STORE) : await startPostgres(STORE);
// One connection, closed when idle, for PGlite (see the top); a normal pool for PostgreSQL.
const poolOptions = pglite ? { max: 1, idleTimeoutMillis: 1, connectionTimeoutMillis: 600_000 } : { max: 2 };
const adapterFrom = async (entry: string) =>
  (await ((await import(entry)).createAdapter as AdapterFactory)({
    options: {
      type: pglite ? 'timescaledb' : 'postgres',
      connection_string: server.url,
      schema: SCHEMA,
      mode: pglite ? 'timescaledb' : 'postgres',
      ...(pglite ? { pool_size: 1, idle_timeout_ms: 1, connect_timeout_ms: 600_000 } : {}),
    },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['metrics'],
    logger: quiet,
    baseDir: process.cwd(),
  } as never)) as TelemetryAdapter;
const adapter = await adapterFrom('@rohas/telemetry-timescaledb');
const baseline = args.baseline ? await adapterFrom(resolve(args.baseline)) : undefined;
const pool = new pg.Pool({ connectionString: server.url, ...poolOptions });
const sql = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) =>
  (await pool.query<R>(text, values)).rows;

/**
 * Materializes the aggregates, finest level first, each in one refresh over the whole window: what the refresh
 * policies reach once their scheduler has run (PGlite has none; a policy job refreshes in many small batches, much
 * slower here). The last hour stays real-time in the 1h level, as its policy's two-hour end offset leaves it.
 */
async function refreshAggregates(): Promise<void> {
  for (const [view, end] of [
    ['metric_points_1m', END],
    ['metric_points_5m', END],
    ['metric_points_1h', END - HOUR],
  ] as const) {
    const t = performance.now();
    await sql(`CALL refresh_continuous_aggregate('${SCHEMA}.${view}', NULL, $1::bigint)`, [end.toString()]);
    console.error(`[bench] refreshed ${view}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

try {
  await adapter.init();
  await baseline?.init();
  if (!saved) {
    const began = performance.now();
    const perWrite = INTERVAL * BigInt(Math.max(1, Math.floor(10_000 / SERIES)));
    let written = 0;
    let writes = 0;
    for (let t = START; t < END; t += perWrite) {
      const points = gaugeBatch(gauges, t, t + perWrite < END ? t + perWrite : END);
      const r = await adapter.metrics!.write(points);
      if (!r.ok) throw r.error;
      written += points.length;
      if (++writes % 100 === 0)
        console.error(`[bench] ${written} points, ${((performance.now() - began) / 1000).toFixed(0)} s`);
    }
    console.error(`[bench] wrote ${written} points in ${((performance.now() - began) / 1000).toFixed(1)} s`);
    if (pglite) await refreshAggregates();
    await sql('CHECKPOINT');
    writeFileSync(
      windowFile,
      JSON.stringify({ start: String(START), end: String(END), interval: String(INTERVAL), points: written }),
    );
  } else console.error(`[bench] reusing ${STORE} (window ${START} .. ${END})`);
  if (!args['fill-only']) {
    const met: string[] = [];
    const windows: Array<[string, bigint, bigint]> = [
      [`${DAYS} d`, START, STEP],
      ['24 h', END - 24n * HOUR, 5n * MIN],
      ['1 h', END - HOUR, MIN],
    ];
    for (const [label, start, step] of windows) {
      const q = normalizeMetricQuery(
        { name: WINDOW_METRIC, start, end: END, stepNano: step, aggregation: 'avg', groupBy: ['region'] },
        adapter.metrics!.capabilities,
      );
      // The level the adapter reads: the coarsest bucket dividing the step (the window is hour-aligned).
      const level = step % HOUR === 0n ? '1h' : step % (5n * MIN) === 0n ? '5m' : '1m';
      const stats = async () =>
        ((await adapter.health()).details as { aggregateLevelReads?: Record<string, number> }).aggregateLevelReads;
      const before = pglite ? (await stats())?.[level] : undefined;
      const coldMs = await timedAsync(() => adapter.metrics!.queryMetrics(q));
      const queryMs: number[] = [];
      const rawMs: number[] = [];
      const aggMs: number[] = [];
      const groupMs: number[] = [];
      let series = 0;
      let points = 0;
      let aggRows = 0;
      for (let i = 0; i < RUNS; i++) {
        queryMs.push(await timedAsync(async () => (series = (await adapter.metrics!.queryMetrics(q)).length)));
        if (i >= RAW_RUNS) continue;
        const range = [WINDOW_METRIC, start.toString(), END.toString()];
        rawMs.push(
          await timedAsync(
            async () =>
              (points = (
                await sql(
                  `SELECT time_ns, value FROM ${SCHEMA}.metric_points WHERE name = $1 AND time_ns >= $2 AND time_ns < $3`,
                  range,
                )
              ).length),
          ),
        );
        if (pglite)
          aggMs.push(
            await timedAsync(
              async () =>
                (aggRows = (
                  await sql(
                    `SELECT bucket, attributes, n, v_sum FROM ${SCHEMA}.metric_points_${level} WHERE name = $1 AND bucket >= $2 AND bucket < $3`,
                    range,
                  )
                ).length),
            ),
          );
        groupMs.push(
          await timedAsync(() =>
            sql(
              `SELECT (time_ns - $2::bigint) / $4::bigint AS b, attributes ->> 'region' AS region, avg(value)
               FROM ${SCHEMA}.metric_points WHERE name = $1 AND time_ns >= $2 AND time_ns < $3 GROUP BY 1, 2`,
              [...range, step.toString()],
            ),
          ),
        );
      }
      const after = pglite ? (await stats())?.[level] : undefined;
      const baseMs: number[] = [];
      for (let i = 0; baseline && i < Number(args['baseline-runs']); i++)
        baseMs.push(await timedAsync(() => baseline.metrics!.queryMetrics(q)));
      const raw = median(rawMs);
      const p50 = median(queryMs);
      const p99 = percentile(queryMs, 0.99);
      const table: Array<[string, number | string, number | string]> = [
        ['result series', series, ''],
        ['first query (cold, not in p50/p99), ms', coldMs.toFixed(1), ''],
        [`raw SELECT of the ${points} points (raw limit), p50 ms`, raw.toFixed(1), '1.00'],
        ['queryMetrics p50, ms', p50.toFixed(1), (p50 / raw).toFixed(2)],
        ['queryMetrics p99, ms', p99.toFixed(1), (p99 / raw).toFixed(2)],
        ['SQL GROUP BY over the raw points, p50 ms', median(groupMs).toFixed(1), (median(groupMs) / raw).toFixed(2)],
      ];
      if (baseMs.length)
        table.push([
          `baseline ${args.baseline} queryMetrics p50 (${baseMs.length} runs), ms`,
          median(baseMs).toFixed(1),
          (median(baseMs) / raw).toFixed(2),
        ]);
      if (aggMs.length) {
        const m = median(aggMs);
        table.push([
          `SELECT of the ${aggRows} metric_points_${level} rows, p50 ms`,
          m.toFixed(1),
          (m / raw).toFixed(2),
        ]);
        table.push([`queryMetrics p50 / p99 ÷ that SELECT`, '', `${(p50 / m).toFixed(2)} / ${(p99 / m).toFixed(2)}`]);
        table.push([`reads of the ${level} level (cold + runs)`, (after ?? 0) - (before ?? 0), '']);
      }
      printTable(
        `${BACKEND}: queryMetrics over ${label}, step ${Number(step / 1_000_000_000n)} s, ${SERIES} series every ${Number(INTERVAL / 1_000_000_000n)} s grouped into ${GROUPS}, ${RUNS} runs (ratio = to the raw SELECT of the points)`,
        table,
      );
      if (label === `${DAYS} d`)
        met.push(
          `${BACKEND}: target p99 < 500 ms over ${label} / step ${Number(step / 1_000_000_000n)} s: ${p99 < 500 ? 'MET' : 'NOT MET'} (${p99.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}; ${server.version})`,
        );
    }
    for (const line of met) console.log(line);
  }
} finally {
  await adapter.close();
  await baseline?.close();
  await pool.end();
  await server.stop();
}
