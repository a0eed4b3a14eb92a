// A preload for threads.test.ts: it counts the threads that run it (appending one line to a file each time), and, as
// `node --import @rohas/telemetry/register` does, opens the SQLite adapter itself. A thread of the adapter that
// inherited the preload would run this again: open the adapter, start threads, and so on.
import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

const [dir, marker] = [process.env.ROHAS_PRELOAD_DIR, process.env.ROHAS_PRELOAD_MARKER];
appendFileSync(marker, `${threadId}\n`);
const { createAdapter } = await import('../dist/index.js');
const adapter = await createAdapter({
  options: { type: 'sqlite', path: dir },
  retention: { traces: 0, metrics: 0, logs: 0 },
  signals: ['traces'],
  logger: { debug() {}, info() {}, warn: console.error, error: console.error },
  baseDir: dir,
});
await adapter.init();
globalThis.preloadedAdapter = adapter;
