// The application of threads.test.ts's preload check: uses the adapter its preload opened, then closes it.
const adapter = globalThis.preloadedAdapter;
const traceId = 'ab'.repeat(16);
const span = {
  traceId,
  spanId: 'cd'.repeat(8),
  name: 'preloaded',
  kind: 1,
  startTimeUnixNano: 1_700_000_000_000_000_000n,
  endTimeUnixNano: 1_700_000_000_000_000_001n,
  status: { code: 0 },
  attributes: {},
  events: [],
  links: [],
  resource: { attributes: { 'service.name': 'preload' } },
  scope: { name: 'preload' },
};
const r = await adapter.traces.write([span]);
if (!r.ok) throw r.error;
const back = await adapter.traces.getTrace(traceId);
const h = await adapter.health();
process.stdout.write(`writes=${h.details.writes} reads=${h.details.reads} spans=${back?.length}\n`);
await adapter.close();
process.stdout.write('closed\n');
