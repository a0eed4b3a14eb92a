// The metric rollup gives the raw points' answer: for every aggregation and step the API offers, on series with gaps,
// one point, points on five-minute edges, ties in time across series, non-finite values and histograms; after a
// retention cut inside a slot; and on a store written before the rollup existed (the backfill). The expected answer is
// the reference (seriesFromPoints over the written points); `queryFromRollup` is also called directly, so a test
// that passes through the raw read by accident fails. The day level (sum/avg/count from per-day count+sum rows) must
// answer the number series and give the same bits as the hour rows; the fixture's three hours cross midnight UTC.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeAttributes,
  type MetricAggregation,
  type MetricPoint,
  type MetricQuery,
  type MetricSeries,
  normalizeMetricQuery,
  pointMatches,
  seriesFromPoints,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';
import { queryFromRollup, type SelectedSeries } from '../src/metric-rollup-read.js';
import { ReadContext } from '../src/read-context.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-rollup-'));

/** Polls the store's rollup state on a read-only connection, every 50 ms for up to 30 s, until `done` holds. */
async function rollupStateReaches(file: string, done: (db: Database.Database) => boolean): Promise<boolean> {
  const ro = new Database(file, { readonly: true });
  try {
    for (let i = 0; i < 600 && !done(ro); i++) await new Promise((r) => setTimeout(r, 50));
    return done(ro);
  } finally {
    ro.close();
  }
}
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const S = 1_000_000_000n;
const MIN5 = 300n * S;
const HOUR = 3600n * S;
const DAY = 24n * HOUR;
// 22:00 UTC of a day at least eight hours ago: the window is in the past, whole hours line up with the rollup's rows,
// and the data (three hours) crosses midnight, where the day level's rows split.
const T0 = ((BigInt(Date.now()) * 1_000_000n - 30n * HOUR) / DAY) * DAY + 22n * HOUR;

function point(name: string, attrs: Record<string, string>, time: bigint, value: number): MetricPoint {
  return {
    name,
    unit: 'ms',
    type: 'gauge',
    temporality: 'unspecified',
    attributes: attrs,
    resource: { attributes: { 'service.name': 'rollup-test' } },
    scope: { name: 'rollup-test' },
    startTimeUnixNano: time,
    timeUnixNano: time,
    value,
  };
}

function histogram(attrs: Record<string, string>, time: bigint, k: number): MetricPoint {
  const counts = [k % 3, (k * 7) % 5, 1];
  const h: NonNullable<MetricPoint['histogram']> = {
    count: counts.reduce((a, b) => a + b, 0),
    sum: k * 1.25 + 0.1,
    bounds: [1, 10],
    counts,
  };
  if (k % 4 !== 0) h.min = k * 0.5;
  if (k % 5 !== 0) h.max = k * 2.5;
  return {
    ...point('rollup.hist', attrs, time, 0),
    type: 'histogram',
    temporality: 'delta',
    histogram: h,
    value: undefined,
  } as MetricPoint;
}

/** Three hours of data, in write batches as an exporter sends them. */
function fixture(): MetricPoint[][] {
  const g = 'rollup.gauge';
  const batches: MetricPoint[][] = [];
  const a: MetricPoint[] = [];
  // s1: every 37 s with a 45-minute gap.
  for (let k = 0; k * 37 < 3 * 3600; k++) {
    const t = T0 + BigInt(k * 37) * S;
    if (t >= T0 + 50n * 60n * S && t < T0 + 95n * 60n * S) continue;
    a.push(point(g, { host: 'h1', region: 'r1' }, t, Math.sin(k) * 100 + 0.1));
  }
  // s2: one point, exactly on a five-minute edge.
  a.push(point(g, { host: 'h2', region: 'r1' }, T0 + 60n * 60n * S, 42.5));
  batches.push(a);
  const b: MetricPoint[] = [];
  // s3: on every five-minute edge and one nanosecond before it; s4 shares s3's times (ties: `last` takes the later id).
  for (let k = 0; k <= 36; k++) {
    const edge = T0 + BigInt(k) * MIN5;
    b.push(point(g, { host: 'h3', region: 'r2' }, edge, k * 1.5));
    if (k > 0) b.push(point(g, { host: 'h3', region: 'r2' }, edge - 1n, -k));
    b.push(point(g, { host: 'h4', region: 'r2' }, edge, 1000 - k));
  }
  // s5: non-finite values in one slot each, and -Infinity next to +Infinity.
  b.push(point(g, { host: 'h5', region: 'r3' }, T0 + 7n * MIN5 + 3n * S, Number.NaN));
  b.push(point(g, { host: 'h5', region: 'r3' }, T0 + 7n * MIN5 + 9n * S, 7));
  b.push(point(g, { host: 'h5', region: 'r3' }, T0 + 9n * MIN5 + 1n * S, Number.POSITIVE_INFINITY));
  b.push(point(g, { host: 'h5', region: 'r3' }, T0 + 9n * MIN5 + 2n * S, Number.NEGATIVE_INFINITY));
  b.push(point(g, { host: 'h5', region: 'r3' }, T0 + 11n * MIN5 + 2n * S, Number.POSITIVE_INFINITY));
  batches.push(b);
  const h: MetricPoint[] = [];
  for (let k = 0; k < 60; k++) {
    h.push(histogram({ host: 'h1', region: 'r1' }, T0 + BigInt(k * 170) * S, k));
    if (k % 3 === 0) h.push(histogram({ host: 'h2', region: 'r1' }, T0 + BigInt(k * 170 + 11) * S, k + 1));
  }
  batches.push(h);
  // A late batch: points into slots the rollup already holds.
  batches.push([
    point(g, { host: 'h1', region: 'r1' }, T0 + 3n * MIN5 + 1n, -5),
    point(g, { host: 'h2', region: 'r1' }, T0 + 3n * MIN5 + 2n, 5),
  ]);
  return batches;
}

const AGGREGATIONS: MetricAggregation[] = ['sum', 'avg', 'min', 'max', 'count', 'last'];
const STEPS: Array<bigint | undefined> = [undefined, MIN5, 2n * MIN5, 3n * MIN5, HOUR, 2n * HOUR];
const WINDOWS: Array<[bigint, bigint]> = [
  [T0, T0 + 3n * HOUR],
  [T0 - HOUR, T0 + 4n * HOUR],
  [T0 + MIN5, T0 + 2n * HOUR + 7n * S], // ragged end: the tail from the raw points
  [T0 + 13n * S, T0 + 2n * HOUR + 1n], // ragged start (no step only)
];
const GROUP_BYS: Array<string[] | undefined> = [undefined, ['region'], []];

function queries(): MetricQuery[] {
  const out: MetricQuery[] = [];
  for (const name of ['rollup.gauge', 'rollup.hist'])
    for (const aggregation of AGGREGATIONS)
      for (const stepNano of STEPS)
        for (const [start, end] of WINDOWS)
          for (const groupBy of GROUP_BYS)
            out.push({ name, start, end, aggregation, groupBy, ...(stepNano ? { stepNano } : {}) });
  return out;
}

/** Sums and averages may differ in the last bits (another order of additions); everything else is exact. */
function expectSame(actual: MetricSeries[], expected: MetricSeries[], q: MetricQuery): void {
  const label = `${q.name} ${q.aggregation} step ${q.stepNano} [${q.start - T0}, ${q.end - T0}) by ${JSON.stringify(q.groupBy)}`;
  expect(
    actual.map((s) => [s.name, s.type, s.unit, s.labels]),
    label,
  ).toEqual(expected.map((s) => [s.name, s.type, s.unit, s.labels]));
  const loose = q.aggregation === 'sum' || q.aggregation === 'avg';
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!.points;
    const a = actual[i]!.points;
    expect(
      a.map((p) => p.timeUnixNano),
      label,
    ).toEqual(e.map((p) => p.timeUnixNano));
    for (let j = 0; j < e.length; j++) {
      const x = a[j]!.value;
      const y = e[j]!.value;
      if (loose && Number.isFinite(y))
        expect(Math.abs(x - y), label).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(y)));
      else expect(x, label).toBe(y);
    }
  }
}

async function open(path: string, write_thread: boolean): Promise<TelemetryAdapter> {
  const adapter = await createAdapter({
    options: { type: 'sqlite', path, write_thread, read_threads: 0 },
    retention: { traces: 0, metrics: 1, logs: 0 },
    signals: ['metrics'],
    logger: quiet,
    baseDir: dir,
  });
  await adapter.init();
  return adapter;
}

/**
 * Checks every query against the reference, through the adapter and through the rollup read itself; and that the day
 * level answers sum/avg/count of the number series with the hour rows' very bits. Returns the queries the rollup
 * answered.
 */
async function checkAll(adapter: TelemetryAdapter, file: string, points: MetricPoint[]): Promise<number> {
  const db = new Database(file, { readonly: true });
  const ctx = new ReadContext(db);
  let fromRollup = 0;
  let fromDays = 0;
  try {
    for (const query of queries()) {
      const q = normalizeMetricQuery(query, adapter.metrics!.capabilities);
      const expected = seriesFromPoints(
        points.filter((p) => pointMatches(p, q)),
        q,
      );
      expectSame(await adapter.metrics!.queryMetrics(q), expected, query);
      const series = new Map<number, SelectedSeries>();
      for (const row of db
        .prepare('SELECT id, name, unit, type, attributes, resource_id FROM metric_series WHERE name = ?')
        .all(q.name) as Array<SelectedSeries['row'] & { id: number; attributes: string }>)
        series.set(row.id, { attributes: decodeAttributes(row.attributes), row });
      const direct = queryFromRollup(ctx, q, series);
      const aligned = q.stepNano === undefined || q.start % MIN5 === 0n;
      if (aligned)
        expect(
          direct,
          `the rollup answers ${JSON.stringify(query, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
        ).toBeDefined();
      if (direct) {
        expectSame(direct, expected, query);
        fromRollup++;
      }
      const days = queryFromRollup(ctx, q, series, 'days');
      if (['sum', 'avg', 'count'].includes(q.aggregation) && aligned) {
        const what = `the day level for ${q.name} ${q.aggregation} step ${q.stepNano} [${q.start - T0}, ${q.end - T0})`;
        // Histogram rows never answer from the day level; number rows always do, bit for bit as the hour rows.
        if (q.name === 'rollup.hist') expect(days, what).toBeUndefined();
        else {
          expect(days, what).toBeDefined();
          expect(days, what).toStrictEqual(queryFromRollup(ctx, q, series, 'hours'));
          fromDays++;
        }
      } else expect(days).toBeUndefined();
    }
  } finally {
    db.close();
  }
  expect(fromDays).toBeGreaterThan(100);
  return fromRollup;
}

for (const write_thread of [false, true]) {
  describe(`sqlite (${write_thread ? 'write thread' : 'inline writes'}): metric rollup`, () => {
    it('answers every aggregation and step exactly as the raw points do', async () => {
      const path = join(dir, `same-${write_thread}`);
      const adapter = await open(path, write_thread);
      const all: MetricPoint[] = [];
      try {
        for (const batch of fixture()) {
          expect(await adapter.metrics!.write(batch)).toEqual({ ok: true });
          all.push(...batch);
        }
        expect(await checkAll(adapter, join(path, 'telemetry.db'), all)).toBeGreaterThan(500);
        // Retention inside a slot: the rollup drops and re-folds with the points.
        const cut = T0 + 47n * 60n * S + 13n * S;
        const now = cut + 86_400n * S;
        const r = await adapter.retention(now);
        expect(r.metrics).toBeGreaterThan(0);
        expect(
          await checkAll(
            adapter,
            join(path, 'telemetry.db'),
            all.filter((p) => p.timeUnixNano >= cut),
          ),
        ).toBeGreaterThan(500);
      } finally {
        await adapter.close();
      }
    }, 120_000);
  });
}

describe('sqlite: the day level of a store written before it existed (migration 004 on a rolled-up store)', () => {
  it('is converted from the hour rows by the write thread in chunks while writes go on; then answers as they do', async () => {
    const path = join(dir, 'convert');
    const file = join(path, 'telemetry.db');
    let adapter = await open(path, false);
    const all = fixture().flat();
    // Many series, so the conversion takes several chunks.
    for (let k = 0; k < 75; k++)
      all.push(point('rollup.gauge', { host: `m${k}`, region: 'r4' }, T0 + BigInt(k) * 97n * S, k));
    expect(await adapter.metrics!.write(all)).toEqual({ ok: true });
    await adapter.close();
    const db = new Database(file);
    expect(db.prepare('SELECT count(*) FROM metric_rollup_day').pluck().get()).toBeGreaterThan(75);
    db.exec(`DELETE FROM metric_rollup_day; UPDATE metric_rollup_state SET v = 0 WHERE k = 'day_next';`);
    db.close();
    adapter = await open(path, true);
    try {
      // Written during the conversion: into a converted series (h1, a low id) and into one not reached yet.
      const late = [
        point('rollup.gauge', { host: 'h1', region: 'r1' }, T0 + 20n * MIN5 + 5n, 9),
        point('rollup.gauge', { host: 'm74', region: 'r4' }, T0 + 20n * MIN5 + 7n, -9),
      ];
      expect(await adapter.metrics!.write(late)).toEqual({ ok: true });
      const dayLevelDone = (db: Database.Database) =>
        db.prepare("SELECT v FROM metric_rollup_state WHERE k = 'day_next'").safeIntegers(true).pluck().get() ===
        9_223_372_036_854_775_807n;
      expect(await rollupStateReaches(file, dayLevelDone)).toBe(true);
      expect(await checkAll(adapter, file, [...all, ...late])).toBeGreaterThan(500);
    } finally {
      await adapter.close();
    }
  }, 120_000);
});

describe('sqlite: metric rollup of a store written before it existed', () => {
  it('is folded in by the write thread in chunks while writes go on; then the rollup answers as the raw points do', async () => {
    const path = join(dir, 'backfill');
    const file = join(path, 'telemetry.db');
    let adapter = await open(path, false);
    const all = fixture().flat();
    expect(await adapter.metrics!.write(all)).toEqual({ ok: true });
    await adapter.close();
    // As the migrations leave an older store: no rollup rows (hour or day), every point still to fold.
    const db = new Database(file);
    db.exec(`DELETE FROM metric_rollup; DELETE FROM metric_rollup_day;
      UPDATE metric_rollup_state SET v = (SELECT MAX(id) + 1 FROM metric_points) WHERE k = 'backfill_below';
      UPDATE metric_rollup_state SET v = (SELECT MIN(id) FROM metric_points) WHERE k = 'backfill_next';`);
    db.close();
    adapter = await open(path, true);
    try {
      const late = [point('rollup.gauge', { host: 'h9', region: 'r1' }, T0 + 100n * MIN5 + 5n, 9)];
      expect(await adapter.metrics!.write(late)).toEqual({ ok: true });
      const backfillDone = (db: Database.Database) => {
        const rows = db.prepare('SELECT k, v FROM metric_rollup_state').all() as Array<{ k: string; v: number }>;
        const s = Object.fromEntries(rows.map((r) => [r.k, r.v]));
        return s.backfill_next! >= s.backfill_below!;
      };
      expect(await rollupStateReaches(file, backfillDone)).toBe(true);
      expect(await checkAll(adapter, file, [...all, ...late])).toBeGreaterThan(500);
    } finally {
      await adapter.close();
    }
  }, 120_000);
});
