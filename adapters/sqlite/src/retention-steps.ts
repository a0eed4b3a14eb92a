// The retention sweep in small steps. Each step is one short immediate transaction (at most STEP_BUDGET_MS of work or
// STEP_MAX_ROWS rows); between steps the caller goes back to its event loop, so a write that arrives during a long
// sweep waits for one step at most, never for the whole sweep (the write thread answers its queued messages between
// steps: writer-worker.ts).
import type { RetentionResult } from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { ROW_NS } from './metric-rollup.js';
import { DAY_NS } from './metric-rollup-day.js';
import { tracedTx, type WriteTracer } from './write-trace.js';

export type RetentionSignal = 'traces' | 'metrics' | 'logs';

/**
 * One table the sweep deletes from: rows whose `time` column is before the signal's cutoff. `time` must lead an index,
 * so a step finds its rows by a range seek. Tables are swept in the order of {@link RETENTION_TABLES}.
 */
export interface RetentionTable {
  signal: RetentionSignal;
  table: string;
  /** The time column (nanoseconds) compared with the cutoff. */
  time: string;
  /** The column(s) a row is deleted by (default `rowid`; a WITHOUT ROWID table names its primary key's columns). */
  key?: string | string[];
  /** The cutoff this table is swept to, from the signal's (default: the same). */
  cutoff?: (signalCutoff: bigint) => bigint;
  /** Whether deleted rows count in the signal's RetentionResult (default true; false for derived tables). */
  counted?: boolean;
  /** Tables whose rowid is this table's key (e.g. a span's FTS index row), deleted with each row. */
  rowidSide?: string[];
}

/**
 * Every table retention deletes from, one list: a new time-keyed table (a rollup, a side table) is swept by adding
 * its (table, time column) here.
 */
export const RETENTION_TABLES: RetentionTable[] = [
  { signal: 'traces', table: 'spans', time: 'start_ns', key: 'id', rowidSide: ['span_attr_index'] },
  { signal: 'metrics', table: 'metric_points', time: 'time_ns', key: 'id' },
  { signal: 'logs', table: 'logs', time: 'time_ns', key: 'id' },
  // The metric rollup (metric-rollup.ts): rows of hours wholly before the cutoff; the hour holding the cutoff is
  // re-folded by the writer's signalSwept hook.
  {
    signal: 'metrics',
    table: 'metric_rollup',
    time: 'hour_ns',
    key: ['series_id', 'hour_ns'],
    counted: false,
    cutoff: (c) => c - (((c % ROW_NS) + ROW_NS) % ROW_NS),
  },
  // Its day level (metric-rollup-day.ts): rows of days wholly before the cutoff; the day holding it is cut by the
  // same hook.
  {
    signal: 'metrics',
    table: 'metric_rollup_day',
    time: 'day_ns',
    key: ['series_id', 'day_ns'],
    counted: false,
    cutoff: (c) => c - (((c % DAY_NS) + DAY_NS) % DAY_NS),
  },
];

/** Wall-clock work of one step, ms: what a queued write waits at most (plus one batch). */
export const STEP_BUDGET_MS = 10;
/**
 * Rows deleted per statement round inside a step (the budget, and whether a write is waiting, are checked after each):
 * a write that arrives during a step waits for one round at most (with `writeWaiting`). 100 rows of spans could take
 * 50+ ms (their FTS rows and five indexes: the write thread's tracer, write-trace.ts); 25 keep a round a few ms.
 */
export const STEP_BATCH = 25;
/** Rows one step deletes at most, however fast the machine. */
export const STEP_MAX_ROWS = 500;

/** Hooks the writer gives the sweep so its caches never name a row the sweep has deleted. */
export interface SweepHooks {
  /** A (service, span name) pair left span_names. */
  nameDropped(service: string, name: string): void;
  /** Metric series rows were deleted. */
  seriesDropped(): void;
  /** Every table of the signal is swept to its cutoff (called once, inside a step's transaction). */
  signalSwept?(signal: RetentionSignal, cutoff: bigint): void;
}

type Stmt = (sql: string) => BetterSqlite3.Statement;

/** One unit of the sweep: does at most `limit` rows of work; returns the rows done, or -1 when it has no more. */
type Task = (limit: number) => number;

export class RetentionSweep {
  readonly result: RetentionResult = {};
  /** Steps (transactions) run so far, and the longest one (ms, wall clock): what a queued write waited at most. */
  steps = 0;
  longestStepMs = 0;
  private readonly tasks: Task[] = [];
  /** What each task is (for the tracer's log). */
  private readonly taskNames: string[] = [];
  private next = 0;
  /** The write thread's diagnostic tracer (write-trace.ts), when ROHAS_SQLITE_TRACE_MS is set. */
  tracer: WriteTracer | undefined;

  constructor(
    private readonly db: BetterSqlite3.Database,
    private readonly stmt: Stmt,
    cutoffs: Partial<Record<RetentionSignal, bigint>>,
    hooks: SweepHooks,
    tables: RetentionTable[] = RETENTION_TABLES,
    private readonly limits = { budgetMs: STEP_BUDGET_MS, maxRows: STEP_MAX_ROWS },
    /**
     * True when a write is waiting for the thread (write-port.ts counts them in shared memory): the step then commits
     * after its current round, so the write waits for one round of STEP_BATCH rows, not for a whole step.
     */
    private readonly writeWaiting?: () => boolean,
  ) {
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const cutoff = cutoffs[signal];
      if (cutoff === undefined) continue;
      this.result[signal] = 0;
      for (const t of tables)
        if (t.signal === signal) this.addTask(t.table, this.deleteTask(t, t.cutoff?.(cutoff) ?? cutoff));
      if (hooks.signalSwept) {
        const swept = hooks.signalSwept;
        this.addTask(`${signal} swept hook`, () => {
          swept(signal, cutoff);
          return -1;
        });
      }
      if (signal === 'traces') this.addTask('span_names', this.spanNamesTask(hooks));
      if (signal === 'metrics') this.addTask('metric_series', this.seriesTask(hooks));
    }
  }

  private addTask(name: string, task: Task): void {
    this.tasks.push(task);
    this.taskNames.push(name);
  }

  get done(): boolean {
    return this.next >= this.tasks.length;
  }

  /** Runs one step: one immediate transaction. Returns true when the sweep is done. */
  step(): boolean {
    if (this.done) return true;
    const began = performance.now();
    const trace = this.tracer?.current;
    const work = () => {
      let rows = 0;
      while (!this.done) {
        const unit = performance.now();
        const n = this.tasks[this.next]!(Math.min(STEP_BATCH, this.limits.maxRows - rows));
        trace?.add(`of which ${this.taskNames[this.next]}`, performance.now() - unit);
        if (n < 0) this.next++;
        else rows += n;
        if (rows >= this.limits.maxRows || performance.now() - began >= this.limits.budgetMs) break;
        if (this.writeWaiting?.()) {
          trace?.note('a write is waiting: step ends');
          break;
        }
      }
      trace?.note(`${rows} rows`);
    };
    if (this.tracer) tracedTx(this.db, this.tracer, work);
    else this.db.transaction(work).immediate();
    this.steps++;
    this.longestStepMs = Math.max(this.longestStepMs, performance.now() - began);
    return this.done;
  }

  private deleteTask(t: RetentionTable, cutoff: bigint): Task {
    const key = typeof t.key === 'string' ? [t.key] : (t.key ?? ['rowid']);
    const select = this.stmt(
      `SELECT ${key.join(', ')} FROM ${t.table} WHERE ${t.time} < ? ORDER BY ${t.time} LIMIT ?`,
    ).raw();
    const del = this.stmt(`DELETE FROM ${t.table} WHERE ${key.map((k) => `${k} = ?`).join(' AND ')}`);
    const side = (t.rowidSide ?? []).map((s) => this.stmt(`DELETE FROM ${s} WHERE rowid = ?`));
    const counted = t.counted !== false;
    return (limit) => {
      const keys = select.all(cutoff, limit) as unknown[][];
      if (keys.length === 0) return -1;
      const trace = this.tracer?.current;
      const sideBegan = performance.now();
      for (const k of keys) for (const s of side) s.run(k[0]);
      if (side.length) trace?.add(`of which ${t.rowidSide!.join(', ')}`, performance.now() - sideBegan);
      for (const k of keys) del.run(...k);
      if (counted) this.result[t.signal]! += keys.length;
      return keys.length;
    };
  }

  /** span_names pairs no span carries any more, one pair a unit (only when spans were deleted). */
  private spanNamesTask(hooks: SweepHooks): Task {
    type Pair = { service: string; name: string };
    let pairs: Pair[] | undefined;
    let i = 0;
    const drop = this.stmt(
      'DELETE FROM span_names WHERE service = ? AND name = ? AND NOT EXISTS (SELECT 1 FROM spans WHERE service = ? AND name = ?)',
    );
    return () => {
      if (!this.result.traces) return -1;
      pairs ??= this.stmt('SELECT service, name FROM span_names').all() as Pair[];
      const p = pairs[i++];
      if (!p) return -1;
      if (drop.run(p.service, p.name, p.service, p.name).changes > 0) hooks.nameDropped(p.service, p.name);
      return 1;
    };
  }

  /** metric_series rows with no point left, a batch of series a unit (only when points were deleted). */
  private seriesTask(hooks: SweepHooks): Task {
    let after = 0;
    const ids = this.stmt('SELECT id FROM metric_series WHERE id > ? ORDER BY id LIMIT ?').pluck();
    const drop = this.stmt(
      'DELETE FROM metric_series WHERE id = ? AND NOT EXISTS (SELECT 1 FROM metric_points WHERE series_id = ?)',
    );
    return (limit) => {
      if (!this.result.metrics) return -1;
      const batch = ids.all(after, limit) as number[];
      if (batch.length === 0) return -1;
      let dropped = 0;
      for (const id of batch) dropped += drop.run(id, id).changes;
      after = batch[batch.length - 1]!;
      if (dropped > 0) hooks.seriesDropped();
      return batch.length;
    };
  }
}
