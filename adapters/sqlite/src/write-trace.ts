// A diagnostic of the write thread, off unless ROHAS_SQLITE_TRACE_MS is set: every write batch or retention step that
// took longer than that many ms is logged to stderr with where its time went (queued behind other work, BEGIN, the
// statements, the attribute index (FTS5), the rollup, COMMIT, and whether a WAL checkpoint ran inside it: frames the
// WAL index says were copied back), and every garbage collection of the thread over the same threshold. It exists to
// answer "what is a long write waiting for" (issue 13); it costs a few performance.now() calls and two 136-byte reads
// of the -shm file per batch when on, nothing when off.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import type BetterSqlite3 from 'better-sqlite3';

/** The threshold (ms) from the environment, or undefined when tracing is off. */
export function traceThresholdMs(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.ROHAS_SQLITE_TRACE_MS;
  if (raw === undefined || raw === '') return undefined;
  const ms = Number(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

/** Wall-clock time in ms, comparable between threads (their performance.now() origins differ). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(11, 23);
}

/**
 * The WAL index (the -shm file) as SQLite lays it out: the header's mxFrame (u32 at byte 16: frames in the WAL) and
 * the checkpoint info's nBackfill (u32 at byte 96: frames already copied into the database). A checkpoint raises
 * nBackfill; a restarted WAL lowers mxFrame. Native byte order (little-endian on every platform we run on).
 */
export class WalIndex {
  private fd: number | undefined;
  private readonly buf = Buffer.alloc(136);
  constructor(private readonly file: string) {}
  read(): { frames: number; backfilled: number } | undefined {
    try {
      this.fd ??= openSync(`${this.file}-shm`, 'r');
      if (readSync(this.fd, this.buf, 0, 136, 0) < 136) return undefined;
      return { frames: this.buf.readUInt32LE(16), backfilled: this.buf.readUInt32LE(96) };
    } catch {
      return undefined;
    }
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/**
 * This thread's scheduler counters (Linux /proc/thread-self/schedstat): ns on a CPU and ns waiting for one. They tell
 * a unit that worked long from one that was runnable but descheduled (a loaded machine); undefined elsewhere.
 */
export function schedStat(): { cpuNs: number; waitNs: number } | undefined {
  try {
    const [cpu, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ');
    return { cpuNs: Number(cpu), waitNs: Number(wait) };
  } catch {
    return undefined;
  }
}

/** Phases of one unit of work (a batch or a step), ms, in the order they were added. */
export class WorkTrace {
  readonly phases = new Map<string, number>();
  private last = performance.now();
  readonly started = performance.now();
  readonly sched = schedStat();
  readonly notes: string[] = [];
  /** Time since the previous mark goes to `phase`. */
  mark(phase: string): void {
    const now = performance.now();
    this.add(phase, now - this.last);
    this.last = now;
  }
  add(phase: string, ms: number): void {
    this.phases.set(phase, (this.phases.get(phase) ?? 0) + ms);
  }
  note(text: string): void {
    this.notes.push(text);
  }
}

/** The write thread's tracer: hands out a WorkTrace per unit and logs the slow ones. */
export class WriteTracer {
  private readonly wal: WalIndex;
  private readonly gc: PerformanceObserver;
  current: WorkTrace | undefined;

  constructor(
    file: string,
    private readonly thresholdMs: number,
    private readonly log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {
    this.wal = new WalIndex(file);
    this.gc = new PerformanceObserver((list) => {
      for (const e of list.getEntries())
        if (e.duration >= this.thresholdMs)
          this.log(
            `[rohas-telemetry] [sqlite] [trace] ${stamp(performance.timeOrigin + e.startTime)} write thread gc ${e.duration.toFixed(1)} ms`,
          );
    });
    this.gc.observe({ entryTypes: ['gc'] });
  }

  begin(): WorkTrace {
    this.current = new WorkTrace();
    return this.current;
  }

  /** The WAL index now, as a note when it changed since `before` (frames copied by a checkpoint, WAL restarted). */
  walNote(before: ReturnType<WalIndex['read']>, during: string): ReturnType<WalIndex['read']> {
    const after = this.wal.read();
    if (before && after && this.current) {
      if (after.backfilled > before.backfilled)
        this.current.note(`checkpoint in ${during}: ${after.backfilled - before.backfilled} frames copied`);
      // (With the checkpointer thread, frames it copied meanwhile count too: only "the PASSIVE checkpoint" is ours.)
      if (after.frames < before.frames) this.current.note(`WAL restarted in ${during}`);
    }
    return after;
  }

  walRead(): ReturnType<WalIndex['read']> {
    return this.wal.read();
  }

  /** Logs the unit if it (or its wait in the queue) passed the threshold. */
  end(what: string, queuedMs = 0): void {
    const t = this.current;
    this.current = undefined;
    if (!t) return;
    const ranMs = performance.now() - t.started;
    if (ranMs + queuedMs < this.thresholdMs) return;
    const phases = [...t.phases].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ');
    const sched = schedStat();
    const cpu =
      t.sched && sched
        ? `; on CPU ${((sched.cpuNs - t.sched.cpuNs) / 1e6).toFixed(1)} ms, waiting for a CPU ${((sched.waitNs - t.sched.waitNs) / 1e6).toFixed(1)} ms`
        : '';
    const wal = this.wal.read();
    this.log(
      `[rohas-telemetry] [sqlite] [trace] ${stamp(wallMs())} ${what}: ${(ranMs + queuedMs).toFixed(1)} ms` +
        ` (queued ${queuedMs.toFixed(1)}, ran ${ranMs.toFixed(1)}: ${phases})` +
        `${t.notes.length ? `; ${t.notes.join('; ')}` : ''}${cpu}${wal ? `; WAL ${wal.frames} frames, ${wal.backfilled} copied` : ''}`,
    );
  }

  close(): void {
    this.gc.disconnect();
    this.wal.close();
  }
}

/** A write transaction timed phase by phase for the tracer: BEGIN, the statements, COMMIT (with checkpoints seen). */
export function tracedTx(db: BetterSqlite3.Database, tracer: WriteTracer, work: () => void): void {
  const t = tracer.current;
  let wal = tracer.walRead();
  db.transaction(() => {
    t?.mark('BEGIN');
    wal = tracer.walNote(wal, 'BEGIN');
    work();
    t?.mark('statements');
    wal = tracer.walNote(wal, 'statements');
  }).immediate();
  t?.mark('COMMIT');
  tracer.walNote(wal, 'COMMIT');
}
