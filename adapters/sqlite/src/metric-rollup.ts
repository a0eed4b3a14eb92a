/**
 * The metric rollup: per series and hour, twelve five-minute slots, each the exact partial aggregate of the series'
 * points in it — what queryMetrics' aggregations (all but the quantiles) need to give the answer the raw points give:
 * kind (number / histogram), count, sum, min, max, and the last value with its time and point id (the raw answer's
 * `last` is the value of the point latest by (time, id)). Histogram points fold as the reference does: count and sum
 * of the histograms, min/max of their min/max, `last` = the last histogram's sum.
 *
 * A slot is 8 little fields of 8 bytes (64 bytes): Float64 kind, count, sum, min, max, lastValue; BigInt64 lastTime,
 * lastId. A row's blob holds 12 slots (768 bytes). The same layout is the query's accumulator (one slot per step
 * bucket), so one {@link combineSlot} folds a point into a slot, a slot into a slot and a slot into a bucket.
 */
import type { HistogramValue, MetricPoint } from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { DayRollupWriter } from './metric-rollup-day.js';

/** Width of a rollup slot: five minutes. */
export const SLOT_NS = 300_000_000_000n;
/** Width of a rollup row: one hour (12 slots). */
export const ROW_NS = 3_600_000_000_000n;
export const SLOTS_PER_ROW = 12;
/** Float64 fields per slot. */
export const FIELDS = 8;
export const KIND = 0;
export const COUNT = 1;
export const SUM = 2;
export const MIN = 3;
export const MAX = 4;
export const LAST_V = 5;
export const LAST_T = 6;
export const LAST_ID = 7;
/** Slot kinds: empty, number points only, histogram points only, both (never answered from the rollup). */
export const EMPTY = 0;
export const NUMBER = 1;
export const HISTOGRAM = 2;
export const MIXED = 3;

/** A run of slots: two views over one buffer. */
export interface Slots {
  f: Float64Array;
  b: BigInt64Array;
}

export function newSlots(n: number): Slots {
  const buffer = new ArrayBuffer(n * FIELDS * 8);
  return { f: new Float64Array(buffer), b: new BigInt64Array(buffer) };
}

/** Views over a stored blob (copied when SQLite's buffer is not 8-byte aligned). */
export function slotsOf(blob: Uint8Array): Slots {
  let bytes = blob;
  if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes);
  const n = bytes.byteLength / 8;
  return {
    f: new Float64Array(bytes.buffer, bytes.byteOffset, n),
    b: new BigInt64Array(bytes.buffer, bytes.byteOffset, n),
  };
}

export function blobOf(s: Slots): Buffer {
  return Buffer.from(s.f.buffer, s.f.byteOffset, s.f.byteLength);
}

/**
 * Folds slot `si` of `src` into slot `di` of `dst`, as the reference's aggregation would fold the points behind
 * them (sums add, min/max take the extreme with NaN winning as in Math.min/max, `last` keeps the later (time, id)).
 * `withLast` false skips the BigInt comparison where the query does not need it.
 */
export function combineSlot(dst: Slots, di: number, src: Slots, si: number, withLast = true): void {
  const d = di * FIELDS;
  const s = si * FIELDS;
  const sk = src.f[s + KIND]!;
  if (sk === EMPTY) return;
  const df = dst.f;
  const sf = src.f;
  const dk = df[d + KIND]!;
  if (dk === EMPTY) {
    for (let i = 0; i < LAST_T; i++) df[d + i] = sf[s + i]!;
    // The time and id through the BigInt view (a Float64 copy could canonicalize a NaN-shaped bit pattern).
    if (withLast) {
      dst.b[d + LAST_T] = src.b[s + LAST_T]!;
      dst.b[d + LAST_ID] = src.b[s + LAST_ID]!;
    }
    return;
  }
  if (dk !== sk) df[d + KIND] = MIXED;
  df[d + COUNT] = df[d + COUNT]! + sf[s + COUNT]!;
  df[d + SUM] = df[d + SUM]! + sf[s + SUM]!;
  df[d + MIN] = Math.min(df[d + MIN]!, sf[s + MIN]!);
  df[d + MAX] = Math.max(df[d + MAX]!, sf[s + MAX]!);
  if (withLast) {
    const st = src.b[s + LAST_T]!;
    const dt = dst.b[d + LAST_T]!;
    if (st > dt || (st === dt && src.b[s + LAST_ID]! > dst.b[d + LAST_ID]!)) {
      df[d + LAST_V] = sf[s + LAST_V]!;
      dst.b[d + LAST_T] = st;
      dst.b[d + LAST_ID] = src.b[s + LAST_ID]!;
    }
  }
}

/** A histogram field as the stored JSON gives it back: non-finite numbers become null, -0 becomes 0. */
function jsonNumber(x: number | undefined): number | null | undefined {
  if (typeof x !== 'number') return x;
  if (!Number.isFinite(x)) return null;
  return x === 0 ? 0 : x;
}

/** What `a + b` adds in the reference for a field read back from JSON (`null` adds as 0, a missing one as NaN). */
function addend(x: number | null | undefined): number {
  return x === null ? 0 : x === undefined ? Number.NaN : x;
}

/**
 * Writes one point into slot `i` of `out` as a one-point slot. `histogram` is the histogram as stored (or as it will
 * read back), `value` the number the raw read gives (`undefined`/`null` read as 0, as the reference does).
 */
export function pointSlot(
  out: Slots,
  i: number,
  time: bigint,
  id: bigint,
  histogram: HistogramValue | undefined,
  value: number | null | undefined,
): void {
  const o = i * FIELDS;
  const f = out.f;
  if (histogram) {
    const sum = jsonNumber(histogram.sum) ?? 0;
    f[o + KIND] = HISTOGRAM;
    f[o + COUNT] = 0 + addend(jsonNumber(histogram.count));
    f[o + SUM] = 0 + sum;
    f[o + MIN] = jsonNumber(histogram.min) ?? Number.POSITIVE_INFINITY;
    f[o + MAX] = jsonNumber(histogram.max) ?? Number.NEGATIVE_INFINITY;
    f[o + LAST_V] = sum;
  } else {
    const v = value ?? 0;
    f[o + KIND] = NUMBER;
    f[o + COUNT] = 1;
    f[o + SUM] = 0 + v;
    f[o + MIN] = v;
    f[o + MAX] = v;
    f[o + LAST_V] = v;
  }
  out.b[o + LAST_T] = time;
  out.b[o + LAST_ID] = id;
}

/** The histogram and number of a stored point row (`value`, `data` columns), as the raw read decodes them. */
export function storedPoint(
  value: unknown,
  data: unknown,
): { histogram: HistogramValue | undefined; value: number | null | undefined } {
  const d = data ? (JSON.parse(data as string) as { h?: HistogramValue; v?: string }) : undefined;
  if (d?.h) return { histogram: d.h, value: undefined };
  return { histogram: undefined, value: d?.v !== undefined ? Number(d.v) : (value as number | null) };
}

/** Floor of `t / step` for non-negative and negative times alike. */
export function floorTo(t: bigint, step: bigint): bigint {
  const r = t % step;
  return r < 0n ? t - r - step : t - r;
}

const POINTS_PER_CHUNK = 5000;

type Stmt = (sql: string) => BetterSqlite3.Statement;

/**
 * The write thread's side: folds each point batch into the rollup inside the batch's transaction, folds the points
 * stored before the rollup existed in short chunks, and keeps the rollup true when retention deletes points.
 */
export class RollupWriter {
  private pending = new Map<string, { series: number; hour: bigint; slots: Slots }>();
  private below = 0n;
  private next = 0n;
  private readonly one = newSlots(1);
  private backfilling = false;
  /** The day level (metric-rollup-day.ts), kept in the same transactions. */
  private readonly days: DayRollupWriter;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly stmt: Stmt,
  ) {
    this.readState();
    this.days = new DayRollupWriter(db, stmt);
  }

  private readState(): void {
    const get = this.stmt('SELECT v FROM metric_rollup_state WHERE k = ?').safeIntegers(true).pluck();
    this.below = (get.get('backfill_below') as bigint | undefined) ?? 0n;
    this.next = (get.get('backfill_next') as bigint | undefined) ?? 0n;
  }

  /** Whether point `id` is in the range the backfill still has to fold (the batch path must not fold it twice). */
  private deferred(id: bigint): boolean {
    return id >= this.next && id < this.below;
  }

  /** Starts a batch: forgets what a rolled-back batch left pending. */
  begin(): void {
    this.pending.clear();
  }

  /** Adds one stored point of the current batch. */
  add(series: number, id: number | bigint, p: MetricPoint, value: number | null): void {
    const pid = BigInt(id);
    if (this.deferred(pid)) return;
    this.fold(series, pid, p.timeUnixNano, p.histogram, value);
  }

  private fold(
    series: number,
    id: bigint,
    time: bigint,
    histogram: HistogramValue | undefined,
    value: number | null | undefined,
  ): void {
    const hour = floorTo(time, ROW_NS);
    const key = `${series}:${hour}`;
    let row = this.pending.get(key);
    if (!row) {
      row = { series, hour, slots: newSlots(SLOTS_PER_ROW) };
      this.pending.set(key, row);
    }
    pointSlot(this.one, 0, time, id, histogram, value);
    combineSlot(row.slots, Number((time - hour) / SLOT_NS), this.one, 0);
  }

  /** Merges the pending slots into their stored rows (inside the caller's transaction). */
  flush(): void {
    if (this.pending.size === 0) return;
    const read = this.stmt('SELECT slots FROM metric_rollup WHERE series_id = ? AND hour_ns = ?').pluck();
    const write = this.stmt('INSERT OR REPLACE INTO metric_rollup (series_id, hour_ns, slots) VALUES (?, ?, ?)');
    for (const row of this.pending.values()) {
      const stored = read.get(row.series, row.hour) as Buffer | undefined;
      let slots = row.slots;
      if (stored) {
        slots = slotsOf(stored);
        for (let i = 0; i < SLOTS_PER_ROW; i++) combineSlot(slots, i, row.slots, i);
      }
      write.run(row.series, row.hour, blobOf(slots));
    }
    this.days.fold(this.pending.values());
    this.pending.clear();
  }

  /** Whether points stored before the rollup existed are still to be folded in. */
  get backfillPending(): boolean {
    return this.next < this.below;
  }

  /** Folds the next chunk of pre-existing points in one short transaction; false when nothing is left. */
  backfillStep(): boolean {
    if (!this.backfillPending) return false;
    const rows = this.stmt(
      'SELECT id, series_id, time_ns, value, data FROM metric_points WHERE id >= ? AND id < ? ORDER BY id LIMIT ?',
    )
      .safeIntegers(true)
      .all(this.next, this.below, POINTS_PER_CHUNK) as Array<{
      id: bigint;
      series_id: bigint;
      time_ns: bigint;
      value: unknown;
      data: unknown;
    }>;
    const last = rows[rows.length - 1];
    const next = rows.length < POINTS_PER_CHUNK || !last ? this.below : last.id + 1n;
    this.db
      .transaction(() => {
        this.begin();
        for (const r of rows) {
          const p = storedPoint(r.value, r.data);
          this.fold(Number(r.series_id), r.id, r.time_ns, p.histogram, p.value);
        }
        this.flush();
        this.stmt("UPDATE metric_rollup_state SET v = ? WHERE k = 'backfill_next'").run(next);
      })
      .immediate();
    this.next = next;
    return this.backfillPending;
  }

  /**
   * Runs the backfill a chunk at a time between the thread's other work, until done or the database closes; and the
   * day level's conversion of an older store's hour rows, likewise.
   */
  startBackfill(): void {
    this.days.startConversion();
    if (this.backfilling || !this.backfillPending) return;
    this.backfilling = true;
    const step = () => {
      if (!this.db.open) return;
      let more: boolean;
      try {
        more = this.backfillStep();
      } catch {
        // Busy or closing: try again shortly (queryMetrics reads raw points until the backfill is done).
        this.pending.clear();
        setTimeout(step, 1000).unref();
        return;
      }
      if (more) setImmediate(step);
      else this.backfilling = false;
    };
    setImmediate(step);
  }

  /**
   * After retention deleted the points before `cutoff`: drops the rows wholly before it, and in the hour that holds
   * it clears the slots before it and re-folds the slot that holds it from the points left.
   */
  afterRetention(cutoff: bigint): void {
    const hour = floorTo(cutoff, ROW_NS);
    this.db
      .transaction(() => {
        this.foldCut(cutoff, hour);
        const read = this.stmt('SELECT slots FROM metric_rollup WHERE series_id = ? AND hour_ns = ?').pluck();
        this.days.afterRetention(cutoff, (series) => {
          const blob = read.get(series, hour) as Buffer | undefined;
          return blob ? slotsOf(blob) : undefined;
        });
      })
      .immediate();
  }

  /** The hour rows' part of {@link afterRetention}. */
  private foldCut(cutoff: bigint, hour: bigint): void {
    this.stmt('DELETE FROM metric_rollup WHERE hour_ns < ?').run(hour);
    if (hour === cutoff) return;
    const slot = floorTo(cutoff, SLOT_NS);
    const cut = Number((slot - hour) / SLOT_NS);
    const rows = this.stmt('SELECT series_id, slots FROM metric_rollup WHERE hour_ns = ?')
      .safeIntegers(true)
      .all(hour) as Array<{ series_id: bigint; slots: Buffer }>;
    const points = this.stmt(
      'SELECT id, time_ns, value, data FROM metric_points WHERE series_id = ? AND time_ns >= ? AND time_ns < ?',
    ).safeIntegers(true);
    const write = this.stmt('UPDATE metric_rollup SET slots = ? WHERE series_id = ? AND hour_ns = ?');
    const drop = this.stmt('DELETE FROM metric_rollup WHERE series_id = ? AND hour_ns = ?');
    for (const row of rows) {
      const slots = slotsOf(row.slots);
      // Slots wholly before the cutoff are emptied; the one holding it (when it is not its start) is re-folded.
      slots.f.fill(0, 0, (slot === cutoff ? cut : cut + 1) * FIELDS);
      if (slot !== cutoff) {
        for (const r of points.all(row.series_id, cutoff, slot + SLOT_NS) as Array<Record<string, unknown>>) {
          const id = r.id as bigint;
          if (this.deferred(id)) continue;
          const p = storedPoint(r.value, r.data);
          pointSlot(this.one, 0, r.time_ns as bigint, id, p.histogram, p.value);
          combineSlot(slots, cut, this.one, 0);
        }
      }
      let empty = true;
      for (let i = 0; i < SLOTS_PER_ROW && empty; i++) empty = slots.f[i * FIELDS + KIND] === EMPTY;
      if (empty) drop.run(row.series_id, hour);
      else write.run(blobOf(slots), row.series_id, hour);
    }
  }
}
