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
import { traceThresholdMs, WriteTracer, wallMs } from './write-trace.js';

const { file, cacheMb, retention, signals, writesWaiting } = workerData as {
  file: string;
  cacheMb: number;
  retention: SignalRetention;
  signals: string[];
  /** Writes posted to this thread and not yet taken up (write-port.ts counts up, this thread down). */
  writesWaiting?: Int32Array;
};
// Batches and sweeps are background work: the event loop and the quick reads go first (thread-priority.ts).
lowerThreadPriority();
/** Whether a write is waiting: a sweep step then ends after its current round (retention-steps.ts). */
const writeWaiting = writesWaiting ? () => Atomics.load(writesWaiting, 0) > 0 : undefined;
const Driver = (await import('better-sqlite3')).default;
const writer = new SqliteWriter(openDatabase(Driver, file, cacheMb), retention, signals);
const port = parentPort!;
// ROHAS_SQLITE_TRACE_MS=N: log every batch or sweep step slower than N ms with its phases (write-trace.ts).
const traceMs = traceThresholdMs();
const tracer = traceMs === undefined ? undefined : new WriteTracer(file, traceMs);
writer.tracer = tracer;

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
    tracer?.end(`sweep step ${current.sweep.steps}`);
    if (done) finishSweep({ id: current.id, retention: current.sweep.result });
    else setImmediate(sweepStep);
  } catch (error) {
    tracer?.end(`failed sweep step ${current.sweep.steps}`);
    finishSweep({ id: current.id, error: (error as Error).message });
  }
}

/** Leading parts of big batches, by request id, until their last part arrives (write-port.ts, POST_PART_ITEMS). */
const parts = new Map<number, unknown[][]>();

/** The whole batch of a spans/points/logs request: its leading parts, if it came in parts, then its own items. */
function wholeBatch<T>(request: { id: number; items: T[] }): T[] {
  const leading = parts.get(request.id) as T[][] | undefined;
  if (!leading) return request.items;
  parts.delete(request.id);
  leading.push(request.items);
  return leading.flat();
}

port.on('message', (request: WriterRequest) => {
  if (request.op === 'drop') {
    parts.delete(request.id);
    return;
  }
  if (request.op === 'part') {
    const list = parts.get(request.id);
    if (list) list.push(request.items);
    else parts.set(request.id, [request.items]);
    return;
  }
  let response: WriterResponse;
  if (request.op === 'spans' || request.op === 'points' || request.op === 'logs') {
    (request as { items: unknown[] }).items = wholeBatch(request as { id: number; items: unknown[] });
    if (writesWaiting) Atomics.sub(writesWaiting, 0, 1);
  }
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
  if (trace && tracer) {
    const sent = (request as { sent?: number }).sent;
    tracer.end(
      `${request.op} #${request.id} (${'items' in request ? request.items.length : 0})`,
      sent ? wallMs() - sent - (performance.now() - trace.started) : 0,
    );
    response.posted = wallMs();
  }
  if (request.op === 'close') tracer?.close();
  port.postMessage(response);
  if (request.op === 'close') port.close();
});
port.postMessage({ id: 0 } satisfies WriterResponse);
