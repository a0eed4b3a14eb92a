/*
 * InfluxDB query latency: writes N spans (20 per trace, 5 services, 25 operations, one span every 10 ms) through the
 * adapter, then times getTrace and findTraces. Latency has no raw counterpart to divide by, so the figures are
 * absolute: read them with the load average printed next to them.
 *
 *   node --conditions=@rohas/source --import tsx bench/influxdb/queries.ts      # N=100000 by default
 */
import { loadavg } from 'node:os';
import type { SpanRecord } from '@rohas/telemetry';
import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { createAdapter } from '@rohas/telemetry-influxdb';
import { MS, makeSpan, newTraceId, nowNano, SECOND } from '@rohas/telemetry-test-suite';
import { benchServer, influxQl } from './influxd.js';

const N = Number(process.env.BENCH_SPANS ?? 100_000);

const server = await benchServer();
const database = `bench_q_${Math.random().toString(36).slice(2, 8)}`;
try {
  const logger = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const a = await createAdapter({
    options: { type: 'influxdb', url: server.url, database },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger,
    baseDir: process.cwd(),
  });
  await a.init();
  const t0 = nowNano() - 3600n * SECOND;
  const ids: string[] = [];
  const started = performance.now();
  for (let b = 0; b < N / 5000; b++) {
    const spans: SpanRecord[] = [];
    for (let i = 0; i < 5000; i++) {
      const k = b * 5000 + i;
      if (k % 20 === 0) ids.push(newTraceId());
      spans.push(
        makeSpan({
          traceId: ids[ids.length - 1]!,
          service: `svc-${k % 5}`,
          name: `op-${k % 25}`,
          start: t0 + BigInt(k) * 10n * MS,
          attributes: { 'http.route': `/r/${k % 50}`, 'user.id': `u${k}` },
        }),
      );
    }
    const r = await a.traces!.write(spans);
    if (!r.ok) throw r.error;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `InfluxDB ${server.external ? `at ${server.url}` : '(throwaway influxd)'}: ${N} spans, ${ids.length} traces, written in ${seconds.toFixed(1)} s (${Math.round(N / seconds)} spans/s)`,
  );
  const time = async (label: string, n: number, f: (i: number) => Promise<unknown>) => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await f(i);
      xs.push(performance.now() - s);
    }
    xs.sort((x, y) => x - y);
    console.log(
      `  ${label.padEnd(58)} p50 ${xs[Math.floor(n / 2)]!.toFixed(1).padStart(7)} ms   p90 ${xs[Math.floor(n * 0.9)]!.toFixed(1).padStart(7)} ms`,
    );
  };
  const caps = a.traces!.capabilities;
  const end = t0 + BigInt(N) * 10n * MS;
  const window = { start: end - 300n * SECOND, end };
  await time('getTrace (20 spans)', 30, (i) => a.traces!.getTrace(ids[(i * 331) % ids.length]!));
  await time('findTraces service, last 5 min, limit 20', 10, () =>
    a.traces!.findTraces(normalizeTraceQuery({ service: 'svc-1', ...window, limit: 20 }, caps)),
  );
  await time('findTraces service + name + attribute, last 5 min', 10, () =>
    a.traces!.findTraces(
      normalizeTraceQuery({ service: 'svc-1', name: 'op-6', attributes: { 'http.route': '/r/6' }, ...window }, caps),
    ),
  );
  await time(`findTraces service, all ${Math.round(N / 6000)} min, limit 20`, 5, () =>
    a.traces!.findTraces(normalizeTraceQuery({ service: 'svc-1', limit: 20 }, caps)),
  );
  console.log(`  load average (1 min, 2 cores): ${loadavg()[0]!.toFixed(1)}`);
  await a.close();
} finally {
  await influxQl(server.url, `DROP DATABASE "${database}"`).catch(() => undefined);
  await server.stop();
}
