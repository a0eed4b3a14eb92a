// The SQLite adapter's write thread: owns the write connection so batches never block the application's event loop.
//
// Message loop: span, point and log batches run as they arrive. A retention request starts a sweep that runs one
// short step (retention-steps.ts) per turn of this thread's event loop: between two steps the thread goes back to its
// message queue, so a batch that arrives during a long sweep is written after the current step, not after the sweep.
// Retention requests run one sweep at a time, in order; `close` stops a running sweep (its request is answered with
// what it deleted so far; the next sweep continues from there).
//
// Checkpoints: this connection never checkpoints on commit (`wal_autocheckpoint = 0`): a commit that ran SQLite's
// automatic checkpoint copied the WAL into the database file and synced it, inside the write that happened to
// trigger it (two thirds of a stepped sweep's time, steps of 100+ ms). The checkpointer thread (checkpointer.ts) runs
// PASSIVE checkpoints on its own connection instead. This thread's own catch-up copies only the last few frames the
// checkpointer left (at most CATCH_UP_MAX_FRAMES, read from the WAL index, and never while a write waits), so the WAL
// can start over; while the checkpointer is behind, a sweep pauses SWEEP_PAUSE_MS between steps so it catches up.
// The safety net: past `walLimitBytes` (256 MiB; the checkpointer dead or starved) this thread checkpoints itself
// after a commit, so the WAL cannot grow without bound.
//
// A sweep step ends after its current round when a write is waiting (`writesWaiting`, counted by write-port.ts).
// ROHAS_SQLITE_TRACE_MS=N logs each batch or step slower than N ms with its phases (write-trace.ts).
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { spanRow } from './codec.js';
import { openDatabase } from './connection.js';
import type { WriterRequest, WriterResponse } from './internal-types.js';
import type { RetentionSweep } from './retention-steps.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { WriterThreadData } from './write-port.js';
import { traceThresholdMs, WalIndex, WriteTracer, wallMs } from './write-trace.js';

const {
  file,
  cacheMb,
  retention,
  signals,
  walLimitBytes,
  catchUpMs = 0,
  writesWaiting,
} = workerData as WriterThreadData;
/** Whether a write is waiting: a sweep step then ends after its current round (retention-steps.ts). */
const writeWaiting = writesWaiting ? () => Atomics.load(writesWaiting, 0) > 0 : undefined;
const Driver = (await import('better-sqlite3')).default;
const db = openDatabase(Driver, file, cacheMb);
const walLimit = walLimitBytes ?? 256 * 1024 * 1024;
db.pragma('wal_autocheckpoint = 0');
// Once a checkpoint has copied the whole WAL, the next commit starts it over and cuts the file to this size.
const walBig = Math.min(Math.floor(walLimit / 4), 32 * 1024 * 1024);
db.pragma(`journal_size_limit = ${walBig}`);
const writer = new SqliteWriter(db, retention, signals);
const port = parentPort!;
// ROHAS_SQLITE_TRACE_MS=N: log every batch or sweep step slower than N ms with its phases (write-trace.ts).
const traceMs = traceThresholdMs();
const tracer = traceMs === undefined ? undefined : new WriteTracer(file, traceMs);
writer.tracer = tracer;

const walFile = `${file}-wal`;
/** The WAL size at which the safety net runs next: the limit, or further while readers keep old frames. */
let netAt = walLimit;
let warned = false;
let lastCatchUp = performance.now();
/** The WAL index (-shm): frames in the WAL and frames the checkpointer has copied (write-trace.ts). */
const walIndex = new WalIndex(file);
/**
 * The catch-up copies at most this many frames (1 MiB of 4 KiB pages: a few ms and two fsyncs): it runs when the
 * checkpointer thread has copied all but these, so a write never waits for a long copy.
 */
const CATCH_UP_MAX_FRAMES = 256;

function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): { busy: number; log: number; checkpointed: number } | undefined {
  const began = performance.now();
  const before = tracer?.walRead();
  try {
    return (db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[])[0];
  } catch {
    return undefined; // busy (another checkpoint running): a later commit looks again
  } finally {
    if (tracer?.current) {
      tracer.current.add(`${mode} checkpoint`, performance.now() - began);
      tracer.walNote(before, `the ${mode} checkpoint`);
    }
  }
}

/**
 * The catch-up (checkpointer.ts, catchUpMs): copies the last frames the checkpointer thread has not, so the next
 * commit can start the WAL over. Only when no write is waiting, and only a short remainder: read from the WAL index,
 * it runs once the checkpointer copied this WAL generation down to CATCH_UP_MAX_FRAMES (a longer copy here would hold
 * the next write: 4 s in a loaded run). Without the index (not readable), on a timer instead.
 */
function catchUp(size: number): void {
  if (catchUpMs <= 0 || size === 0 || writeWaiting?.()) return;
  const index = walIndex.read();
  if (index) {
    const left = index.frames - index.backfilled;
    if (index.backfilled > 0 && left > 0 && left <= CATCH_UP_MAX_FRAMES) checkpoint('PASSIVE');
    return;
  }
  if (performance.now() - lastCatchUp >= (size > walBig ? catchUpMs / 10 : catchUpMs)) {
    checkpoint('PASSIVE');
    lastCatchUp = performance.now();
  }
}

/** WAL frames past which the checkpointer counts as behind: journal_size_limit's worth of 4 KiB pages. */
const BEHIND_FRAMES = walBig / 4096;
/** How long a sweep waits before its next step while the checkpointer is behind. */
const SWEEP_PAUSE_MS = 50;

/**
 * Whether the checkpointer thread is behind (the WAL holds more than BEHIND_FRAMES frames and more than the catch-up
 * copies are left): the sweep, which writes most of the WAL, then pauses between steps so the checkpointer can copy
 * all of it while this thread is idle, instead of this thread copying a long remainder in a write's way.
 */
function checkpointerBehind(): boolean {
  if (catchUpMs <= 0) return false;
  const index = walIndex.read();
  return index !== undefined && index.frames > BEHIND_FRAMES && index.frames - index.backfilled > CATCH_UP_MAX_FRAMES;
}

/** After each commit: a stat of the WAL file (a few microseconds), the catch-up, the safety net past the limit. */
function walGuard(): void {
  const size = statSync(walFile, { throwIfNoEntry: false })?.size ?? 0;
  if (size < netAt) {
    if (size < walLimit) netAt = walLimit;
    catchUp(size);
    return;
  }
  if (!warned) {
    warned = true;
    const mib = Math.round(walLimit / 1048576);
    port.postMessage({
      id: -1,
      warn: `the WAL of ${file} passed ${mib} MiB (the checkpointer thread dead or starved): the write thread checkpoints it itself`,
    } satisfies WriterResponse);
  }
  const r = checkpoint('PASSIVE');
  // Readers keep old frames and the WAL reached twice the limit: TRUNCATE waits for them (busy_timeout) and empties it.
  if (r && r.checkpointed < r.log && size >= 2 * walLimit) checkpoint('TRUNCATE');
  lastCatchUp = performance.now();
  // If the WAL could not be started over, look again a quarter of the limit further, not at every commit.
  netAt = Math.max(walLimit, size + walLimit / 4);
}

type RetentionRequest = Extract<WriterRequest, { op: 'retention' }>;
const sweeps: RetentionRequest[] = [];
let running: { id: number; sweep: RetentionSweep } | undefined;

function finishSweep(response: WriterResponse): void {
  running = undefined;
  port.postMessage(response);
  startNextSweep();
}

function startNextSweep(): void {
  const request = sweeps.shift();
  if (!request) return;
  try {
    running = { id: request.id, sweep: writer.startRetention(request.now, writeWaiting) };
  } catch (error) {
    finishSweep({ id: request.id, error: (error as Error).message });
    return;
  }
  setImmediate(sweepStep);
}

/** One step, then back to the message queue (setImmediate runs after the pending messages of this turn). */
function sweepStep(): void {
  const current = running;
  if (!current) return;
  tracer?.begin();
  try {
    const done = current.sweep.step();
    walGuard();
    tracer?.end(`sweep step ${current.sweep.steps}`);
    if (done) finishSweep({ id: current.id, retention: current.sweep.result });
    else if (checkpointerBehind()) setTimeout(sweepStep, SWEEP_PAUSE_MS);
    else setImmediate(sweepStep);
  } catch (error) {
    tracer?.end(`failed sweep step ${current.sweep.steps}`);
    finishSweep({ id: current.id, error: (error as Error).message });
  }
}

port.on('message', (request: WriterRequest) => {
  let response: WriterResponse;
  if (writesWaiting && (request.op === 'spans' || request.op === 'points' || request.op === 'logs'))
    Atomics.sub(writesWaiting, 0, 1);
  const trace = request.op === 'retention' || request.op === 'close' ? undefined : tracer?.begin();
  try {
    switch (request.op) {
      case 'spans': {
        const rows = request.items.map(spanRow);
        trace?.mark('encode');
        response = { id: request.id, result: writer.writeSpanRows(rows) };
        break;
      }
      case 'points':
        response = { id: request.id, result: writer.writePoints(request.items) };
        break;
      case 'logs':
        response = { id: request.id, result: writer.writeLogs(request.items) };
        break;
      case 'retention':
        sweeps.push(request);
        if (!running) startNextSweep();
        return;
      case 'close':
        if (running) {
          const stopped = running;
          running = undefined;
          port.postMessage({ id: stopped.id, retention: stopped.sweep.result } satisfies WriterResponse);
        }
        for (const queued of sweeps.splice(0))
          port.postMessage({ id: queued.id, retention: {} } satisfies WriterResponse);
        writer.close();
        response = { id: request.id };
        break;
    }
  } catch (error) {
    response = { id: request.id, error: (error as Error).message };
  }
  if (request.op !== 'close') walGuard();
  if (trace && tracer) {
    const sent = (request as { sent?: number }).sent;
    tracer.end(
      `${request.op} #${request.id} (${'items' in request ? request.items.length : 0})`,
      sent ? wallMs() - sent - (performance.now() - trace.started) : 0,
    );
    response.posted = wallMs();
  }
  if (request.op === 'close') {
    tracer?.close();
    walIndex.close();
  }
  port.postMessage(response);
  if (request.op === 'close') port.close();
});
port.postMessage({ id: 0 } satisfies WriterResponse);
