// examples/nodesdk: the app's own NodeSDK (Backstage style) with rohas-telemetry's exporters and the Prometheus pull
// reader, preloaded with --import. Requests in; spans with http.route, handler metrics and logs with trace ids read
// back from the store, and the handler metrics scraped from the pull endpoint.
import { join } from 'node:path';
import { freePort } from '@rohas/integration-tests/process-utils';
import { afterAll, expect, it } from 'vitest';
import { childEnv, startApp, tempDir } from './support/child.js';
import { get, readBack } from './support/store.js';

const tmp = tempDir('nodesdk');
afterAll(() => tmp.remove());

it('NodeSDK + the storage exporters + the Prometheus reader: spans, handler metrics and logs', async () => {
  const store = join(tmp.dir, 'store');
  const promPort = await freePort();
  const app = await startApp(['--import', './instrumentation.mjs', 'app.mjs'], {
    cwd: join(import.meta.dirname, '..', 'nodesdk'),
    env: childEnv({
      PORT: '0',
      PROMETHEUS_PORT: String(promPort),
      ROHAS_TELEMETRY_PATH: store,
      OTEL_SERVICE_NAME: 'orders',
    }),
  });
  expect(await get(app.port, ['/orders/7', '/orders/7', '/orders/8'])).toEqual([200, 200, 404]);

  // The pull endpoint serves the span-derived handler metrics in Prometheus form.
  const scrape = await (await fetch(`http://127.0.0.1:${promPort}/metrics`)).text();
  expect(scrape).toMatch(
    /handler_execution_count_total\{[^}]*handler_name="\/orders\/:id"[^}]*status="success"[^}]*\} 3/,
  );
  expect(scrape).toMatch(/traces_span_metrics_calls_total\{[^}]*service_name="orders"/);

  const stopped = await app.stop('SIGTERM');
  expect(stopped.code, stopped.stderr).toBe(0);
  const r = await readBack(store);
  try {
    expect(r.serverSpans.map((s) => s.attributes['http.route'])).toEqual(['/orders/:id', '/orders/:id', '/orders/:id']);
    expect(r.serverSpans.every((s) => s.resource.attributes['service.name'] === 'orders')).toBe(true);
    expect(await r.counter('handler.execution.count', 'handler_name')).toEqual({ '/orders/:id': 3 });
    const logs = await r.storage.query.queryLogs({ text: 'order lookup', limit: 10 });
    expect(logs.items).toHaveLength(3);
    const traceIds = new Set(r.serverSpans.map((s) => s.traceId));
    expect(logs.items.every((l) => l.traceId !== undefined && traceIds.has(l.traceId))).toBe(true);
  } finally {
    await r.close();
  }
});
