// Child process of write-thread.test.ts: opens the adapter, writes through the write thread, closes, and must then
// exit by itself with code 0 (a top-level await left unsettled would make Node exit with 13).
import { makeSpan } from '@rohas/telemetry-test-suite';
import { openChildAdapter } from './child-adapter.js';

const dir = process.argv[2]!;
const adapter = await openChildAdapter(dir);
const r = await adapter.traces!.write([makeSpan()]);
if (!r.ok) throw r.error;
process.stdout.write(`writes=${(await adapter.health()).details?.writes}\n`);
await adapter.close();
process.stdout.write('closed\n');
