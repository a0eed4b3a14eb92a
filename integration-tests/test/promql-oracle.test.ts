// Prometheus as the oracle for the server's PromQL API. One application (one MeterProvider) serves its metrics on the
// project's Prometheus pull endpoint, scraped every second by a real Prometheus, and at the same time writes the same
// metrics every second into storing backends (SQLite always; PostgreSQL and InfluxDB 1.x when the run has them).
// A table of PromQL queries (every function and operator of the subset, at two steps) runs against Prometheus'
// /api/v1/query_range and against the server's; the results must agree.
//
// Tolerance (documented in packages/server/README.md, "PromQL API"): Prometheus samples at scrape times, the stores
// at export times, so the two see the same counters up to one sampling phase (< 1 s apart). Every series must be in
// both results, at the same steps (all but one step at the window's edges), and values must agree within 15%
// relative (25% for irate, which uses only the last two samples) or an absolute slack stated per query.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  type DiagnosticLogger,
  defaultConfig,
  openStorage,
  StorageMetricExporter,
  type TelemetryConfig,
  type TelemetryStorage,
} from '@rohas/telemetry';
import { createAdapter, type PrometheusPullReader } from '@rohas/telemetry-prometheus';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rangeQuery } from '../../packages/server/src/promql/routes.js';
import { backend, describeBackend } from '../src/inject-backends.js';

const quiet: DiagnosticLogger = { debug() {}, info() {}, warn() {}, error() {} };
const WORKLOAD_MS = 26_000;

interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

async function promRange(url: string, query: string, start: number, end: number, step: number) {
  const res = await fetch(`${url}/api/v1/query_range`, {
    method: 'POST',
    body: new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: String(step / 1000),
    }),
  });
  const json = (await res.json()) as { status: string; data: { result: MatrixSeries[] }; error?: string };
  if (json.status !== 'success') throw new Error(`prometheus: ${query}: ${json.error}`);
  return json.data.result;
}

const key = (m: Record<string, string>) =>
  Object.keys(m)
    .sort()
    .map((k) => `${k}=${m[k]}`)
    .join(',');

describeBackend('prometheus', 'PromQL API agrees with a real Prometheus (oracle)', (info) => {
  const target = info.scrapeTargets[2];
  const run = randomUUID().slice(0, 8);
  const stores: Array<{ name: string; storage: TelemetryStorage }> = [];
  const dirs: string[] = [];
  let provider: MeterProvider;
  let start = 0;
  let end = 0;

  beforeAll(async () => {
    if (!target)
      throw new Error('the Prometheus provider gives no third scrape target (ROHAS_TEST_PROMETHEUS_SCRAPE_TARGETS)');
    const [host, port] = target.split(':') as [string, string];
    const pull = await createAdapter({
      options: { type: 'prometheus', host, port: Number(port) },
      retention: { traces: 0, metrics: 0, logs: 0 },
      signals: ['metrics'],
      logger: quiet,
      baseDir: process.cwd(),
    });
    await pull.init();
    const readers: Array<PrometheusPullReader | PeriodicExportingMetricReader> = [
      pull.metricsPull!.createReader({ cardinalityLimit: 2000 }) as PrometheusPullReader,
    ];
    const dir = mkdtempSync(join(tmpdir(), 'rohas-oracle-'));
    dirs.push(dir);
    const configs: Array<[string, Partial<Omit<TelemetryConfig, 'batch'>>]> = [
      ['sqlite', { type: 'sqlite', path: dir }],
    ];
    const pg = backend('postgres');
    if (pg) configs.push(['postgres', { type: 'timescaledb', connection_string: pg.url, schema: `oracle_${run}` }]);
    const influx = backend('influxdb1');
    if (influx) configs.push(['influxdb1', { type: 'influxdb', url: influx.url, database: `oracle_${run}` }]);
    for (const [name, c] of configs) {
      const storage = await openStorage(
        defaultConfig({
          ...c,
          enable_traces: false,
          enable_logs: false,
          batch: { flush_interval_ms: 200 },
        }),
        { logger: quiet },
      );
      stores.push({ name, storage });
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new StorageMetricExporter(storage, quiet),
          exportIntervalMillis: 1000,
        }),
      );
    }
    provider = new MeterProvider({
      readers,
      resource: resourceFromAttributes({ 'service.name': 'rohas-test', 'service.instance.id': target }),
    });
    const meter = provider.getMeter('oracle', '1.0.0');
    const count = meter.createCounter('handler.execution.count', { unit: '{call}' });
    const duration = meter.createHistogram('handler.execution.duration', {
      unit: 'ms',
      advice: { explicitBucketBoundaries: [10, 100, 1000] },
    });
    const depth = meter.createGauge('queue.depth');
    const durations = [5, 50, 500, 50];
    let tick = 0;
    start = Date.now();
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        tick++;
        count.add(1, { run, handler_name: 'a' });
        count.add(3, { run, handler_name: 'b' });
        duration.record(durations[tick % durations.length]!, { run, handler_name: 'a' });
        // Steps every 5 s: 10, 20, 30, ... so min/max over [10s] see whole steps.
        depth.record(10 * (1 + Math.floor((Date.now() - start) / 5000)), { run });
        if (Date.now() - start >= WORKLOAD_MS) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
    });
    end = Date.now();
    // One more export and scrape, then let Prometheus ingest it.
    await provider.forceFlush();
    for (const s of stores) await s.storage.forceFlush();
    await new Promise((r) => setTimeout(r, 2500));
  }, WORKLOAD_MS + 60_000);

  afterAll(async () => {
    await provider?.shutdown();
    for (const s of stores) await s.storage.shutdown();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    const influx = backend('influxdb1');
    if (influx)
      await fetch(`${influx.url}/query`, {
        method: 'POST',
        body: new URLSearchParams({ q: `DROP DATABASE "oracle_${run}"` }),
      }).catch(() => {});
  });

  const c = (extra = '') => `handler_execution_count_total{run="${run}"${extra}}`;
  const h = () => `handler_execution_duration_milliseconds_bucket{run="${run}"}`;
  const g = () => `queue_depth{run="${run}"}`;
  /** [query, relative tolerance, absolute slack] */
  const table = (): Array<[string, number, number]> => [
    [c(), 0.15, 5],
    [`rate(${c()}[10s])`, 0.15, 0.5],
    [`irate(${c()}[5s])`, 0.25, 1],
    [`increase(${c()}[10s])`, 0.15, 5],
    // The gauge steps by 10 every 5 s: near a step the two sides may sample either side of it (one step of slack).
    [`delta(${g()}[10s])`, 0.15, 15],
    [`avg_over_time(${g()}[10s])`, 0.15, 5],
    [`min_over_time(${g()}[10s])`, 0, 10],
    [`max_over_time(${g()}[10s])`, 0, 10],
    [`sum_over_time(${g()}[10s])`, 0.2, 30],
    [`count_over_time(${c()}[10s])`, 0.2, 1],
    [`last_over_time(${g()}[10s])`, 0, 10],
    [`sum by (handler_name) (rate(${c()}[10s]))`, 0.15, 0.5],
    [`sum without (handler_name) (rate(${c()}[10s]))`, 0.15, 0.5],
    [`avg(rate(${c()}[10s]))`, 0.15, 0.5],
    [`min(${c()})`, 0.15, 5],
    [`max(${c()})`, 0.15, 5],
    [`count(${c()})`, 0, 0],
    [`topk(1, rate(${c()}[10s]))`, 0.15, 0.5],
    [`histogram_quantile(0.9, sum by (le) (rate(${h()}[10s])))`, 0.15, 20],
    [`histogram_quantile(0.5, rate(${h()}[10s]))`, 0.15, 5],
    [`rate(${c()}[10s]) * 60 + 1`, 0.15, 30],
    [`${c()} > 20`, 0.15, 5],
    [`rate(${c()}[10s]) > bool 5`, 0, 0],
    [`rate(${c()}[10s] offset 5s)`, 0.15, 0.5],
    [
      `sum by (job) (rate(${c(',handler_name="b"')}[10s])) / on (job) sum by (job) (rate(${c(',handler_name="a"')}[10s]))`,
      0.15,
      0.3,
    ],
  ];

  it('every query of the table agrees at 2 s and 5 s steps, on every storing backend', async () => {
    expect(stores.length).toBeGreaterThan(0);
    console.info(`[promql-oracle] backends compared with Prometheus: ${stores.map((s) => s.name).join(', ')}`);
    // From 12 s in (so [10s] ranges are full) to 1.5 s before the end (Prometheus has ingested the last scrape).
    const from = start + 12_000;
    const to = end - 1500;
    let compared = 0;
    for (const step of [2000, 5000]) {
      const a = Math.ceil(from / step) * step;
      for (const [query, rel, abs] of table()) {
        const expected = await promRange(info.url, query, a, to, step);
        expect(expected.length, `prometheus has data for ${query}`).toBeGreaterThan(0);
        for (const { name, storage } of stores) {
          const actual = (await rangeQuery(storage, query, a, to, step)).result as MatrixSeries[];
          const where = `${name} step=${step / 1000}s ${query}`;
          expect(actual.map((s) => key(s.metric)).sort(), where).toEqual(expected.map((s) => key(s.metric)).sort());
          for (const e of expected) {
            const got = actual.find((s) => key(s.metric) === key(e.metric))!;
            const ours = new Map(got.values.map(([t, v]) => [t, Number(v)]));
            const theirs = new Map(e.values.map(([t, v]) => [t, Number(v)]));
            const onlyOne = [...new Set([...ours.keys(), ...theirs.keys()])].filter(
              (t) => !(ours.has(t) && theirs.has(t)),
            );
            expect(onlyOne.length, `${where}: steps present on one side only: ${onlyOne}`).toBeLessThanOrEqual(1);
            for (const [t, v] of theirs) {
              const o = ours.get(t);
              if (o === undefined) continue;
              const slack = Math.max(abs, rel * Math.max(Math.abs(v), Math.abs(o)));
              expect(Math.abs(o - v), `${where} at ${t}: ours ${o}, prometheus ${v}`).toBeLessThanOrEqual(slack);
              compared++;
            }
          }
        }
      }
    }
    console.info(`[promql-oracle] ${compared} values compared`);
    expect(compared).toBeGreaterThan(200);
  }, 120_000);
});
