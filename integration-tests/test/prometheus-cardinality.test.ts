// type = "prometheus" through createTelemetry: max_series_per_metric reaches the pull reader, a real Prometheus
// server ingests 10,000 series of one metric, and an overflowing metric is reported once by name.
// Uses the second of the run's scrape targets (prometheus-endpoint.test.ts uses the first).
import { randomUUID } from 'node:crypto';
import { createTelemetry, type DiagnosticLogger, defaultConfig, type Telemetry } from '@rohas/telemetry';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';

async function instant(
  url: string,
  query: string,
): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const res = await fetch(`${url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query }) });
  const json = (await res.json()) as {
    status: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    error?: string;
  };
  if (json.status !== 'success') throw new Error(`${query}: ${json.error}`);
  return json.data.result;
}

describeBackend('prometheus', 'prometheus adapter: max_series_per_metric through createTelemetry', (info) => {
  const run = randomUUID().slice(0, 8);
  const target = info.scrapeTargets[1]!;
  const [host, port] = target.split(':') as [string, string];
  const warnings: string[] = [];
  const logger: DiagnosticLogger = {
    debug() {},
    info() {},
    warn: (m) => warnings.push(m),
    error: (m) => warnings.push(m),
  };
  let telemetry: Telemetry;

  beforeAll(async () => {
    telemetry = await createTelemetry(
      defaultConfig({
        type: 'prometheus',
        host,
        port: Number(port),
        endpoint: info.url,
        enable_traces: false,
        enable_logs: false,
        service_name: `card-${run}`,
        // The SDK's limit counts the overflow series too: 10,001 leaves room for 10,000 attribute sets.
        max_series_per_metric: 10_001,
      }),
      { logger, registerGlobal: false },
    );
    const wide = telemetry.meter.createCounter('it.wide');
    for (let i = 0; i < 10_000; i++) wide.add(1, { run, id: String(i) });
    const over = telemetry.meter.createCounter('it.over');
    for (let i = 0; i < 10_050; i++) over.add(1, { run, id: String(i) });
    const until = Date.now() + 30_000;
    for (;;) {
      const r = await instant(
        info.url,
        `count_over_time(it_over_total{otel_metric_overflow="true"}[1m]) and on (instance) up{instance="${target}"}`,
      );
      if (Number(r[0]?.value[1] ?? 0) >= 2) break;
      if (Date.now() > until) throw new Error('timed out waiting for two scrapes');
      await new Promise((r) => setTimeout(r, 250));
    }
  });

  afterAll(async () => {
    await telemetry?.shutdown();
  });

  it('exposes and Prometheus ingests 10,000 series of one metric', async () => {
    const count = await instant(info.url, `count(it_wide_total{run="${run}"})`);
    expect(Number(count[0]?.value[1])).toBe(10_000);
    expect(await instant(info.url, `it_wide_total{otel_metric_overflow="true",instance="${target}"}`)).toEqual([]);
    const duration = await instant(info.url, `scrape_duration_seconds{instance="${target}"}`);
    const samples = await instant(info.url, `scrape_samples_scraped{instance="${target}"}`);
    console.log(
      `prometheus scraped ${samples[0]?.value[1]} samples from the endpoint in ${Number(duration[0]?.value[1]) * 1000} ms`,
    );
    expect(Number(duration[0]?.value[1])).toBeLessThan(1);
  });

  it('folds the metric beyond the limit into the overflow series and warns once with its name', async () => {
    const regular = await instant(info.url, `count(it_over_total{run="${run}"})`);
    expect(Number(regular[0]?.value[1])).toBe(10_000);
    const overflow = await instant(info.url, `it_over_total{otel_metric_overflow="true",instance="${target}"}`);
    expect(overflow.map((s) => s.value[1])).toEqual(['50']);
    const about = warnings.filter((w) => w.includes('it.over'));
    expect(about).toHaveLength(1);
    expect(about[0]).toMatch(/max_series_per_metric/);
    expect(warnings.filter((w) => w.includes('it.wide'))).toEqual([]);
  });

  it('answers queries through the core query API', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const series = await telemetry.query.queryMetrics({
      name: 'it.wide',
      start: now - 120_000_000_000n,
      end: now + 1_000_000_000n,
      aggregation: 'last',
      groupBy: [],
      attributes: { run },
    });
    expect(series).toHaveLength(1);
    expect(series[0]?.points.at(-1)?.value).toBe(10_000);
  });
});
