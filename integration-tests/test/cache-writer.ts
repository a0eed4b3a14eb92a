// The "other process" of trace-cache-processes.test.ts: writes one span of a trace into a SQLite store and exits.
// Usage: node --import tsx cache-writer.ts <sqlite path> <traceId> <start ns>
import { defaultConfig, openStorage } from '@rohas/telemetry';

const [path, traceId, start] = process.argv.slice(2) as [string, string, string];
const now = BigInt(start);
const silent = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };
const storage = await openStorage(defaultConfig({ type: 'sqlite', path, enable_metrics: false, enable_logs: false }), {
  logger: silent,
});
const r = storage.ingestSpans(
  [
    {
      traceId,
      spanId: '3'.padStart(16, '0'),
      name: 's3',
      kind: 1,
      startTimeUnixNano: now + 3n,
      endTimeUnixNano: now + 13n,
      status: { code: 0 },
      attributes: {},
      events: [],
      links: [],
      resource: { attributes: { 'service.name': 'cache' } },
      scope: { name: 't' },
    },
  ],
  { waitForCommit: true },
);
const c = await r.committed;
await storage.shutdown();
if (c?.stored !== 1) process.exit(1);
