// Child process of write-thread.test.ts: a batch sent to the write thread in parts, one of whose later parts cannot
// be cloned, is refused; the script then ends without closing the adapter and must exit by itself (the write thread
// is held only while a write is pending, so a refused write must not leave it held).
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { POST_PART_ITEMS } from '../src/write-port.js';
import { openChildAdapter } from './child-adapter.js';

const dir = process.argv[2]!;
const adapter = await openChildAdapter(dir);
const traceId = newTraceId();
const spans = Array.from({ length: POST_PART_ITEMS + 10 }, () => makeSpan({ traceId }));
(spans[POST_PART_ITEMS + 5]!.attributes as Record<string, unknown>).f = () => 1;
const refused = await adapter.traces!.write(spans).then(
  () => false,
  () => true,
);
process.stdout.write(`refused=${refused}\n`);
