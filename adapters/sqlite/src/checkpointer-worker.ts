// The SQLite adapter's checkpointer thread: copies the WAL back into the database file (PASSIVE checkpoints) on its
// own read-write connection, so the write thread's commits never run a checkpoint (its connection has
// `wal_autocheckpoint = 0`). WAL mode lets a checkpoint run while the writer appends; PASSIVE never waits for a reader
// or the writer (it copies what it can and returns), so this thread never holds anyone up.
import { statSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { CheckpointerData } from './checkpointer.js';

const { file, intervalMs, pollMs, growBytes } = workerData as CheckpointerData;
const Driver = (await import('better-sqlite3')).default;
const db = new Driver(file, { fileMustExist: true });
// It never writes; and a PASSIVE checkpoint never calls the busy handler, so no busy_timeout either.
db.pragma('wal_autocheckpoint = 0');
const port = parentPort!;
const wal = `${file}-wal`;

/** Passes in a row while frames are left uncopied: when the writer pauses, the last pass copies all (no catch-up). */
const MAX_PASSES = 4;
const LEFT_FRAMES = 0;

let lastRun = 0;
let sizeAtLastRun = 0;

function walSize(): number {
  return statSync(wal, { throwIfNoEntry: false })?.size ?? 0;
}

/** Checkpoints every `intervalMs`, and sooner when the WAL file grew by `growBytes` since the last one. */
function tick(): void {
  const size = walSize();
  const now = performance.now();
  if (size === 0 || (now - lastRun < intervalMs && size - sizeAtLastRun < growBytes)) return;
  try {
    // Each pass copies only what the writer appended during the last: a few passes copy all of it when the writer
    // pauses, or bring what is left down to the write thread's short catch-up (writer-worker.ts,
    // CATCH_UP_MAX_FRAMES); either lets the WAL start over.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      port.postMessage({ op: 'ran', log: r?.log ?? 0, checkpointed: r?.checkpointed ?? 0 });
      if (!r || r.log - r.checkpointed <= LEFT_FRAMES) break;
    }
  } catch {
    // SQLITE_BUSY: another connection is checkpointing (the write thread's safety net, a close): next tick.
  }
  lastRun = performance.now();
  sizeAtLastRun = walSize();
}

const timer = setInterval(tick, pollMs);
port.on('message', (request: { op: 'close' }) => {
  if (request.op !== 'close') return;
  clearInterval(timer);
  db.close();
  port.postMessage({ op: 'closed' });
  port.close();
});
port.postMessage({ op: 'ready' });
