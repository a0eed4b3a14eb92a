// examples/grafana works against the server: every query of the provisioned dashboard (and its variables) runs through
// the Prometheus and Loki APIs over handler metrics and logs recorded with the core's createHandlerMetrics, and
// answers data (not bad_data); the data source file points all three data sources at one server.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { createHandlerMetrics, StorageMetricExporter, type TelemetryStorage } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ServerStorage } from '../src/index.js';
import { openMemory } from './support/storages.js';

// biome-ignore lint/suspicious/noExplicitAny: the dashboard JSON is walked field by field
type Json = any;

const file = (p: string) =>
  readFileSync(fileURLToPath(new URL(`../../../examples/grafana/${p}`, import.meta.url)), 'utf8');
const dashboard = JSON.parse(file('dashboards/rohas-handlers.json'));

describe('examples/grafana', () => {
  let storage: ServerStorage;
  let app: ReturnType<typeof createApp>['app'];
  let provider: MeterProvider;
  const now = Date.now();

  beforeAll(async () => {
    storage = await openMemory();
    provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'users-api' }),
      readers: [
        new PeriodicExportingMetricReader({
          exporter: new StorageMetricExporter(storage as unknown as TelemetryStorage),
          exportIntervalMillis: 60_000,
        }),
      ],
    });
    const hm = createHandlerMetrics(provider.getMeter('rohas'), { systemMetrics: false });
    const handler = { handlerName: 'create_user', handlerType: 'api', language: 'typescript' } as const;
    // Two collections some time apart so rates have two samples.
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20; i++) hm.recordExecution(handler, 5 + i, i % 5 === 0 ? 'error' : 'success');
      await provider.forceFlush();
      await new Promise((r) => setTimeout(r, 300));
    }
    storage.ingestLogs([
      {
        timeUnixNano: BigInt(now) * 1_000_000n,
        observedTimeUnixNano: BigInt(now) * 1_000_000n,
        severityNumber: 17,
        severityText: 'ERROR',
        body: 'create_user failed',
        attributes: {},
        traceId: 'ab'.repeat(16),
        resource: { attributes: { 'service.name': 'users-api' } },
        scope: { name: 'rohas' },
      },
    ]);
    await storage.forceFlush();
    app = createApp(storage, { logger: { info() {}, warn() {}, error() {} } }).app;
  });
  afterAll(async () => {
    await provider?.shutdown();
    await storage?.shutdown();
  });

  const substitute = (expr: string) =>
    expr.replaceAll('$service', '.+').replaceAll('$handler', '.+').replaceAll('$__rate_interval', '1m');

  it('every dashboard panel query answers data through the Prometheus and Loki APIs', async () => {
    const window = { start: String((now - 60_000) / 1000), end: String((now + 5_000) / 1000), step: '1' };
    let checked = 0;
    for (const panel of dashboard.panels as Json[]) {
      for (const t of panel.targets) {
        const loki = panel.datasource.type === 'loki';
        const path = loki ? '/loki/api/v1/query_range' : '/api/v1/query_range';
        const res = await app.request(path, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ query: substitute(t.expr), ...window }).toString(),
        });
        const body = (await res.json()) as Json;
        expect(body.status, `${panel.title}: ${t.expr}: ${body.error}`).toBe('success');
        expect(body.data.result.length, `${panel.title}: ${t.expr}`).toBeGreaterThan(0);
        checked++;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });

  it('the template variables list the service and handler', async () => {
    const values = async (label: string, match: string) => {
      const q = new URLSearchParams({ 'match[]': substitute(match) });
      return ((await (await app.request(`/api/v1/label/${label}/values?${q}`)).json()) as Json).data;
    };
    const [service, handler] = dashboard.templating.list;
    expect(service.definition).toBe('label_values(handler_execution_count_total, job)');
    expect(await values('job', 'handler_execution_count_total')).toEqual(['users-api']);
    expect(handler.definition).toContain('handler_name');
    expect(await values('handler_name', 'handler_execution_count_total{job=~"$service"}')).toEqual(['create_user']);
  });

  it('the data sources point at one server and link log trace ids to the Jaeger data source', () => {
    const yaml = file('provisioning/datasources/rohas-telemetry.yaml');
    for (const type of ['jaeger', 'prometheus', 'loki']) expect(yaml).toContain(`type: ${type}`);
    expect(yaml.match(/url: \$\{ROHAS_URL:-http:\/\/host\.docker\.internal:4318\}/g)).toHaveLength(3);
    expect(yaml).toMatch(/matcherRegex: trace_id[\s\S]*datasourceUid: rohas-jaeger/);
    for (const panel of dashboard.panels as Json[])
      expect(['rohas-prometheus', 'rohas-loki']).toContain(panel.datasource.uid);
  });
});
