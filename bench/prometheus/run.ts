/**
 * Scrape time and bytes of the rohas Prometheus pull endpoint vs @opentelemetry/exporter-prometheus, both readers of
 * ONE MeterProvider (the same instruments and data), and vs a bare prom-client registry holding the same label sets
 * (the raw limit of the library the endpoint is built on). Everything runs in one process, in the same run.
 *
 *   node --conditions=@rohas/source --import tsx bench/prometheus/run.ts [sizes...]   (default 1000 10000 50000)
 *
 * "Series" = attribute sets: 80% on a counter, 10% on an up-down counter, 10% on a histogram (each histogram set is
 * 18 sample lines with the default 16 buckets). A scrape = one HTTP GET, body fully read, text format, no gzip;
 * the median of several scrapes is reported. The rohas endpoint is also timed as Prometheus asks
 * (OpenMetrics + gzip), which the OTel exporter does not offer.
 */
import { createServer as createHttpServer, request } from 'node:http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { freePort } from '@rohas/integration-tests/process-utils';
import { PrometheusPullReader } from '@rohas/telemetry-prometheus';
import client from 'prom-client';

function scrape(url: string, headers: Record<string, string> = {}): Promise<{ ms: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(url, { headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        bytes += c.length;
      });
      res.on('end', () => resolve({ ms: performance.now() - t0, bytes }));
    });
    req.on('error', reject);
    req.end();
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

async function runSize(n: number) {
  const counterSets = Math.round(n * 0.8);
  const gaugeSets = Math.round(n * 0.1);
  const histSets = n - counterSets - gaugeSets;
  const labels = (i: number) => ({
    route: `/api/v1/items/${i}`,
    method: i % 2 ? 'GET' : 'POST',
    status_code: String(200 + (i % 5)),
  });

  // rohas endpoint and OTel exporter on one MeterProvider: same instruments, same data.
  const [ourPort, otelPort, rawPort] = [await freePort(), await freePort(), await freePort()];
  const ours = new PrometheusPullReader({ port: ourPort, cardinalityLimit: n + 10 });
  const otel = new PrometheusExporter({ port: otelPort, host: '127.0.0.1' });
  const provider = new MeterProvider({
    readers: [ours, otel],
    // The exporter takes no cardinality option: a view lifts the SDK's 2,000 default for both readers alike.
    views: [{ instrumentName: '*', aggregationCardinalityLimit: n + 10 }],
  });
  const meter = provider.getMeter('bench', '1.0.0');
  const counter = meter.createCounter('http.server.requests', { description: 'Requests' });
  const gauge = meter.createUpDownCounter('http.server.active_requests', { description: 'Active requests' });
  const hist = meter.createHistogram('http.server.duration', { unit: 'ms', description: 'Duration' });
  for (let i = 0; i < counterSets; i++) counter.add(i + 1, labels(i));
  for (let i = 0; i < gaugeSets; i++) gauge.add(i % 7, labels(i));
  for (let i = 0; i < histSets; i++) hist.record(i % 1000, labels(i));

  // Raw limit: a bare prom-client registry with the same label sets, served by a plain HTTP server.
  const registry = new client.Registry();
  const labelNames = ['route', 'method', 'status_code'];
  const pc = new client.Counter({
    name: 'http_server_requests_total',
    help: 'Requests',
    labelNames,
    registers: [registry],
  });
  const pg = new client.Gauge({
    name: 'http_server_active_requests',
    help: 'Active requests',
    labelNames,
    registers: [registry],
  });
  const ph = new client.Histogram({
    name: 'http_server_duration_milliseconds',
    help: 'Duration',
    labelNames,
    buckets: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
    registers: [registry],
  });
  for (let i = 0; i < counterSets; i++) pc.inc(labels(i), i + 1);
  for (let i = 0; i < gaugeSets; i++) pg.set(labels(i), i % 7);
  for (let i = 0; i < histSets; i++) ph.observe(labels(i), i % 1000);
  const raw = createHttpServer(async (_req, res) => {
    const body = await registry.metrics();
    res.setHeader('content-type', registry.contentType);
    res.end(body);
  });
  await new Promise<void>((r) => raw.listen(rawPort, '127.0.0.1', r));
  await ours.ready;
  await otel.startServer();

  const urls = {
    rohas: `http://127.0.0.1:${ourPort}/metrics`,
    otel: `http://127.0.0.1:${otelPort}/metrics`,
    promClient: `http://127.0.0.1:${rawPort}/metrics`,
  };
  const reps = n >= 50_000 ? 5 : 9;
  const times: Record<string, number[]> = { rohas: [], otel: [], promClient: [], rohasOmGzip: [] };
  const bytes: Record<string, number> = {};
  // Warm-up (JIT, first collection), then interleaved rounds so machine noise hits every contender alike.
  for (const u of Object.values(urls)) await scrape(u);
  await scrape(urls.rohas, { accept: 'application/openmetrics-text', 'accept-encoding': 'gzip' });
  for (let r = 0; r < reps; r++) {
    for (const [name, u] of Object.entries(urls)) {
      const s = await scrape(u);
      times[name]!.push(s.ms);
      bytes[name] = s.bytes;
    }
    const g = await scrape(urls.rohas, {
      accept: 'application/openmetrics-text;version=1.0.0',
      'accept-encoding': 'gzip',
    });
    times.rohasOmGzip!.push(g.ms);
    bytes.rohasOmGzip = g.bytes;
  }
  await provider.shutdown();
  await new Promise((r) => raw.close(r));
  const med = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)])) as Record<string, number>;
  return { n, reps, med, bytes };
}

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((x) => x > 0);
console.log(`node ${process.version}; scrape = HTTP GET, body read; median of interleaved rounds\n`);
console.log(
  [
    'series',
    'rohas ms',
    'otel-exporter ms',
    'prom-client(raw) ms',
    'rohas bytes',
    'otel bytes',
    'raw bytes',
    'rohas OM+gzip ms / bytes',
    'otel/rohas (speedup)',
    'rohas/raw',
  ].join(' | '),
);
for (const n of sizes.length ? sizes : [1_000, 10_000, 50_000]) {
  const r = await runSize(n);
  console.log(
    [
      r.n,
      r.med.rohas!.toFixed(1),
      r.med.otel!.toFixed(1),
      r.med.promClient!.toFixed(1),
      r.bytes.rohas,
      r.bytes.otel,
      r.bytes.promClient,
      `${r.med.rohasOmGzip!.toFixed(1)} / ${r.bytes.rohasOmGzip}`,
      `${(r.med.otel! / r.med.rohas!).toFixed(2)}x`,
      `${(r.med.rohas! / r.med.promClient!).toFixed(2)}`,
    ].join(' | '),
  );
}
