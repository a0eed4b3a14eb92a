// OTLP/gRPC vs OTLP/HTTP protobuf ingest, measured in the same run against `rohas-telemetry serve` over SQLite:
//
//   node --conditions=@rohas/source --import tsx bench/grpc/run.ts [--spans 100000] [--batch 500] [--concurrency 4] [--rounds 3]
//
// The same spans, pre-encoded once as ExportTraceServiceRequest protobuf bodies of --batch spans, are sent by
// --concurrency senders to a fresh server (startServerInProcess of ../support/serve.ts, fresh SQLite file) per transport and round: POST /v1/traces, or the
// TraceService/Export gRPC call (one HTTP/2 connection, calls multiplexed). A round ends when every span is committed
// (the core's written counter = sent; the default ack is after commit). Rounds alternate HTTP and gRPC so machine load drifts hit both alike; the figure
// is the median gRPC/HTTP ratio, and each rate is also printed as a ratio to the raw limit of the same run (the SQLite
// adapter's own write of the same spans in 2,000-span batches).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { createAdapter } from '@rohas/telemetry-sqlite';
import { encodeTraceRequests } from '../support/otlp.js';
import { postTraces, startServerInProcess } from '../support/serve.js';
import { benchSpans } from '../support/spans.js';
import { median, printTable, ratio } from '../support/stats.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
  },
});
const N = Number(args.spans);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rohas-bench-grpc-'));
  dirs.push(d);
  return d;
};
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends every body with CONCURRENCY senders; returns [accepted, committed] spans/s. */
async function round(transport: 'http' | 'grpc', bodies: Buffer[]): Promise<[number, number, number]> {
  const { url, grpcPort, written, close } = await startServerInProcess(tempDir());
  const identity = (b: Buffer) => b;
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  let throttled = 0;
  try {
    const sendHttp = async (body: Buffer) => {
      throttled += (await postTraces(url, body)).throttled;
    };
    const sendGrpc = async (body: Buffer) => {
      for (;;) {
        const error = await new Promise<grpc.ServiceError | null>((res) =>
          client.makeUnaryRequest(TRACE_EXPORT, identity, identity, body, new grpc.Metadata(), (e) => res(e)),
        );
        if (!error) return;
        if (error.code !== grpc.status.RESOURCE_EXHAUSTED && error.code !== grpc.status.UNAVAILABLE) throw error;
        throttled++;
        await sleep(1000);
      }
    };
    const send = transport === 'http' ? sendHttp : sendGrpc;
    let next = 0;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < bodies.length; i = next++) await send(bodies[i]!);
      }),
    );
    const acceptedMs = performance.now() - t;
    while (written() < N) await sleep(20);
    const committedMs = performance.now() - t;
    return [N / (acceptedMs / 1000), N / (committedMs / 1000), throttled];
  } finally {
    client.close();
    await close();
  }
}

async function main() {
  console.log(
    `# OTLP/gRPC vs OTLP/HTTP protobuf ingest: ${N.toLocaleString('en-US')} spans, ${BATCH} spans a request, ${CONCURRENCY} senders, ${ROUNDS} rounds each (alternating), SQLite\n`,
  );
  // From trace 1: trace number 0 would get the all-zero trace id, which the receiver rightly refuses.
  const spans = benchSpans(N, { offset: 10 });
  const bodies = encodeTraceRequests(spans, BATCH);

  // The raw limit: the SQLite adapter writing the same spans directly.
  const directDir = tempDir();
  const adapter = await createAdapter({
    options: { type: 'sqlite', path: join(directDir, 'db') },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: directDir,
  });
  await adapter.init();
  const t = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const r = await adapter.traces!.write(spans.slice(i, i + 2000));
    if (!r.ok) throw r.error;
  }
  const directRate = N / ((performance.now() - t) / 1000);
  await adapter.close();

  const http: Array<[number, number, number]> = [];
  const grpcRuns: Array<[number, number, number]> = [];
  const ratios: number[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const h = await round('http', bodies);
      const g = await round('grpc', bodies);
      http.push(h);
      grpcRuns.push(g);
      ratios.push(g[1] / h[1]);
      console.log(
        `  round ${r + 1}: HTTP ${Math.round(h[1])} spans/s committed, gRPC ${Math.round(g[1])}; gRPC/HTTP ${(g[1] / h[1]).toFixed(3)}`,
      );
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const med = (runs: Array<[number, number, number]>, i: 0 | 1) => median(runs.map((x) => x[i]));
  printTable('OTLP ingest into SQLite through `serve` (spans/s, medians)', [
    ['adapter.traces.write, 2,000-span batches (raw limit)', directRate, ''],
    ['OTLP/HTTP protobuf -> committed', med(http, 1), ratio(med(http, 1), directRate)],
    ['OTLP/gRPC -> committed', med(grpcRuns, 1), ratio(med(grpcRuns, 1), directRate)],
    ['OTLP/HTTP protobuf -> accepted (200)', med(http, 0), ratio(med(http, 0), directRate)],
    ['OTLP/gRPC -> accepted (OK)', med(grpcRuns, 0), ratio(med(grpcRuns, 0), directRate)],
  ]);
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `\n  gRPC/HTTP committed ratio: median ${median(ratios).toFixed(3)} (min ${sorted[0]!.toFixed(3)}, max ${sorted[sorted.length - 1]!.toFixed(3)}); throttled answers: HTTP ${http.reduce((a, x) => a + x[2], 0)}, gRPC ${grpcRuns.reduce((a, x) => a + x[2], 0)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
