// Child process of crash-safety.test.ts: writes span batches forever through the adapter and reports each commit.
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { openChildAdapter } from './child-adapter.js';

const dir = process.argv[2]!;
const adapter = await openChildAdapter(dir);
for (let batch = 1; ; batch++) {
  const traceId = newTraceId();
  const spans = Array.from({ length: 500 }, (_, i) =>
    makeSpan({ traceId, service: 'crash', name: `b${batch}`, attributes: { i, pad: 'x'.repeat(200) } }),
  );
  const r = await adapter.traces!.write(spans);
  if (!r.ok) throw r.error;
  process.stdout.write(`committed ${batch} ${traceId}\n`);
}
