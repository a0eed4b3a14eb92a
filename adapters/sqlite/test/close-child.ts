// Child process of write-thread.test.ts: opens the adapter, writes through the write thread, closes, and must then
// exit by itself with code 0 (a top-level await left unsettled would make Node exit with 13).
import { consoleLogger } from '@rohas/telemetry';
import { makeSpan } from '@rohas/telemetry-test-suite';
import { createAdapter } from '../src/index.js';

const dir = process.argv[2]!;
const adapter = await createAdapter({
  options: { type: 'sqlite', path: dir },
  retention: { traces: 0, metrics: 0, logs: 0 },
  signals: ['traces'],
  logger: consoleLogger,
  baseDir: dir,
});
await adapter.init();
const r = await adapter.traces!.write([makeSpan()]);
if (!r.ok) throw r.error;
process.stdout.write(`writes=${(await adapter.health()).details?.writes}\n`);
await adapter.close();
process.stdout.write('closed\n');
