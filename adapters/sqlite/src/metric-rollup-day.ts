/**
 * The day level of the metric rollup (migration 004): per series and UTC day, the count and sum of each of the day's
 * 288 five-minute slots — what sum, avg and count need — in one 4,608-byte blob, plus `kinds` (bit 1 << kind of every
 * slot ever folded in). A week of one series is then 7 rows of 4.6 KB instead of 168 hour rows of 768 bytes: the
 * query's cost was the per-row work of reading 168,000 rows, not the bytes.
 *
 * Each day slot holds the same bits as the hour row's slot (metric-rollup.ts) while the row holds numbers only:
 * it is folded from the same pending slot with the same two additions (copy into an empty slot, else count + count,
 * sum + sum), copied from the hour rows when a store is converted, and set from the re-folded hour slot after
 * retention. So a query reading days adds the same numbers in the same (series, time) order as one reading hours.
 * Rows holding histogram points (kinds ≠ numbers only) are never answered from here; an empty number slot has count 0.
 */
import type BetterSqlite3 from 'better-sqlite3';
import {
  COUNT,
  EMPTY,
  FIELDS,
  floorTo,
  KIND,
  ROW_NS,
  SLOT_NS,
  SLOTS_PER_ROW,
  type Slots,
  SUM,
} from './metric-rollup.js';

/** Width of a day row. */
export const DAY_NS = 86_400_000_000_000n;
export const DAY_SLOTS = 288;
/** `kinds` of a row holding number points only: 1 << NUMBER (a literal: metric-rollup.ts imports this module). */
export const NUMBERS_ONLY = 2;
/** `day_next` once every series is converted. */
export const DAY_DONE = 9_223_372_036_854_775_807n;
/** Series converted per transaction (each up to a day-row per stored day). */
const SERIES_PER_CHUNK = 20;

type Stmt = (sql: string) => BetterSqlite3.Statement;

interface DayRow {
  series: number;
  day: bigint;
  kinds: number;
  /** Count and sum of slot j at 2j, 2j + 1. */
  cs: Float64Array;
}

function newDay(series: number, day: bigint): DayRow {
  return { series, day, kinds: 0, cs: new Float64Array(DAY_SLOTS * 2) };
}

function csOf(blob: Buffer): Float64Array {
  // A copy: the row is modified and written back, and SQLite's buffer need not be 8-byte aligned.
  return new Float64Array(new Uint8Array(blob).buffer);
}

function blobOfCs(cs: Float64Array): Buffer {
  return Buffer.from(cs.buffer, cs.byteOffset, cs.byteLength);
}

/** Whether the day level holds every series (its conversion is done): what the read path checks. */
export function daysReady(stmt: Stmt): boolean {
  const v = stmt("SELECT v FROM metric_rollup_state WHERE k = 'day_next'").safeIntegers(true).pluck().get() as
    | bigint
    | undefined;
  return v === DAY_DONE;
}

/** The write thread's side: kept with the hour rows in their transaction; converts older stores in chunks. */
export class DayRollupWriter {
  /** Series ids below this have their day rows; the others are left to the conversion. */
  private next = DAY_DONE;
  private converting = false;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly stmt: Stmt,
  ) {
    const v = this.stmt("SELECT v FROM metric_rollup_state WHERE k = 'day_next'").safeIntegers(true).pluck().get() as
      | bigint
      | undefined;
    this.next = v ?? DAY_DONE;
  }

  private load(series: number, day: bigint): DayRow {
    const row = this.stmt('SELECT kinds, cs FROM metric_rollup_day WHERE series_id = ? AND day_ns = ?').get(
      series,
      day,
    ) as { kinds: number; cs: Buffer } | undefined;
    const d = newDay(series, day);
    if (row) {
      d.kinds = row.kinds;
      d.cs = csOf(row.cs);
    }
    return d;
  }

  private save(d: DayRow): void {
    this.stmt('INSERT OR REPLACE INTO metric_rollup_day (series_id, day_ns, kinds, cs) VALUES (?, ?, ?, ?)').run(
      d.series,
      d.day,
      d.kinds,
      blobOfCs(d.cs),
    );
  }

  /**
   * Folds a batch's pending hour slots (the same ones just merged into the hour rows) into the day rows, inside the
   * caller's transaction. Series the conversion has not reached are skipped (it copies their hour rows later).
   */
  fold(rows: Iterable<{ series: number; hour: bigint; slots: Slots }>): void {
    const days = new Map<string, DayRow>();
    for (const row of rows) {
      if (BigInt(row.series) >= this.next) continue;
      const day = floorTo(row.hour, DAY_NS);
      const key = `${row.series}:${day}`;
      let d = days.get(key);
      if (!d) {
        d = this.load(row.series, day);
        days.set(key, d);
      }
      const j0 = Number((row.hour - day) / SLOT_NS);
      const f = row.slots.f;
      for (let i = 0; i < SLOTS_PER_ROW; i++) {
        const kind = f[i * FIELDS + KIND]!;
        if (kind === EMPTY) continue;
        d.kinds |= 1 << kind;
        addSlot(d.cs, j0 + i, f[i * FIELDS + COUNT]!, f[i * FIELDS + SUM]!);
      }
    }
    for (const d of days.values()) this.save(d);
  }

  /** Whether series still wait for their day rows. */
  get conversionPending(): boolean {
    return this.next !== DAY_DONE;
  }

  /** Copies the hour rows of the next few series into day rows, in one short transaction; false when done. */
  conversionStep(): boolean {
    if (!this.conversionPending) return false;
    this.db
      .transaction(() => {
        const ids = this.stmt(
          'SELECT DISTINCT series_id FROM metric_rollup WHERE series_id >= ? ORDER BY series_id LIMIT ?',
        )
          .safeIntegers(true)
          .pluck()
          .all(this.next, SERIES_PER_CHUNK) as bigint[];
        const last = ids[ids.length - 1];
        const next = ids.length < SERIES_PER_CHUNK || last === undefined ? DAY_DONE : last + 1n;
        if (last !== undefined) {
          const days = new Map<string, DayRow>();
          const rows = this.stmt(
            'SELECT series_id, hour_ns, slots FROM metric_rollup WHERE series_id >= ? AND series_id <= ?',
          )
            .safeIntegers(true)
            .raw(true)
            .all(this.next, last) as Array<[bigint, bigint, Buffer]>;
          for (const [sid, hour, blob] of rows) {
            const series = Number(sid);
            const day = floorTo(hour, DAY_NS);
            const key = `${series}:${day}`;
            let d = days.get(key);
            if (!d) {
              d = newDay(series, day);
              days.set(key, d);
            }
            const f = new Float64Array(new Uint8Array(blob).buffer);
            const j0 = Number((hour - day) / SLOT_NS);
            for (let i = 0; i < SLOTS_PER_ROW; i++) {
              const kind = f[i * FIELDS + KIND]!;
              if (kind === EMPTY) continue;
              d.kinds |= 1 << kind;
              d.cs[(j0 + i) * 2] = f[i * FIELDS + COUNT]!;
              d.cs[(j0 + i) * 2 + 1] = f[i * FIELDS + SUM]!;
            }
          }
          for (const d of days.values()) this.save(d);
        }
        this.stmt("UPDATE metric_rollup_state SET v = ? WHERE k = 'day_next'").run(next);
        this.next = next;
      })
      .immediate();
    return this.conversionPending;
  }

  /** Runs the conversion a chunk at a time between the thread's other work, until done or the database closes. */
  startConversion(): void {
    if (this.converting || !this.conversionPending) return;
    this.converting = true;
    const step = () => {
      if (!this.db.open) return;
      let more: boolean;
      try {
        more = this.conversionStep();
      } catch {
        // Busy or closing: try again shortly (queryMetrics reads the hour rows until the conversion is done).
        this.next =
          (this.stmt("SELECT v FROM metric_rollup_state WHERE k = 'day_next'").safeIntegers(true).pluck().get() as
            | bigint
            | undefined) ?? DAY_DONE;
        setTimeout(step, 1000).unref();
        return;
      }
      if (more) setImmediate(step);
      else this.converting = false;
    };
    setImmediate(step);
  }

  /**
   * After retention re-folded the hour holding `cutoff` (inside the same transaction): drops the day rows wholly
   * before the cutoff's day, and in that day clears the slots before the cutoff's slot and sets the cutoff's slot
   * from the hour row's slot (`hourSlots(series)`: the stored hour row after its re-fold, undefined if it is gone).
   */
  afterRetention(cutoff: bigint, hourSlots: (series: number) => Slots | undefined): void {
    const day = floorTo(cutoff, DAY_NS);
    this.stmt('DELETE FROM metric_rollup_day WHERE day_ns < ?').run(day);
    if (day === cutoff) return;
    const hour = floorTo(cutoff, ROW_NS);
    const slot = floorTo(cutoff, SLOT_NS);
    const j = Number((slot - day) / SLOT_NS);
    const i = Number((slot - hour) / SLOT_NS);
    const rows = this.stmt('SELECT series_id, kinds, cs FROM metric_rollup_day WHERE day_ns = ?').all(day) as Array<{
      series_id: number;
      kinds: number;
      cs: Buffer;
    }>;
    for (const r of rows) {
      const d: DayRow = { series: r.series_id, day, kinds: r.kinds, cs: csOf(r.cs) };
      d.cs.fill(0, 0, 2 * j + 2);
      const s = hourSlots(r.series_id);
      if (s && s.f[i * FIELDS + KIND] !== EMPTY) {
        d.cs[2 * j] = s.f[i * FIELDS + COUNT]!;
        d.cs[2 * j + 1] = s.f[i * FIELDS + SUM]!;
      }
      // A numbers-only row left with no point goes; any other row stays (its kinds keep queries off the day level).
      if (d.kinds !== NUMBERS_ONLY || d.cs.some((x, k) => k % 2 === 0 && x !== 0)) this.save(d);
      else this.stmt('DELETE FROM metric_rollup_day WHERE series_id = ? AND day_ns = ?').run(d.series, day);
    }
  }
}

/** Folds count `c` and sum `s` into slot `j`, as combineSlot folds a number slot: copy into an empty one, else add. */
function addSlot(cs: Float64Array, j: number, c: number, s: number): void {
  if (cs[2 * j] === 0) {
    cs[2 * j] = c;
    cs[2 * j + 1] = s;
  } else {
    cs[2 * j] = cs[2 * j]! + c;
    cs[2 * j + 1] = cs[2 * j + 1]! + s;
  }
}
