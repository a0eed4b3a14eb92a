/*
 * InfluxDB ingest benchmark: metric points written through the adapter (encoding included) against a raw
 * line-protocol POST /write of the very same lines (pre-encoded), with 1 and 2 requests in flight, in the same run
 * against the same influxd. Prints points/s and the adapter's ratio to the best raw configuration.
 *
 *   node --conditions=@rohas/source --import tsx bench/influxdb/run.ts            # starts a throwaway influxd
 *   ROHAS_BENCH_INFLUXDB1_URL=http://127.0.0.1:8086 node --conditions=@rohas/source --import tsx bench/influxdb/run.ts
 *   options: BENCH_POINTS (default 100000), BENCH_BATCH (points per request, default 5000), BENCH_ROUNDS (default 5)
 */
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import type { MetricPoint, TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter, metricLine } from '@rohas/telemetry-influxdb';
import { benchServer } from './influxd.js';

const POINTS = Number(process.env.BENCH_POINTS ?? 100_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function query(url: string, q: string): Promise<unknown> {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  return res.json();
}

/** Points of 200 series (two labels), one every 10 s per series, as a periodic metric reader produces them. */
function makePoints(n: number): MetricPoint[] {
  const resource = { attributes: { 'service.name': 'bench-service', 'host.name': 'bench-host', 'process.pid': 4242 } };
  const scope = { name: 'bench', version: '1.0.0' };
  const t0 = BigInt(Date.now() - 86_400_000) * 1_000_000n;
  const out: MetricPoint[] = [];
  for (let i = 0; i < n; i++) {
    const series = i % 200;
    const time = t0 + BigInt(Math.floor(i / 200)) * 10_000_000_000n + 123_457n;
    out.push({
      name: `http.server.requests.${series % 4}`,
      description: 'requests served',
      unit: '{request}',
      type: 'counter',
      temporality: 'cumulative',
      isMonotonic: true,
      attributes: { 'http.route': `/api/v1/items/${series}`, 'http.status_code': series % 5 === 0 ? 500 : 200 },
      resource,
      scope,
      startTimeUnixNano: t0,
      timeUnixNano: time,
      value: i * 1.5,
    });
  }
  return out;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Runs `work` over the batches with `inFlight` callers at once; returns points/s. */
/** Client CPU time (user + system, µs) spent in the last timed run, per point. */
let lastCpuPerPoint = 0;

async function timed<T>(
  batches: T[][],
  inFlight: number,
  work: (batch: T[]) => Promise<void>,
  count = (b: T[]) => b.length,
): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < batches.length) await work(batches[next++]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  const points = batches.reduce((a, b) => a + count(b), 0);
  lastCpuPerPoint = (used.user + used.system) / points;
  return points / seconds;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const loadAtStart = loadavg()[0]!.toFixed(1);
  const server = await benchServer();
  const external = server.external;
  const url = server.url;
  const prefix = `bench_${randomBytes(3).toString('hex')}`;
  const databases: string[] = [];
  const logger = { debug() {}, info() {}, warn: console.warn, error: console.error };
  try {
    const points = makePoints(POINTS);
    const pointBatches = chunks(points, BATCH);
    // The raw path posts exactly the lines the adapter writes: encode them once, outside the timing.
    const measurements = { spans: 'spans', metrics: 'metrics', logs: 'logs' };
    const captured = points.map((p) => metricLine(measurements, p));
    const lineBatches = chunks(captured, BATCH).map((b) => ({ body: b.join('\n'), lines: b.length }));

    const results: Record<string, number[]> = {};
    const cpuPerPoint: Record<string, number[]> = {};
    const record = (k: string, v: number) => {
      results[k] = [...(results[k] ?? []), v];
      cpuPerPoint[k] = [...(cpuPerPoint[k] ?? []), lastCpuPerPoint];
    };
    for (let round = 0; round < ROUNDS; round++) {
      for (const inFlight of [1, 2]) {
        // Alternate which path goes first, so a server still busy with the previous run's writes hurts both equally.
        const order = (round + inFlight) % 2 === 0 ? (['raw', 'adapter'] as const) : (['adapter', 'raw'] as const);
        for (const path of order) {
          const db = `${prefix}_${path}_${inFlight}_${round}`;
          databases.push(db);
          if (path === 'raw') {
            await query(url, `CREATE DATABASE "${db}"`);
            const rate = await timed(
              lineBatches.map((b) => [b]),
              inFlight,
              async ([b]) => {
                const res = await fetch(`${url}/write?db=${db}&precision=ns`, { method: 'POST', body: b!.body });
                if (res.status !== 204) throw new Error(`raw write: ${res.status} ${await res.text()}`);
              },
              ([b]) => b!.lines,
            );
            record(`raw, ${inFlight} in flight`, rate);
          } else {
            const adapter: TelemetryAdapter = await createAdapter({
              options: { type: 'influxdb', url, database: db, write_concurrency: 1 },
              retention: { traces: 0, metrics: 0, logs: 0 },
              signals: ['metrics'],
              logger,
              baseDir: process.cwd(),
            });
            await adapter.init();
            const rate = await timed(pointBatches, inFlight, async (batch) => {
              const r = await adapter.metrics!.write(batch);
              if (!r.ok) throw r.error;
            });
            record(`adapter, ${inFlight} in flight`, rate);
            await adapter.close();
          }
        }
      }
    }
    const rows = Object.entries(results).map(([k, v]) => [k, median(v)] as const);
    const bestRaw = Math.max(...rows.filter(([k]) => k.startsWith('raw')).map(([, v]) => v));
    console.log(
      `InfluxDB ${external ? `at ${url}` : '(throwaway influxd)'}: ${POINTS} metric points, ${BATCH} per request, median of ${ROUNDS} rounds`,
    );
    for (const [k, v] of rows) {
      const cpu = median(cpuPerPoint[k]!).toFixed(1);
      console.log(
        `  ${k.padEnd(22)} ${Math.round(v).toLocaleString('en-US').padStart(9)} points/s   ratio to best raw ${(v / bestRaw).toFixed(2)}   client CPU ${cpu} µs/point`,
      );
    }
    const bestAdapter = Math.max(...rows.filter(([k]) => k.startsWith('adapter')).map(([, v]) => v));
    console.log(`  best adapter / best raw = ${(bestAdapter / bestRaw).toFixed(2)} (target >= 0.70)`);
    console.log(
      `  load average (1 min, 2 cores): ${loadAtStart} at start, ${loadavg()[0]!.toFixed(1)} at end — points/s move with it, the ratio less`,
    );
  } finally {
    for (const db of databases) await query(url, `DROP DATABASE "${db}"`).catch(() => undefined);
    await server.stop();
  }
}

await main();
