// PromQL query_range over 24 h at a 60 s step for 1,000 counter series: the server's Prometheus API over SQLite vs the
// same query on a real Prometheus holding the same samples, in the same run. Prometheus is the raw limit: the ratio
// is our latency / Prometheus' latency (lower is better). Figures move with the machine's load; the ratio is what counts.
//
//   npm run bench:promql -w @rohas/bench            (ROHAS_BENCH_PROMQL_RUNS=7, ROHAS_BENCH_PROMQL_SERIES=1000)
//
// Prometheus gets the samples through `promtool tsdb create-blocks-from openmetrics` (a backfill: scraping cannot
// produce 24 h of data in a benchmark); SQLite gets the same points as OpenTelemetry counter points through the adapter.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, type MetricPoint, openStorage } from '@rohas/telemetry';
import { createApp } from '@rohas/telemetry-server';
import { percentile, printTable, ratio } from '../support/stats.js';

const SERIES = Number(process.env.ROHAS_BENCH_PROMQL_SERIES ?? 1000);
const RUNS = Number(process.env.ROHAS_BENCH_PROMQL_RUNS ?? 7);
const STEP_MS = 60_000;
const DAY_MS = 86_400_000;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Counter value of series `s` at sample `i`: a steady per-series rate with a little wobble, one reset mid-way. */
const valueAt = (s: number, i: number) => (i < 720 ? i : i - 720) * (1 + (s % 7)) * 60 + (i % 3);

async function writeOpenMetrics(file: string, start: number, samples: number): Promise<void> {
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', () => r()));
  await write('# TYPE bench_requests counter\n');
  for (let i = 0; i < samples; i++) {
    const ts = (start + i * STEP_MS) / 1000;
    let chunk = '';
    for (let s = 0; s < SERIES; s++)
      chunk += `bench_requests_total{handler_name="h${s}",job="bench",otel_scope_name="bench"} ${valueAt(s, i)} ${ts}\n`;
    await write(chunk);
  }
  await write('# EOF\n');
  await new Promise<void>((r) => out.end(r));
}

async function startPrometheus(dataDir: string, dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 60s\nscrape_configs: []\n');
  const child = spawn(
    process.env.PROMETHEUS ?? 'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${dataDir}`,
      '--storage.tsdb.retention.time=30d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (d) => {
    log = (log + String(d)).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, child };
    } catch {}
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGTERM');
  throw new Error(`[rohas-telemetry] [bench] prometheus did not become ready:\n${log}`);
}

async function timeRuns(name: string, fn: () => Promise<number>): Promise<number[]> {
  const series = await fn(); // warm-up, and the check that both answer the same number of series
  console.error(`[bench] ${name}: ${series} series (warm-up done)`);
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rohas-bench-promql-'));
  let prom: ChildProcess | undefined;
  try {
    const end = Math.floor(Date.now() / STEP_MS) * STEP_MS;
    const start = end - DAY_MS;
    const samples = DAY_MS / STEP_MS + 1;
    console.error(`[bench] ${SERIES} series x ${samples} samples (24 h at 60 s) = ${SERIES * samples} samples`);

    // Prometheus: backfill a TSDB block, then serve it.
    const om = join(dir, 'samples.om');
    await writeOpenMetrics(om, start, samples);
    const dataDir = join(dir, 'prom-data');
    const t0 = performance.now();
    const r = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', om, dataDir], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`[rohas-telemetry] [bench] promtool failed: ${r.stderr}`);
    rmSync(om);
    console.error(`[bench] promtool backfill ${Math.round(performance.now() - t0)} ms`);
    const started = await startPrometheus(dataDir, dir);
    prom = started.child;

    // SQLite: the same counters as OpenTelemetry points, written through the adapter in batches.
    const storage = await openStorage(
      defaultConfig({ type: 'sqlite', path: join(dir, 'sqlite'), enable_traces: false, enable_logs: false }),
      { logger: quiet },
    );
    const metrics = storage.adapterFor('metrics')!.metrics!;
    const resource = { attributes: { 'service.name': 'bench' } };
    const scope = { name: 'bench' };
    const t1 = performance.now();
    // One attribute object per series, as an SDK export reuses per stream (the adapter caches encodings by identity).
    const attributes = Array.from({ length: SERIES }, (_, s) => ({ handler_name: `h${s}` }));
    let batch: MetricPoint[] = [];
    for (let i = 0; i < samples; i++) {
      for (let s = 0; s < SERIES; s++) {
        const ms = start + i * STEP_MS;
        batch.push({
          name: 'bench.requests',
          type: 'counter',
          temporality: 'cumulative',
          isMonotonic: true,
          attributes: attributes[s]!,
          resource,
          scope,
          startTimeUnixNano: BigInt(start) * 1_000_000n,
          timeUnixNano: BigInt(ms) * 1_000_000n,
          value: valueAt(s, i),
        });
      }
      if (batch.length >= 20_000) {
        const w = await metrics.write(batch);
        if (!w.ok) throw w.error;
        batch = [];
      }
    }
    if (batch.length) {
      const w = await metrics.write(batch);
      if (!w.ok) throw w.error;
    }
    console.error(`[bench] sqlite load ${Math.round(performance.now() - t1)} ms`);
    const { app } = createApp(storage, { logger: quiet });

    const form = (query: string) =>
      new URLSearchParams({ query, start: String(start / 1000), end: String(end / 1000), step: '60' }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const rows: Array<[string, number | string, number | string]> = [];
    for (const query of ['rate(bench_requests_total[5m])', 'sum(rate(bench_requests_total[5m]))']) {
      const theirs = await timeRuns(`prometheus ${query}`, async () => {
        // A fresh connection each time: a kept-alive one may have been closed by Prometheus while ours ran (EPIPE).
        const res = await fetch(`${started.url}/api/v1/query_range`, {
          method: 'POST',
          headers: { ...headers, connection: 'close' },
          body: form(query),
        });
        const json = (await res.json()) as { data: { result: unknown[] } };
        return json.data.result.length;
      });
      const ours = await timeRuns(`rohas/sqlite ${query}`, async () => {
        const res = await app.request('/api/v1/query_range', { method: 'POST', headers, body: form(query) });
        const json = (await res.json()) as { status: string; error?: string; data: { result: unknown[] } };
        if (json.status !== 'success') throw new Error(json.error);
        return json.data.result.length;
      });
      for (const q of [0.5, 0.99] as const) {
        const p = `p${q * 100}`;
        rows.push([`${query} prometheus ${p} ms`, percentile(theirs, q).toFixed(1), '']);
        rows.push([
          `${query} rohas/sqlite ${p} ms`,
          percentile(ours, q).toFixed(1),
          ratio(percentile(ours, q), percentile(theirs, q), true),
        ]);
      }
      console.error(
        `[bench] ${query}: prometheus ${theirs.map((x) => x.toFixed(0)).join(', ')} ms; rohas ${ours.map((x) => x.toFixed(0)).join(', ')} ms`,
      );
    }
    printTable(
      `PromQL query_range, 24 h at 60 s, ${SERIES} series, ${RUNS} runs (ratio = rohas / real Prometheus 2.42, lower is better)`,
      rows,
    );
    await storage.shutdown();
  } finally {
    prom?.kill('SIGTERM');
    if (prom) await new Promise((r) => prom!.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
