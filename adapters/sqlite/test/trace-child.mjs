// For write-trace.test.ts: opens the built adapter on a file (argv[2]), writes three batches of 50 spans two days old
// through the write thread, sweeps them away with a one-day retention, and closes. The test reads its stderr, where
// the write thread's tracer (ROHAS_SQLITE_TRACE_MS) logs.
import { randomBytes } from 'node:crypto';

const { createAdapter } = await import('../dist/index.js');
const file = process.argv[2];
const adapter = await createAdapter({
  options: { type: 'sqlite', path: file },
  retention: { traces: 1, metrics: 1, logs: 1 },
  signals: ['traces', 'metrics', 'logs'],
  logger: { debug() {}, info() {}, warn: console.error, error: console.error },
  baseDir: process.cwd(),
});
await adapter.init();
const now = BigInt(Date.now()) * 1_000_000n;
const old = now - 2n * 86_400_000_000_000n;
for (let b = 0; b < 3; b++) {
  const spans = Array.from({ length: 50 }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: 'op',
    kind: 2,
    startTimeUnixNano: old + BigInt(b * 50 + i),
    endTimeUnixNano: old + BigInt(b * 50 + i) + 1000n,
    status: { code: 0 },
    attributes: { n: i },
    events: [],
    links: [],
    resource: { attributes: { 'service.name': 'child' } },
    scope: { name: 'trace-child' },
  }));
  const r = await adapter.traces.write(spans);
  if (!r.ok) throw r.error;
}
const swept = await adapter.retention(now);
if (swept.traces !== 150) throw new Error(`swept ${swept.traces} spans, expected 150`);
await adapter.close();
