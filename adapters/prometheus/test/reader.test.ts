import { request } from 'node:http';
import { createServer } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DiagnosticLogger } from '@rohas/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { createAdapter, resolveOptions } from '../src/index.js';
import { acceptsGzip, negotiateOpenMetrics, PrometheusPullReader } from '../src/reader.js';

const quiet: DiagnosticLogger = { debug() {}, info() {}, warn() {}, error() {} };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function started(options: ConstructorParameters<typeof PrometheusPullReader>[0] = {}) {
  const reader = new PrometheusPullReader({ port: 0, logger: quiet, ...options });
  const provider = new MeterProvider({ readers: [reader] });
  cleanups.push(() => provider.shutdown());
  await reader.ready;
  return { reader, meter: provider.getMeter('reader-test') };
}

function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      const req = request(url, { method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('content negotiation', () => {
  it('prefers OpenMetrics when Prometheus asks for it first', () => {
    expect(
      negotiateOpenMetrics(
        'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      ),
    ).toBe(true);
    expect(negotiateOpenMetrics('text/plain;version=0.0.4')).toBe(false);
    expect(negotiateOpenMetrics('text/plain;q=1,application/openmetrics-text;q=0.5')).toBe(false);
    expect(negotiateOpenMetrics('application/openmetrics-text;q=0')).toBe(false);
    expect(negotiateOpenMetrics(undefined)).toBe(false);
    expect(negotiateOpenMetrics('*/*')).toBe(false);
  });

  it('detects gzip in Accept-Encoding', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, gzip;q=0.5')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });
});

describe('the HTTP endpoint', () => {
  it('serves the text format by default and OpenMetrics when negotiated, gzipped when asked', async () => {
    const { reader, meter } = await started();
    meter.createCounter('hits').add(2);
    const plain = await get(reader.url);
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toContain('hits_total{otel_scope_name="reader-test"} 2\n');

    const om = await get(reader.url, {
      accept: 'application/openmetrics-text; version=1.0.0',
      'accept-encoding': 'gzip',
    });
    expect(om.headers['content-type']).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(om.headers['content-encoding']).toBe('gzip');
    expect(Number(om.headers['content-length'])).toBe(om.body.length);
    const text = gunzipSync(om.body).toString();
    expect(text).toContain('# TYPE hits counter\n');
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('answers 404 off the path, 405 for other methods, headers only for HEAD', async () => {
    const { reader } = await started({ path: 'custom' });
    expect(reader.url).toMatch(/\/custom$/);
    expect((await get(reader.url.replace('/custom', '/metrics'))).status).toBe(404);
    expect((await get(reader.url, {}, 'POST')).status).toBe(405);
    const head = await get(reader.url, {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect((await get(`${reader.url}?x=1`)).status).toBe(200);
  });

  it("adds prom-client's process metrics behind the switch, with the prefix, in both formats", async () => {
    const { reader, meter } = await started({ defaultMetrics: true, prefix: 'app' });
    meter.createCounter('c').add(1);
    const text = (await get(reader.url)).body.toString();
    expect(text).toContain('# TYPE app_process_cpu_user_seconds_total counter');
    expect(text).toContain('app_c_total{');
    const om = (await get(reader.url, { accept: 'application/openmetrics-text' })).body.toString();
    expect(om).toContain('# TYPE app_process_cpu_user_seconds counter');
    expect(om).toContain('app_process_cpu_user_seconds_total ');
    expect(om.match(/# EOF/g)).toHaveLength(1);
    expect(om).not.toMatch(/\n\n/);
    // prom-client renames counters in OpenMetrics mode; the text format must still have _total afterwards.
    const again = (await get(reader.url)).body.toString();
    expect(again).toContain('# TYPE app_process_cpu_user_seconds_total counter');
  });

  it('reports a port in use instead of crashing', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const port = (blocker.address() as { port: number }).port;
    const errors: string[] = [];
    const reader = new PrometheusPullReader({ port, logger: { ...quiet, error: (m) => errors.push(m) } });
    await expect(reader.ready).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+/);
    expect(errors[0]).toMatch(/^\[rohas-telemetry\] \[prometheus\] cannot listen/);
    await reader.closeServer();
  });
});

describe('createAdapter', () => {
  it('is a metrics-only pull adapter; reads exist only with an endpoint', async () => {
    const ctx = {
      retention: { traces: 0, metrics: 0, logs: 0 },
      signals: ['metrics' as const],
      logger: quiet,
      baseDir: '.',
    };
    const bare = createAdapter({ ...ctx, options: { type: 'prometheus', port: 0 } });
    const adapter = bare instanceof Promise ? await bare : bare;
    expect(adapter.type).toBe('prometheus');
    expect(adapter.traces).toBeUndefined();
    expect(adapter.logs).toBeUndefined();
    expect(adapter.metrics).toBeUndefined();
    expect(adapter.metricsPull?.queryMetrics).toBeUndefined();
    expect(adapter.metricsPull?.capabilities).toBeUndefined();
    // A reading process (serve, doctor) has no reader: the health line says so instead of "endpoint at ;".
    expect((await adapter.health()).message).toBe(
      'no prometheus pull endpoint in this process (an application serves it from createTelemetry)',
    );
    const reader = adapter.metricsPull!.createReader({ cardinalityLimit: 5000 }) as PrometheusPullReader;
    expect(reader.selectCardinalityLimit(0 as never)).toBe(5000);
    const provider = new MeterProvider({ readers: [reader] });
    await reader.ready;
    expect((await adapter.health()).message).toContain(reader.url);
    await provider.shutdown();
    await adapter.close();

    const withReads = createAdapter({ ...ctx, options: { type: 'prometheus', endpoint: 'http://127.0.0.1:9' } });
    const a2 = withReads instanceof Promise ? await withReads : withReads;
    expect(a2.metricsPull?.capabilities?.instrumentTypes).not.toContain('exponential_histogram');
    expect(typeof a2.metricsPull?.queryMetrics).toBe('function');
    expect((await a2.health()).ok).toBe(false);
    await a2.close();
  });

  it('reads keys with defaults, the OTel exporter env vars as fallback, and rejects bad values', () => {
    expect(resolveOptions({}, {})).toMatchObject({
      host: '127.0.0.1',
      port: 9464,
      path: '/metrics',
      prefix: '',
      defaultMetrics: false,
    });
    expect(
      resolveOptions({}, { OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0', OTEL_EXPORTER_PROMETHEUS_PORT: '9999' }),
    ).toMatchObject({
      host: '0.0.0.0',
      port: 9999,
    });
    expect(resolveOptions({ host: '::1', port: 1234 }, { OTEL_EXPORTER_PROMETHEUS_PORT: '9999' })).toMatchObject({
      host: '::1',
      port: 1234,
    });
    expect(() => resolveOptions({ port: 70000 }, {})).toThrow(
      /\[rohas-telemetry\] \[prometheus\] key port: must be <= 65535/,
    );
    expect(() => resolveOptions({ default_metrics: 'yes' }, {})).toThrow(/key default_metrics: must be boolean/);
    expect(() => resolveOptions({ endpoint: 'localhost:9090' }, {})).toThrow(/key endpoint: must match pattern/);
    expect(() => resolveOptions({ bogus: 1 }, {})).toThrow(/key bogus: unknown key; type = "prometheus" takes /);
    expect(() => resolveOptions({}, { OTEL_EXPORTER_PROMETHEUS_PORT: 'x' })).toThrow(/OTEL_EXPORTER_PROMETHEUS_PORT/);
  });
});
