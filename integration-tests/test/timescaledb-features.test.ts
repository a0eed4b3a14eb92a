import type { MetricQuery, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeMetricQuery, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { DAY, makePoint, makeSpan, nowNano, runId, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { admin, makeAdapter, recordingLogger } from './timescaledb-helpers.js';

const HOUR = 3600n * SECOND;
const MINUTE = 60n * SECOND;

// What only TimescaleDB mode has: hypertables, compression and retention policies that act (PGlite runs no
// background jobs, so the test runs each policy's job itself with run_job), and the per-minute continuous aggregate.
describeBackend(
  'timescaledb',
  'timescaledb adapter: hypertables, compression, retention jobs, continuous aggregate',
  (ts) => {
    const schema = `rt_feat_${runId()}`;
    const url = ts.url;
    let adapter: TelemetryAdapter;
    let raw: TelemetryAdapter | undefined;
    const logger = recordingLogger();
    const options = {
      schema,
      pool_size: ts.poolSize,
      idle_timeout_ms: 100,
      compress_after: '2 hours',
      chunk_interval: '1 hour',
    };

    beforeAll(async () => {
      adapter = makeAdapter(url, options, { traces: 1, metrics: 1, logs: 1 }, logger);
      await adapter.init();
    }, 120_000);
    afterAll(async () => {
      await adapter?.close();
      await raw?.close();
      await admin(url, [`DROP SCHEMA IF EXISTS "${schema}" CASCADE`]).catch(() => {});
    }, 60_000);

    /** Job id of a policy on one of the adapter's tables. */
    async function jobId(proc: string, table: string): Promise<number> {
      const rows = await admin<{ job_id: number }>(url, [
        [
          'SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = $1 AND hypertable_schema = $2 AND hypertable_name = $3',
          [proc, schema, table],
        ],
      ]);
      expect(rows.length).toBe(1);
      return rows[0]!.job_id;
    }
    const chunks = (table: string) =>
      admin<{ chunk_name: string; is_compressed: boolean; range_start_integer: string; range_end_integer: string }>(
        url,
        [
          [
            'SELECT chunk_name, is_compressed, range_start_integer, range_end_integer FROM timescaledb_information.chunks WHERE hypertable_schema = $1 AND hypertable_name = $2 ORDER BY range_start_integer',
            [schema, table],
          ],
        ],
      );

    it('creates hypertables on the bigint nanosecond columns and logs the mode once', async () => {
      const rows = await admin<{ hypertable_name: string }>(url, [
        [
          'SELECT hypertable_name FROM timescaledb_information.hypertables WHERE hypertable_schema = $1 ORDER BY 1',
          [schema],
        ],
      ]);
      expect(rows.map((r) => r.hypertable_name)).toEqual(['logs', 'metric_points', 'spans']);
      const dims = await admin<{
        hypertable_name: string;
        column_name: string;
        column_type: string;
        integer_interval: string;
      }>(url, [
        [
          'SELECT hypertable_name, column_name, column_type::text, integer_interval::text FROM timescaledb_information.dimensions WHERE hypertable_schema = $1 ORDER BY 1',
          [schema],
        ],
      ]);
      expect(dims.map((d) => [d.hypertable_name, d.column_name, d.column_type, d.integer_interval])).toEqual([
        ['logs', 'time_ns', 'bigint', String(HOUR)],
        ['metric_points', 'time_ns', 'bigint', String(HOUR)],
        ['spans', 'start_ns', 'bigint', String(HOUR)],
      ]);
      const h = await adapter.health();
      expect(h.details?.mode).toBe('timescaledb');
      expect(logger.lines.filter((l) => /mode/.test(l.message)).map((l) => l.message)).toEqual([
        expect.stringMatching(/TimescaleDB .* mode: hypertables/),
      ]);
    });

    it('type = "postgres" keeps plain tables even where TimescaleDB is installed', async () => {
      const plainSchema = `${schema}_plain`;
      const plain = makeAdapter(url, {
        type: 'postgres',
        schema: plainSchema,
        pool_size: ts.poolSize,
        idle_timeout_ms: 100,
      });
      try {
        await plain.init();
        expect(plain.type).toBe('postgres');
        expect((await plain.health()).details?.mode).toBe('postgres');
        const span = makeSpan({ service: runId() });
        expect((await plain.traces!.write([span])).ok).toBe(true);
        expect(await plain.traces!.getTrace(span.traceId)).toEqual([span]);
      } finally {
        await plain.close();
      }
      const hypertables = await admin(url, [
        ['SELECT 1 FROM timescaledb_information.hypertables WHERE hypertable_schema = $1', [plainSchema]],
      ]);
      expect(hypertables.length).toBe(0);
      await admin(url, [`DROP SCHEMA "${plainSchema}" CASCADE`]);
    });

    it('the compression job compresses old chunks, which are still read and re-written exactly', async () => {
      const service = runId();
      const now = nowNano();
      const old = makeSpan({ service, name: 'old', start: now - 5n * HOUR, attributes: { 'http.status_code': 500 } });
      const fresh = makeSpan({ service, name: 'fresh', start: now - MINUTE });
      expect((await adapter.traces!.write([old, fresh])).ok).toBe(true);
      const before = await chunks('spans');
      expect(before.some((c) => c.is_compressed)).toBe(false);

      await admin(url, [['CALL run_job($1)', [await jobId('policy_compression', 'spans')]]]);

      const after = await chunks('spans');
      const holding = (t: bigint) =>
        after.find((c) => BigInt(c.range_start_integer) <= t && t < BigInt(c.range_end_integer))!;
      expect(holding(old.startTimeUnixNano).is_compressed).toBe(true);
      expect(holding(fresh.startTimeUnixNano).is_compressed).toBe(false);
      // Reads from the compressed chunk are exact, attribute filters included.
      expect(await adapter.traces!.getTrace(old.traceId)).toEqual([old]);
      const found = await adapter.traces!.findTraces(
        normalizeTraceQuery({ service, attributes: { 'http.status_code': 500 } }, adapter.traces!.capabilities),
      );
      expect(found.items.map((t) => t.traceId)).toEqual([old.traceId]);
      // Re-writing a span that sits in a compressed chunk still stores it once (an upsert into the compressed chunk).
      const renamed = { ...old, name: 'old, renamed' };
      expect((await adapter.traces!.write([renamed])).ok).toBe(true);
      expect(await adapter.traces!.getTrace(old.traceId)).toEqual([renamed]);
    });

    it('a span re-written with another start time (in another chunk) replaces the stored copy', async () => {
      const span = makeSpan({ service: runId(), start: nowNano() - 30n * MINUTE });
      expect((await adapter.traces!.write([span])).ok).toBe(true);
      const moved = {
        ...span,
        startTimeUnixNano: span.startTimeUnixNano - 3n * HOUR,
        endTimeUnixNano: span.endTimeUnixNano - 3n * HOUR,
      };
      expect((await adapter.traces!.write([moved])).ok).toBe(true);
      expect(await adapter.traces!.getTrace(span.traceId)).toEqual([moved]);
    });

    it('the retention job drops chunks older than retention_days and keeps newer ones', async () => {
      const service = runId();
      const now = nowNano();
      const ancient = makeSpan({ service, start: now - 3n * DAY });
      const recent = makeSpan({ service, start: now - 2n * MINUTE });
      expect((await adapter.traces!.write([ancient, recent])).ok).toBe(true);
      const ancientChunk = (await chunks('spans')).find(
        (c) =>
          BigInt(c.range_start_integer) <= ancient.startTimeUnixNano &&
          ancient.startTimeUnixNano < BigInt(c.range_end_integer),
      )!;
      expect(ancientChunk).toBeDefined();

      await admin(url, [['CALL run_job($1)', [await jobId('policy_retention', 'spans')]]]);

      const left = await chunks('spans');
      expect(left.map((c) => c.chunk_name)).not.toContain(ancientChunk.chunk_name);
      expect(left.every((c) => BigInt(c.range_end_integer) > now - DAY - HOUR)).toBe(true);
      expect(await adapter.traces!.getTrace(ancient.traceId)).toBeNull();
      expect(await adapter.traces!.getTrace(recent.traceId)).not.toBeNull();
      // The policy is the one retention_days asked for: 1 day in nanoseconds.
      const config = await admin<{ config: { drop_after: number } }>(url, [
        [
          'SELECT config FROM timescaledb_information.jobs WHERE proc_name = $1 AND hypertable_schema = $2 AND hypertable_name = $3',
          ['policy_retention', schema, 'spans'],
        ],
      ]);
      expect(BigInt(config[0]!.config.drop_after)).toBe(DAY);
    });

    describe('the continuous aggregate answers queryMetrics exactly as the raw points do', () => {
      const name = `cagg_${runId()}`;
      const hist = `cagg_h_${runId()}`;
      const service = runId();
      // Whole minutes, 40 minutes ago: a window the refresh policy (end offset 2 minutes) materializes.
      const t0 = (nowNano() / MINUTE) * MINUTE - 40n * MINUTE;
      const end = t0 + 30n * MINUTE;

      beforeAll(async () => {
        const points = [];
        for (let i = 0; i < 180; i++) {
          for (const route of ['/a', '/b', '/c']) {
            points.push(
              makePoint({
                name,
                service,
                type: 'gauge',
                time: t0 + BigInt(i) * 10n * SECOND + 3n,
                value: (i % 17) * 0.25 - (route === '/b' ? 2 : 0),
                attributes: { route, code: i % 4 === 0 ? 500 : 200 },
              }),
            );
          }
          points.push(
            makePoint({
              name: hist,
              service,
              time: t0 + BigInt(i) * 10n * SECOND,
              histogram: {
                count: 6,
                sum: i + 0.5,
                min: 0.5,
                max: 40 + (i % 9),
                bounds: [1, 5, 10],
                counts: [1, 2, 3 - (i % 3), i % 3],
              },
              attributes: { route: i % 2 ? '/a' : '/b' },
            }),
          );
        }
        expect((await adapter.metrics!.write(points)).ok).toBe(true);
        // The refresh policy's job materializes the minutes (PGlite runs no scheduler).
        await admin(url, [
          ['CALL run_job($1)', [await jobId('policy_refresh_continuous_aggregate', 'metric_points_1m')]],
        ]);
        raw = makeAdapter(url, { ...options, continuous_aggregate: false });
        await raw.init();
      }, 120_000);

      it('materialized the minutes of the window', async () => {
        const rows = await admin<{ n: string }>(url, [
          [
            `SELECT count(*) AS n FROM timescaledb_information.continuous_aggregates c WHERE c.view_schema = $1 AND c.view_name = 'metric_points_1m'`,
            [schema],
          ],
        ]);
        expect(Number(rows[0]!.n)).toBe(1);
        const mat = await admin<{ s: string; n: string }>(url, [
          [
            `SELECT c.materialization_hypertable_schema AS s, c.materialization_hypertable_name AS n FROM timescaledb_information.continuous_aggregates c WHERE c.view_schema = $1 AND c.view_name = 'metric_points_1m'`,
            [schema],
          ],
        ]);
        const count = await admin<{ n: string }>(url, [`SELECT count(*) AS n FROM "${mat[0]!.s}"."${mat[0]!.n}"`]);
        // 30 minutes x (3 gauge series + 2 histogram series) at least.
        expect(Number(count[0]!.n)).toBeGreaterThanOrEqual(150);
      });

      const queries: Array<[string, MetricQuery]> = [];
      for (const aggregation of ['sum', 'avg', 'min', 'max', 'count'] as const) {
        queries.push([
          `${aggregation}, 5-minute steps, every series`,
          { name, start: t0, end, stepNano: 5n * MINUTE, aggregation },
        ]);
        queries.push([
          `${aggregation} over histograms, 1-minute steps`,
          { name: hist, start: t0, end, stepNano: MINUTE, aggregation },
        ]);
      }
      queries.push([
        'sum grouped by route, window end inside a minute',
        { name, start: t0, end: end - 25n * SECOND, stepNano: 2n * MINUTE, aggregation: 'sum', groupBy: ['route'] },
      ]);
      queries.push([
        'max, all merged, attribute filter',
        { name, start: t0, end, stepNano: 10n * MINUTE, aggregation: 'max', groupBy: [], attributes: { code: 500 } },
      ]);
      queries.push([
        'count with a regex filter and service',
        {
          name,
          start: t0,
          end,
          stepNano: 3n * MINUTE,
          aggregation: 'count',
          service,
          attributes: [{ key: 'route', op: 'regex', value: '^/[ab]$' }],
        },
      ]);

      for (const [label, q] of queries) {
        it(label, async () => {
          const before = (await adapter.health()).details as { continuousAggregateQueries: number };
          const fromAggregate = await adapter.metrics!.queryMetrics(
            normalizeMetricQuery(q, adapter.metrics!.capabilities),
          );
          const after = (await adapter.health()).details as { continuousAggregateQueries: number };
          expect(after.continuousAggregateQueries).toBe(before.continuousAggregateQueries + 1);
          const fromRaw = await raw!.metrics!.queryMetrics(normalizeMetricQuery(q, raw!.metrics!.capabilities));
          expect(fromAggregate.length).toBeGreaterThan(0);
          expect(fromAggregate.every((s) => s.points.length > 0)).toBe(true);
          expect(fromAggregate).toEqual(fromRaw);
        });
      }
    });
  },
);
