// CPU a server span costs on the register path's storing side, in-process, with the real SQLite store: the spans of
// bench/register's hello-world server (the HTTP instrumentation's 14 attributes) created and ended with the SDK alone
// (enable_traces = false, derive_span_metrics = false: the raw limit) and with what `--import
// @rohas/telemetry/register` adds (storing in SQLite + span-derived metrics), interleaved, three rounds, each
// flushed to the store before its CPU is read. Main thread (the app's) and all threads (with SQLite's write thread)
// apart, from /proc/self/task/*/schedstat. Steadier under load than the HTTP bench: no sockets, no load generator.
//
//   node --import tsx register/store-path.ts      (N=30000 spans per round)
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind } from '@opentelemetry/api';
import { createTelemetry, defaultConfig } from '@rohas/telemetry';

const N = Number(process.env.N ?? 30_000);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const attributes = {
  'http.url': 'http://127.0.0.1:40123/',
  'http.host': '127.0.0.1:40123',
  'net.host.name': '127.0.0.1',
  'http.method': 'GET',
  'http.scheme': 'http',
  'http.target': '/',
  'http.flavor': '1.1',
  'net.transport': 'ip_tcp',
  'net.host.ip': '127.0.0.1',
  'net.host.port': 40123,
  'net.peer.ip': '127.0.0.1',
  'http.status_code': 200,
  'http.status_text': 'OK',
};

const schedNs = (tid: number | string) =>
  Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
function cpu(): { main: number; all: number } {
  let all = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      all += schedNs(tid);
    } catch {} // a thread that ended between the listing and the read
  }
  return { main: schedNs(process.pid) / 1e3, all: all / 1e3 };
}

async function usPerSpan(store: boolean): Promise<{ main: number; all: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'rohas-bench-store-path-'));
  const config = defaultConfig({
    service_name: 'hello',
    path: dir,
    ...(store ? {} : { enable_traces: false, derive_span_metrics: false }),
  });
  const t = await createTelemetry(config, { registerGlobal: false, logger: silent });
  const tracer = t.tracerProvider.getTracer('@opentelemetry/instrumentation-http', '0.223.0');
  const burst = (n: number) => {
    for (let i = 0; i < n; i++) {
      const span = tracer.startSpan('GET', {
        kind: SpanKind.SERVER,
        attributes: { ...attributes, 'net.peer.port': 40_000 + (i % 20_000) },
      });
      span.end();
    }
  };
  burst(N / 5); // warm-up
  await t.forceFlush();
  const c0 = cpu();
  // In slices, as a server ends its spans between other work: the queue's timer and the write thread run between.
  for (let done = 0; done < N; done += 500) {
    burst(500);
    await new Promise((r) => setImmediate(r));
  }
  await t.forceFlush();
  const c1 = cpu();
  await t.shutdown();
  rmSync(dir, { recursive: true, force: true });
  return { main: (c1.main - c0.main) / N, all: (c1.all - c0.all) / N };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const raw: Array<{ main: number; all: number }> = [];
const full: Array<{ main: number; all: number }> = [];
for (let round = 0; round < 3; round++) {
  raw.push(await usPerSpan(false));
  full.push(await usPerSpan(true));
}
console.log(`store-path: ${N} HTTP server spans per round, 3 rounds, SQLite store`);
for (const part of ['main', 'all'] as const) {
  const r = raw.map((x) => x[part]);
  const f = full.map((x) => x[part]);
  const added = f.map((x, i) => x - r[i]!);
  console.log(
    `${part === 'main' ? 'main thread' : 'all threads'}: raw limit (SDK alone) ${median(r).toFixed(2)} us CPU/span; with storing + derived metrics ${median(f).toFixed(2)}; added ${median(added).toFixed(2)} us [${added.map((x) => x.toFixed(2)).join(', ')}]; ratio of raw ${(median(r) / median(f)).toFixed(2)}`,
  );
}
