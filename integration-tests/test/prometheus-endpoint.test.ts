// The Prometheus adapter against a real Prometheus server: the server scrapes the adapter's endpoint (on the
// first of the run's scrape targets), promtool accepts the exposition, and reads come back through
// queryMetrics/listMetrics (the server's HTTP API).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { DiagnosticLogger, MetricQuery, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeMetricQuery } from '@rohas/telemetry/adapter';
import { createAdapter, PrometheusApi, type PrometheusPullReader } from '@rohas/telemetry-prometheus';
import { afterAll, beforeAll, expect, it } from 'vitest';
// By path until packages/core/src/index.ts exports it; then import it from '@rohas/telemetry'.
import { createHandlerMetrics } from '../../packages/core/src/handler-metrics.js';
import { describeBackend } from '../src/inject-backends.js';

const quiet: DiagnosticLogger = { debug() {}, info() {}, warn() {}, error() {} };

interface Vector {
  metric: Record<string, string>;
  value: [number, string];
}

async function instant(url: string, query: string): Promise<Vector[]> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query }) });
  const json = (await res.json()) as { status: string; data: { result: Vector[] }; error?: string };
  if (json.status !== 'success') throw new Error(`${query}: ${json.error}`);
  return json.data.result;
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function promtool(bin: string, text: string) {
  const r = spawnSync(bin, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}

describeBackend('prometheus', 'prometheus adapter with a real Prometheus server', (info) => {
  const run = randomUUID().slice(0, 8);
  const service = `svc-${run}`;
  const hostile = `a"b\\c\n}{d} or vector(1) # ${run}`;
  const target = info.scrapeTargets[0]!;
  const [host, port] = target.split(':') as [string, string];
  let adapter: TelemetryAdapter;
  let reader: PrometheusPullReader;
  let provider: MeterProvider;
  let startNano: bigint;

  beforeAll(async () => {
    startNano = BigInt(Date.now() - 5_000) * 1_000_000n;
    adapter = await createAdapter({
      options: { type: 'prometheus', host, port: Number(port), endpoint: info.url },
      retention: { traces: 0, metrics: 0, logs: 0 },
      signals: ['metrics'],
      logger: quiet,
      baseDir: process.cwd(),
    });
    await adapter.init();
    reader = adapter.metricsPull!.createReader({ cardinalityLimit: 2000 }) as PrometheusPullReader;
    provider = new MeterProvider({
      readers: [reader],
      resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'it' }),
    });
    const meter = provider.getMeter('it-scope', '1.0.0');
    const requests = meter.createCounter('it.requests', { description: 'Requests' });
    requests.add(7, { run, route: '/a' });
    requests.add(3, { run, route: '/b' });
    requests.add(1, { run, route: hostile });
    const latency = meter.createHistogram('it.latency', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 0.2, 0.4, 0.8] },
    });
    // 10 observations: 4 in (0, 0.1], 4 in (0.1, 0.2], 2 in (0.4, 0.8]. Prometheus interpolates inside the bucket:
    // p50 = 0.1 + 0.1 * (5 - 4) / 4 = 0.125, p90 = 0.4 + 0.4 * (9 - 8) / 2 = 0.6.
    for (const v of [0.05, 0.05, 0.05, 0.05, 0.15, 0.15, 0.15, 0.15, 0.5, 0.5]) latency.record(v, { run });
    meter.createUpDownCounter('it.queue.depth', { unit: '{item}' }).add(4, { run });
    const hm = createHandlerMetrics(meter, { systemMetrics: false });
    hm.recordExecution({ handlerName: `H${run}`, handlerType: 'api', language: 'typescript' }, 12, 'success');
    await reader.ready;
    // Two scrapes of this run's data.
    await waitFor('two scrapes', async () => {
      const r = await instant(info.url, `count_over_time(it_requests_total{run="${run}",route="/a"}[1m])`);
      return Number(r[0]?.value[1] ?? 0) >= 2 ? true : undefined;
    });
  });

  afterAll(async () => {
    await provider?.shutdown();
    await adapter?.close();
  });

  it('promtool check metrics accepts the endpoint output', async () => {
    const bin = info.promtool ?? '/usr/bin/promtool';
    const res = await fetch(reader.url);
    const text = await res.text();
    // Handler durations are in ms as the Rohas reference defines them; promtool's only remark may be its
    // base-unit style advice for those. Any parse error (status 1) or other lint fails the test.
    const all = promtool(bin, text);
    expect(all.status === 0 || all.status === 3, all.output).toBe(true);
    for (const line of all.output.split('\n').filter(Boolean))
      expect(line).toMatch(/_milliseconds use base unit "seconds"/);
    // Without the millisecond metrics the output is clean.
    const withoutMs = text
      .split('\n')
      .filter((l) => !l.includes('_milliseconds'))
      .join('\n');
    const clean = promtool(bin, withoutMs);
    expect(clean, clean.output).toMatchObject({ status: 0 });
  });

  it('Prometheus scraped the endpoint: counter, histogram_quantile over _bucket, target_info', async () => {
    const up = await instant(info.url, `up{instance="${target}"}`);
    expect(up[0]?.value[1]).toBe('1');
    const counter = await instant(info.url, `sum(it_requests_total{run="${run}"})`);
    expect(Number(counter[0]?.value[1])).toBe(11);
    const p50 = await instant(
      info.url,
      `histogram_quantile(0.5, sum by (le) (it_latency_seconds_bucket{run="${run}"}))`,
    );
    expect(Number(p50[0]?.value[1])).toBeCloseTo(0.125, 6);
    const p90 = await instant(
      info.url,
      `histogram_quantile(0.9, sum by (le) (it_latency_seconds_bucket{run="${run}"}))`,
    );
    expect(Number(p90[0]?.value[1])).toBeCloseTo(0.6, 6);
    const targetInfo = await instant(info.url, `target_info{service_name="${service}"}`);
    expect(targetInfo).toHaveLength(1);
    expect(targetInfo[0]?.metric).toMatchObject({ deployment_environment: 'it', instance: target });
    const gauge = await instant(info.url, `it_queue_depth{run="${run}"}`);
    expect(gauge[0]?.value[1]).toBe('4');
    // The hostile label value arrived intact (Prometheus scrapes OpenMetrics: this proves that output parses too).
    const hostileSeries = await instant(info.url, `it_requests_total{run="${run}",route!~"/a|/b"}`);
    expect(hostileSeries.map((s) => s.metric.route)).toEqual([hostile]);
    const handler = await instant(info.url, `handler_execution_count_total{handler_name="H${run}"}`);
    expect(handler[0]?.metric).toMatchObject({
      handler_type: 'api',
      language: 'typescript',
      status: 'success',
      otel_scope_name: 'it-scope',
    });
  });

  const query = (q: Omit<MetricQuery, 'start' | 'end'> & Partial<Pick<MetricQuery, 'start' | 'end'>>) => {
    const full = { start: startNano, end: BigInt(Date.now() + 1000) * 1_000_000n, ...q } as MetricQuery;
    return adapter.metricsPull!.queryMetrics!(normalizeMetricQuery(full, adapter.metricsPull!.capabilities));
  };

  it('queryMetrics reads the same counter, histogram quantile and service back through the HTTP API', async () => {
    const last = await query({ name: 'it.requests', aggregation: 'last', groupBy: ['route'], attributes: { run } });
    const byRoute = Object.fromEntries(last.map((s) => [s.labels.route, s.points.at(-1)?.value]));
    expect(byRoute).toEqual({ '/a': 7, '/b': 3, [hostile]: 1 });
    expect(last[0]).toMatchObject({ name: 'it.requests', type: 'counter' });

    const total = await query({ name: 'it.requests', aggregation: 'max', groupBy: [], attributes: { run } });
    expect(total).toHaveLength(1);

    const p50 = await query({ name: 'it.latency', aggregation: 'p50', groupBy: [], attributes: { run } });
    expect(p50[0]?.points[0]?.value).toBeCloseTo(0.125, 6);
    expect(p50[0]).toMatchObject({ type: 'histogram', unit: 's' });

    const stepped = await query({
      name: 'it.latency',
      aggregation: 'count',
      groupBy: [],
      attributes: { run },
      stepNano: 2_000_000_000n,
    });
    expect(stepped[0]!.points.length).toBeGreaterThanOrEqual(1);
    for (const p of stepped[0]!.points) {
      expect((p.timeUnixNano - startNano) % 2_000_000_000n).toBe(0n);
      // Each 2 s bucket holds one or more scrapes of count=10.
      expect(p.value % 10).toBe(0);
    }

    const viaService = await query({ name: 'it.queue.depth', aggregation: 'last', service });
    expect(viaService.map((s) => s.points.at(-1)?.value)).toEqual([4]);
    expect(viaService[0]?.labels).toEqual({ run });
    const otherService = await query({ name: 'it.queue.depth', aggregation: 'last', service: `${service}-not` });
    expect(otherService).toEqual([]);
  });

  it('queryMetrics escapes hostile filter values: they match exactly, never change the query', async () => {
    const eq = await query({ name: 'it.requests', aggregation: 'last', attributes: { run, route: hostile } });
    expect(eq).toHaveLength(1);
    expect(eq[0]?.labels.route).toBe(hostile);
    const ne = await query({
      name: 'it.requests',
      aggregation: 'last',
      attributes: [
        { key: 'run', op: '=', value: run },
        { key: 'route', op: '!=', value: hostile },
      ],
    });
    expect(ne.map((s) => s.labels.route).sort()).toEqual(['/a', '/b']);
    const glob = await query({
      name: 'it.requests',
      aggregation: 'last',
      attributes: [
        { key: 'run', op: '=', value: run },
        { key: 'route', op: 'wildcard', value: 'a"b\\c\n}{d} or vector(1) # *' },
      ],
    });
    expect(glob.map((s) => s.labels.route)).toEqual([hostile]);
    const re = await query({
      name: 'it.requests',
      aggregation: 'last',
      attributes: [
        { key: 'run', op: '=', value: run },
        { key: 'route', op: 'regex', value: '^/[ab]$' },
      ],
    });
    expect(re).toHaveLength(2);
    const injection = await query({
      name: 'it.requests',
      aggregation: 'last',
      attributes: { run, route: '"} or vector(1) or x{a="' },
    });
    expect(injection).toEqual([]);
  });

  it('listMetrics names this process’s metrics as OpenTelemetry names; another process finds them by metadata', async () => {
    const list = await adapter.metricsPull!.listMetrics!();
    expect(list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'it.requests', type: 'counter', description: 'Requests' }),
        expect.objectContaining({ name: 'it.latency', type: 'histogram', unit: 's' }),
        expect.objectContaining({ name: 'it.queue.depth', type: 'up_down_counter' }),
      ]),
    );
    // No reader catalog: the name is resolved through /api/v1/metadata only.
    const other = new PrometheusApi({ endpoint: info.url, prefix: '' });
    const base = { start: startNano, end: BigInt(Date.now() + 1000) * 1_000_000n };
    const counter = await other.queryMetrics(
      normalizeMetricQuery({ ...base, name: 'it.requests', aggregation: 'last', groupBy: [], attributes: { run } }),
    );
    expect(counter[0]).toMatchObject({ type: 'counter' });
    expect(counter[0]?.points.at(-1)?.value).toBe(11);
    const hist = await other.queryMetrics(
      normalizeMetricQuery({ ...base, name: 'it.latency', aggregation: 'p90', groupBy: [], attributes: { run } }),
    );
    expect(hist[0]?.points.at(-1)?.value).toBeCloseTo(0.6, 6);
    await expect(other.queryMetrics(normalizeMetricQuery({ ...base, name: `missing.${run}` }))).rejects.toThrow(
      /is not known/,
    );
  });
});
