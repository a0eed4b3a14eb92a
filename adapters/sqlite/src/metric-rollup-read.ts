/**
 * queryMetrics from the metric rollup (metric-rollup.ts) where the answer is provably the raw points' answer:
 * the aggregation is not a quantile, the step is a multiple of five minutes and the window starts on a five-minute
 * boundary (no step: one bucket, any start), the backfill of older points is done, and every series of a group has
 * one type and unit (the raw answer takes them from the group's first point). The window's whole five-minute slots
 * come from the rollup, its ragged ends from the raw points; a bucket mixing histogram and number points falls back
 * to the raw read. Everything else returns `undefined` and the caller reads the raw points.
 *
 * Sums and averages can differ from the raw answer in the last bits (the additions happen in another order);
 * count, min, max and last are the same bits.
 */
import {
  type Attributes,
  labelsKey,
  type MetricSeries,
  type NormalizedMetricQuery,
  type Resource,
} from '@rohas/telemetry/adapter';
import { num } from './codec.js';
import {
  COUNT,
  combineSlot,
  EMPTY,
  FIELDS,
  floorTo,
  HISTOGRAM,
  KIND,
  LAST_V,
  MAX,
  MIN,
  MIXED,
  NUMBER,
  newSlots,
  pointSlot,
  ROW_NS,
  SLOT_NS,
  SLOTS_PER_ROW,
  type Slots,
  SUM,
  slotsOf,
  storedPoint,
} from './metric-rollup.js';
import { DAY_NS, DAY_SLOTS, daysReady, NUMBERS_ONLY } from './metric-rollup-day.js';
import type { ReadContext } from './read-context.js';

/** A selected series as metrics.ts holds it. */
export interface SelectedSeries {
  attributes: Attributes;
  row: { name: string; unit: string | null; type: string; resource_id: number };
}

interface Group {
  key: string;
  labels: Attributes;
  type: string;
  unit: string | null;
  acc?: Slots;
}

/** Whether the rollup holds every stored point (its backfill is done). */
function rollupReady(ctx: ReadContext): boolean {
  const get = ctx.stmt('SELECT v FROM metric_rollup_state WHERE k = ?').safeIntegers(true).pluck();
  const below = get.get('backfill_below') as bigint | undefined;
  const next = get.get('backfill_next') as bigint | undefined;
  return below !== undefined && next !== undefined && next >= below;
}

function labelsOf(attributes: Attributes, resource: Resource, groupBy: string[] | undefined): Attributes {
  if (groupBy === undefined) return attributes;
  const labels: Attributes = {};
  for (const k of groupBy) {
    const v = attributes[k] ?? resource.attributes[k];
    if (v !== undefined) labels[k] = v;
  }
  return labels;
}

/** The bucket value the reference gives for one accumulated slot, or undefined for no point. */
function bucketValue(acc: Slots, i: number, aggregation: NormalizedMetricQuery['aggregation']): number | undefined {
  const o = i * FIELDS;
  const f = acc.f;
  const histogram = f[o + KIND] === HISTOGRAM;
  switch (aggregation) {
    case 'sum':
      return f[o + SUM];
    case 'count':
      return f[o + COUNT];
    case 'avg':
      return histogram && f[o + COUNT] === 0 ? undefined : f[o + SUM]! / f[o + COUNT]!;
    case 'min':
      return f[o + MIN];
    case 'max':
      return f[o + MAX];
    case 'last':
      return f[o + LAST_V];
    default:
      return undefined;
  }
}

/** Where the whole slots come from: the day level where it can answer (sum/avg/count), else the hour rows. */
export type RollupLevel = 'any' | 'hours' | 'days';

/**
 * Accumulates the whole slots [a, b) from the day rows (metric-rollup-day.ts): each number slot's count and sum
 * folded into its bucket exactly as combineSlot folds the hour row's slot (copy into an empty bucket, else add), the
 * rows read in the same (series, time) order as the hour rows — so the same bits as the hour read. False when a row
 * holds anything but numbers (the caller then starts over from the hour rows).
 */
function accumulateDays(
  ctx: ReadContext,
  ids: string,
  a: bigint,
  b: bigint,
  groupOf: Map<number, Group>,
  buckets: number,
  stepSlots: number,
): boolean {
  const rows = ctx
    .stmt(
      `SELECT series_id, (day_ns - ?) / ${SLOT_NS}, kinds, cs FROM metric_rollup_day
       WHERE series_id IN (SELECT value FROM json_each(?)) AND day_ns >= ? AND day_ns < ?`,
    )
    .raw(true);
  const interior = Number((b - a) / SLOT_NS);
  for (const [sid, u0, kinds, blob] of rows.iterate(a, ids, floorTo(a, DAY_NS), b) as Iterable<
    [number, number, number, Buffer]
  >) {
    if (kinds !== NUMBERS_ONLY) return false;
    const g = groupOf.get(sid);
    if (!g) continue;
    const cs =
      blob.byteOffset % 8 === 0
        ? new Float64Array(blob.buffer, blob.byteOffset, DAY_SLOTS * 2)
        : new Float64Array(new Uint8Array(blob).buffer);
    const hi = Math.min(DAY_SLOTS, interior - u0);
    for (let i = Math.max(0, -u0); i < hi; i++) {
      const c = cs[2 * i]!;
      if (c === 0) continue;
      // Made at the first point (a day row also holds slots outside the window: a group with none gives no series).
      g.acc ??= newSlots(buckets);
      const f = g.acc.f;
      const o = (stepSlots === 0 ? 0 : Math.floor((u0 + i) / stepSlots)) * FIELDS;
      if (f[o + KIND] === EMPTY) {
        f[o + KIND] = NUMBER;
        f[o + COUNT] = c;
        f[o + SUM] = cs[2 * i + 1]!;
      } else {
        f[o + COUNT] = f[o + COUNT]! + c;
        f[o + SUM] = f[o + SUM]! + cs[2 * i + 1]!;
      }
    }
  }
  return true;
}

/** Accumulates the whole slots from `a` on (`interior` of them) from the hour rows (metric-rollup.ts). */
function readHours(
  ctx: ReadContext,
  ids: string,
  a: bigint,
  groupOf: Map<number, Group>,
  buckets: number,
  step: bigint | undefined,
  stepSlots: number,
  interior: number,
  withLast: boolean,
): void {
  const b = a + BigInt(interior) * SLOT_NS;
  const rows = ctx
    .stmt(
      `SELECT series_id, hour_ns, slots FROM metric_rollup
       WHERE series_id IN (SELECT value FROM json_each(?)) AND hour_ns >= ? AND hour_ns < ?`,
    )
    .safeIntegers(true)
    .raw(true);
  for (const [sid, hour, blob] of rows.iterate(ids, floorTo(a, ROW_NS), b) as Iterable<[bigint, bigint, Buffer]>) {
    const g = groupOf.get(num(sid));
    if (!g) continue;
    const slots = slotsOf(blob);
    // Slot i of this row is slot u0 + i of the window's whole slots (counted from a, which is on the step grid).
    const u0 = Number((hour - a) / SLOT_NS);
    for (let i = 0; i < SLOTS_PER_ROW; i++) {
      const u = u0 + i;
      if (u < 0 || u >= interior || slots.f[i * FIELDS + KIND] === EMPTY) continue;
      // Made at the first point: the row holding the window's start also holds slots before it (a group with points
      // only there gives no series, as in the raw answer).
      g.acc ??= newSlots(buckets);
      combineSlot(g.acc, step === undefined ? 0 : Math.floor(u / stepSlots), slots, i, withLast);
    }
  }
}

export function queryFromRollup(
  ctx: ReadContext,
  q: NormalizedMetricQuery,
  series: Map<number, SelectedSeries>,
  level: RollupLevel = 'any',
): MetricSeries[] | undefined {
  if (q.aggregation.startsWith('p')) return undefined;
  const step = q.stepNano;
  if (step !== undefined && (step % SLOT_NS !== 0n || floorTo(q.start, SLOT_NS) !== q.start)) return undefined;
  // Whole slots [a, b) from the rollup; [start, a) and [b, end) from the raw points.
  const a = -floorTo(-q.start, SLOT_NS);
  const b = floorTo(q.end, SLOT_NS);
  if (a >= b || !rollupReady(ctx)) return undefined;

  const groups = new Map<string, Group>();
  const groupOf = new Map<number, Group>();
  for (const [id, s] of series) {
    const labels = labelsOf(s.attributes, ctx.resource(s.row.resource_id), q.groupBy);
    const key = labelsKey(labels);
    let g = groups.get(key);
    if (!g) {
      g = { key, labels, type: s.row.type, unit: s.row.unit };
      groups.set(key, g);
    } else if (g.type !== s.row.type || g.unit !== s.row.unit) return undefined;
    groupOf.set(id, g);
  }
  const buckets = step === undefined ? 1 : Number((q.end - q.start + step - 1n) / step);
  const stepSlots = step === undefined ? 0 : Number(step / SLOT_NS);
  const interior = Number((b - a) / SLOT_NS);
  const withLast = q.aggregation === 'last';
  const ids = JSON.stringify([...series.keys()]);

  const dayAggregation = q.aggregation === 'sum' || q.aggregation === 'avg' || q.aggregation === 'count';
  const fromDays =
    level !== 'hours' &&
    dayAggregation &&
    daysReady((sql) => ctx.stmt(sql)) &&
    accumulateDays(ctx, ids, a, b, groupOf, buckets, stepSlots);
  if (!fromDays) {
    if (level === 'days') return undefined;
    for (const g of groups.values()) g.acc = undefined;
    readHours(ctx, ids, a, groupOf, buckets, step, stepSlots, interior, withLast);
  }

  const one = newSlots(1);
  const edge = ctx
    .stmt(
      `SELECT id, series_id, time_ns, value, data FROM metric_points
       WHERE series_id IN (SELECT value FROM json_each(?)) AND time_ns >= ? AND time_ns < ?`,
    )
    .safeIntegers(true);
  for (const [from, to] of [
    [q.start, a],
    [b, q.end],
  ] as const) {
    if (from >= to) continue;
    for (const r of edge.iterate(ids, from, to) as Iterable<Record<string, unknown>>) {
      const g = groupOf.get(num(r.series_id));
      if (!g) continue;
      g.acc ??= newSlots(buckets);
      const t = r.time_ns as bigint;
      const p = storedPoint(r.value, r.data);
      pointSlot(one, 0, t, r.id as bigint, p.histogram, p.value);
      combineSlot(g.acc, step === undefined ? 0 : Number((t - q.start) / step), one, 0, withLast);
    }
  }

  const out: MetricSeries[] = [];
  for (const g of [...groups.values()].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
    const acc = g.acc;
    if (!acc) continue;
    const points: MetricSeries['points'] = [];
    for (let i = 0; i < buckets; i++) {
      const kind = acc.f[i * FIELDS + KIND];
      if (kind === EMPTY) continue;
      if (kind === MIXED) return undefined;
      const value = bucketValue(acc, i, q.aggregation);
      if (value !== undefined && !Number.isNaN(value))
        points.push({ timeUnixNano: step === undefined ? q.start : q.start + BigInt(i) * step, value });
    }
    const s: MetricSeries = {
      name: q.name,
      type: g.type as MetricSeries['type'],
      labels: g.labels,
      points,
    };
    if (g.unit) s.unit = g.unit;
    out.push(s);
  }
  return out;
}
