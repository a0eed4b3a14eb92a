import type { MetricQuery, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeMetricQuery } from '@rohas/telemetry/adapter';
import { makePoint, nowNano, runId, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { admin, makeAdapter } from './timescaledb-helpers.js';

const MINUTE = 60n * SECOND;
const HOUR = 60n * MINUTE;
type Level = '1h' | '5m' | '1m';
type Stats = { aggregateLevelReads: Record<Level, number>; rawMetricQueries: number };

// The 5-minute and hourly continuous aggregates (hierarchical on the per-minute one, migration 0004): queryMetrics
// answers exactly what the raw points answer, before any refresh (all real-time), after the refresh policies' jobs ran
// (materialized), with a point written after the refresh, after a late point and the next refresh, and on a store
// made before the migration. Each query also proves which levels it read, so the test cannot pass by falling back.
describeBackend('timescaledb', 'timescaledb adapter: 5-minute and hourly continuous aggregates', (ts) => {
  const schema = `rt_roll_${runId()}`;
  const name = `roll_${runId()}`;
  const hist = `roll_h_${runId()}`;
  const url = ts.url;
  const options = { schema, pool_size: ts.poolSize, idle_timeout_ms: 100 };
  let adapter: TelemetryAdapter;
  let raw: TelemetryAdapter;
  // From five hours back on the hour: four whole hours, three 5-minute buckets, two minutes and a part minute.
  const t0 = (nowNano() / HOUR) * HOUR - 5n * HOUR;
  const end = t0 + 4n * HOUR + 17n * MINUTE + 23n * SECOND;

  function points(from: bigint, to: bigint, every: bigint) {
    const out = [];
    let i = 0;
    for (let t = from; t < to; t += every, i++) {
      for (const route of ['/a', '/b', '/c'])
        out.push(
          makePoint({
            name,
            service: route === '/c' ? 'svc-c' : 'svc-ab',
            type: 'gauge',
            // Points on 5-minute edges and 1 ns before one.
            time: i % 7 === 3 ? ((t + 5n * MINUTE) / (5n * MINUTE)) * 5n * MINUTE - 1n : t,
            value: (i % 17) * 0.25 - (route === '/b' ? 2 : 0),
            attributes: { route, code: i % 4 === 0 ? 500 : 200 },
          }),
        );
      out.push(
        makePoint({
          name: hist,
          time: t,
          histogram: { count: 6, sum: i + 0.5, min: 0.5, max: 40 + (i % 9), bounds: [1, 5], counts: [1, 2, 3] },
          attributes: { route: i % 2 ? '/a' : '/b' },
        }),
      );
    }
    return out;
  }

  const queries: Array<[string, MetricQuery, Level[]]> = [];
  for (const aggregation of ['sum', 'avg', 'min', 'max', 'count'] as const) {
    queries.push([
      `${aggregation}, hour steps by route`,
      { name, start: t0, end, stepNano: HOUR, aggregation, groupBy: ['route'] },
      ['1h', '5m', '1m'],
    ]);
    queries.push([
      `${aggregation}, 5-minute steps, every series`,
      { name, start: t0, end, stepNano: 5n * MINUTE, aggregation },
      ['5m', '1m'],
    ]);
    queries.push([
      `${aggregation} of histograms, 15-minute steps`,
      { name: hist, start: t0, end, stepNano: 15n * MINUTE, aggregation, groupBy: [] },
      ['5m', '1m'],
    ]);
  }
  queries.push([
    'avg by service.name (a resource key), 2-hour steps',
    { name, start: t0, end, stepNano: 2n * HOUR, aggregation: 'avg', groupBy: ['service.name'] },
    ['1h', '5m', '1m'],
  ]);
  queries.push([
    'sum by route and a key no point has',
    { name, start: t0, end, stepNano: 10n * MINUTE, aggregation: 'sum', groupBy: ['route', 'absent'] },
    ['5m', '1m'],
  ]);
  queries.push([
    'max with an attribute filter',
    { name, start: t0, end, stepNano: HOUR, aggregation: 'max', groupBy: [], attributes: { code: 500 } },
    ['1h', '5m', '1m'],
  ]);
  queries.push([
    'count with a regex filter (rows checked in JS)',
    {
      name,
      start: t0,
      end,
      stepNano: 5n * MINUTE,
      aggregation: 'count',
      attributes: [{ key: 'route', op: 'regex', value: '^/[ab]$' }],
    },
    ['5m', '1m'],
  ]);
  queries.push([
    'a start one minute past the hour: minutes only',
    { name, start: t0 + MINUTE, end, stepNano: 5n * MINUTE, aggregation: 'avg', groupBy: ['route'] },
    ['1m'],
  ]);
  queries.push([
    'a window shorter than an hour on the hour grid',
    {
      name,
      start: t0 + HOUR,
      end: t0 + HOUR + 25n * MINUTE + 7n * SECOND,
      stepNano: HOUR,
      aggregation: 'sum',
      groupBy: ['route'],
    },
    ['5m'],
  ]);

  /** Every query: the aggregates' answer equals the raw answer, and exactly the expected levels were read. */
  async function compareAll(a: TelemetryAdapter): Promise<void> {
    for (const [label, q, levels] of queries) {
      const before = structuredClone((await a.health()).details as Stats);
      const got = await a.metrics!.queryMetrics(normalizeMetricQuery(q, a.metrics!.capabilities));
      const after = (await a.health()).details as Stats;
      for (const level of ['1h', '5m', '1m'] as const)
        expect(after.aggregateLevelReads[level] - before.aggregateLevelReads[level], `${label}: ${level} reads`).toBe(
          levels.includes(level) ? 1 : 0,
        );
      expect(after.rawMetricQueries, label).toBe(before.rawMetricQueries);
      const want = await raw.metrics!.queryMetrics(normalizeMetricQuery(q, raw.metrics!.capabilities));
      expect(want.length, label).toBeGreaterThan(0);
      expect(got, label).toEqual(want);
    }
  }

  /** The refresh policies' jobs, finest level first (PGlite runs no scheduler). */
  async function runRefreshJobs(s: string): Promise<void> {
    for (const view of ['metric_points_1m', 'metric_points_5m', 'metric_points_1h']) {
      const [job] = await admin<{ job_id: number }>(url, [
        [
          `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_schema = $1 AND hypertable_name = $2`,
          [s, view],
        ],
      ]);
      expect(job, `refresh policy of ${view}`).toBeDefined();
      await admin(url, [['CALL run_job($1)', [job!.job_id]]]);
    }
  }
  const materialized = async (s: string, view: string) => {
    const [m] = await admin<{ s: string; n: string }>(url, [
      [
        `SELECT materialization_hypertable_schema AS s, materialization_hypertable_name AS n FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1 AND view_name = $2`,
        [s, view],
      ],
    ]);
    return Number((await admin<{ n: string }>(url, [`SELECT count(*) AS n FROM "${m!.s}"."${m!.n}"`]))[0]!.n);
  };

  beforeAll(async () => {
    adapter = makeAdapter(url, options);
    await adapter.init();
    raw = makeAdapter(url, { ...options, continuous_aggregate: false });
    await raw.init();
    expect((await adapter.metrics!.write(points(t0, end - 30n * SECOND, 70n * SECOND))).ok).toBe(true);
  }, 300_000);
  afterAll(async () => {
    await adapter?.close();
    await raw?.close();
    await admin(url, [`DROP SCHEMA IF EXISTS "${schema}" CASCADE`]).catch(() => {});
  }, 60_000);

  it('answers as the raw points before any refresh (every bucket real-time)', async () => {
    expect(await materialized(schema, 'metric_points_5m')).toBe(0);
    await compareAll(adapter);
  }, 600_000);

  it('answers as the raw points once the refresh policies have materialized the levels', async () => {
    await runRefreshJobs(schema);
    expect(await materialized(schema, 'metric_points_5m')).toBeGreaterThan(0);
    expect(await materialized(schema, 'metric_points_1h')).toBeGreaterThan(0);
    await compareAll(adapter);
  }, 600_000);

  it('has a point written after the refresh in the answer, and a late point after the next refresh', async () => {
    // A point of now: after every level's last refresh, so aggregated at query time.
    const fresh = nowNano() - 5n * SECOND;
    expect((await adapter.metrics!.write(points(fresh, fresh + 1n, SECOND))).ok).toBe(true);
    const q = normalizeMetricQuery(
      { name, start: t0, end: fresh + MINUTE, stepNano: 5n * MINUTE, aggregation: 'count', groupBy: ['route'] },
      adapter.metrics!.capabilities,
    );
    const got = await adapter.metrics!.queryMetrics(q);
    expect(got).toEqual(await raw.metrics!.queryMetrics(q));
    const bucket = t0 + ((fresh - t0) / (5n * MINUTE)) * 5n * MINUTE;
    for (const s of got) expect(s.points.find((p) => p.timeUnixNano === bucket)?.value, 'fresh point counted').toBe(1);
    await compareAll(adapter);
    // Into an hour every level has materialized: stale until the policies run again, then exact again.
    expect((await adapter.metrics!.write(points(t0 + 17n * MINUTE + 3n, t0 + 17n * MINUTE + 4n, SECOND))).ok).toBe(
      true,
    );
    await runRefreshJobs(schema);
    await compareAll(adapter);
  }, 600_000);

  describe('a store made before migration 0004', () => {
    const old = `rt_roll_old_${runId()}`;
    let a: TelemetryAdapter;
    let r: TelemetryAdapter;
    beforeAll(async () => {
      const first = makeAdapter(url, { ...options, schema: old });
      await first.init();
      expect((await first.metrics!.write(points(t0, end - 30n * SECOND, 70n * SECOND))).ok).toBe(true);
      await first.close();
      // Back to the schema before 0004, with its per-minute aggregate materialized.
      await admin(url, [
        `DROP MATERIALIZED VIEW "${old}".metric_points_1h`,
        `DROP MATERIALIZED VIEW "${old}".metric_points_5m`,
        `DELETE FROM "${old}".schema_migrations WHERE version = 4`,
      ]);
      const [job] = await admin<{ job_id: number }>(url, [
        [
          `SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_refresh_continuous_aggregate' AND hypertable_schema = $1 AND hypertable_name = 'metric_points_1m'`,
          [old],
        ],
      ]);
      await admin(url, [['CALL run_job($1)', [job!.job_id]]]);
      a = makeAdapter(url, { ...options, schema: old });
      await a.init();
      r = makeAdapter(url, { ...options, schema: old, continuous_aggregate: false });
      await r.init();
    }, 300_000);
    afterAll(async () => {
      await a?.close();
      await r?.close();
      await admin(url, [`DROP SCHEMA IF EXISTS "${old}" CASCADE`]).catch(() => {});
    }, 60_000);

    it('is migrated at start-up and answers exactly, before and after the new levels are refreshed', async () => {
      const versions = await admin<{ version: number }>(url, [
        `SELECT version FROM "${old}".schema_migrations ORDER BY version`,
      ]);
      expect(versions.map((v) => v.version)).toContain(4);
      const saved = raw;
      raw = r;
      try {
        await compareAll(a);
        await runRefreshJobs(old);
        expect(await materialized(old, 'metric_points_5m')).toBeGreaterThan(0);
        await compareAll(a);
      } finally {
        raw = saved;
      }
    }, 600_000);
  });
});
