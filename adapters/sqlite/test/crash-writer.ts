// Child process of crash-safety.test.ts: writes span batches forever through the adapter and reports each commit.
import { consoleLogger } from '@rohas/telemetry';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { createAdapter } from '../src/index.js';

const dir = process.argv[2]!;
const adapter = await createAdapter({
  options: { type: 'sqlite', path: dir },
  retention: { traces: 0, metrics: 0, logs: 0 },
  signals: ['traces'],
  logger: consoleLogger,
  baseDir: dir,
});
await (adapter as { init(): Promise<void> }).init();
for (let batch = 1; ; batch++) {
  const traceId = newTraceId();
  const spans = Array.from({ length: 500 }, (_, i) =>
    makeSpan({ traceId, service: 'crash', name: `b${batch}`, attributes: { i, pad: 'x'.repeat(200) } }),
  );
  const r = await adapter.traces!.write(spans);
  if (!r.ok) throw r.error;
  process.stdout.write(`committed ${batch} ${traceId}\n`);
}
