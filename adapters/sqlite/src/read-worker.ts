// A read thread of the SQLite adapter: its own read-only connection (WAL lets it read while the write thread
// commits), running the same read functions as the adapter's own connection (read-ops.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority } from '@rohas/telemetry/adapter';
import { openDatabase } from './connection.js';
import { ReadContext } from './read-context.js';
import { runRead } from './read-ops.js';
import type { ReadRequest, ReadResponse } from './read-port.js';

const { file, cacheMb, background } = workerData as { file: string; cacheMb: number; background?: boolean };
// A search thread yields the CPU to the event loop and the quick-read thread when they compete (thread-priority.ts).
if (background) lowerThreadPriority();
const Driver = (await import('better-sqlite3')).default;
const db = openDatabase(Driver, file, cacheMb, true);
const ctx = new ReadContext(db);
const port = parentPort!;

port.on('message', (request: ReadRequest | { id: number; op: 'close' }) => {
  if (request.op === 'close') {
    db.close();
    port.postMessage({ id: request.id } satisfies ReadResponse);
    port.close();
    return;
  }
  let response: ReadResponse;
  try {
    response = { id: request.id, result: runRead(ctx, request.op, request.arg as never) };
  } catch (error) {
    const e = error as Error & { field?: string };
    response = { id: request.id, error: { name: e.name, message: e.message, ...(e.field ? { field: e.field } : {}) } };
  }
  port.postMessage(response);
});
port.postMessage({ id: 0 } satisfies ReadResponse);
