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
// PASSIVE checkpoints on its own connection instead. The safety net: past `walLimitBytes` (256 MiB; the checkpointer
// dead or starved) this thread checkpoints itself after a commit, so the WAL cannot grow without bound.
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { spanRow } from './codec.js';
import { openDatabase } from './connection.js';
import type { WriterRequest, WriterResponse } from './internal-types.js';
import type { RetentionSweep } from './retention-steps.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { WriterThreadData } from './write-port.js';

const { file, cacheMb, retention, signals, walLimitBytes, catchUpMs = 0 } = workerData as WriterThreadData;
const Driver = (await import('better-sqlite3')).default;
const db = openDatabase(Driver, file, cacheMb);
const walLimit = walLimitBytes ?? 256 * 1024 * 1024;
db.pragma('wal_autocheckpoint = 0');
// Once a checkpoint has copied the whole WAL, the next commit starts it over and cuts the file to this size.
const walBig = Math.min(Math.floor(walLimit / 4), 32 * 1024 * 1024);
db.pragma(`journal_size_limit = ${walBig}`);
const writer = new SqliteWriter(db, retention, signals);
const port = parentPort!;

const walFile = `${file}-wal`;
/** The WAL size at which the safety net runs next: the limit, or further while readers keep old frames. */
let netAt = walLimit;
let warned = false;
let lastCatchUp = performance.now();

function checkpoint(mode: 'PASSIVE' | 'TRUNCATE'): { busy: number; log: number; checkpointed: number } | undefined {
  try {
    return (db.pragma(`wal_checkpoint(${mode})`) as { busy: number; log: number; checkpointed: number }[])[0];
  } catch {
    return undefined; // busy (another checkpoint running): a later commit looks again
  }
}

/** The safety net, after each commit: a stat of the WAL file (a few microseconds), a checkpoint past the limit. */
function walGuard(): void {
  const size = statSync(walFile, { throwIfNoEntry: false })?.size ?? 0;
  if (size < netAt) {
    if (size < walLimit) netAt = walLimit;
    // The catch-up (checkpointer.ts, catchUpMs): copies what the checkpointer thread has not yet, so the next commit
    // can start the WAL over.
    // A WAL file past journal_size_limit was not started over since it grew (readers held old frames at each
    // catch-up): try ten times as often until it is.
    const every = size > walBig ? catchUpMs / 10 : catchUpMs;
    if (catchUpMs > 0 && size > 0 && performance.now() - lastCatchUp >= every) {
      checkpoint('PASSIVE');
      lastCatchUp = performance.now();
    }
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
    running = { id: request.id, sweep: writer.startRetention(request.now) };
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
  try {
    const done = current.sweep.step();
    walGuard();
    if (done) finishSweep({ id: current.id, retention: current.sweep.result });
    else setImmediate(sweepStep);
  } catch (error) {
    finishSweep({ id: current.id, error: (error as Error).message });
  }
}

port.on('message', (request: WriterRequest) => {
  let response: WriterResponse;
  try {
    switch (request.op) {
      case 'spans':
        response = { id: request.id, result: writer.writeSpanRows(request.items.map(spanRow)) };
        break;
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
  port.postMessage(response);
  if (request.op === 'close') port.close();
});
port.postMessage({ id: 0 } satisfies WriterResponse);
