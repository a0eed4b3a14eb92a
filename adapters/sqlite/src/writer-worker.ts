// The SQLite adapter's write thread: owns the write connection so batches never block the application's event loop.
//
// Message loop: span, point and log batches run as they arrive. A retention request starts a sweep that runs one
// short step (retention-steps.ts) per turn of this thread's event loop: between two steps the thread goes back to its
// message queue, so a batch that arrives during a long sweep is written after the current step, not after the sweep.
// Retention requests run one sweep at a time, in order; `close` stops a running sweep (its request is answered with
// what it deleted so far; the next sweep continues from there).
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, type SignalRetention } from '@rohas/telemetry/adapter';
import { spanRow } from './codec.js';
import { openDatabase } from './connection.js';
import type { WriterRequest, WriterResponse } from './internal-types.js';
import type { RetentionSweep } from './retention-steps.js';
import { SqliteWriter } from './sqlite-writer.js';

const { file, cacheMb, retention, signals } = workerData as {
  file: string;
  cacheMb: number;
  retention: SignalRetention;
  signals: string[];
};
// Batches and sweeps are background work: the event loop and the quick reads go first (thread-priority.ts).
lowerThreadPriority();
const Driver = (await import('better-sqlite3')).default;
const writer = new SqliteWriter(openDatabase(Driver, file, cacheMb), retention, signals);
const port = parentPort!;

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
    if (current.sweep.step()) finishSweep({ id: current.id, retention: current.sweep.result });
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
  port.postMessage(response);
  if (request.op === 'close') port.close();
});
port.postMessage({ id: 0 } satisfies WriterResponse);
