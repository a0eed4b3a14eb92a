// OTLP/gRPC vs OTLP/HTTP protobuf ingest, measured in the same run against `rohas-telemetry serve` over SQLite:
//
//   node --conditions=@rohas/source --import tsx bench/grpc/run.ts [--spans 100000] [--batch 500] [--concurrency 4] [--rounds 3]
//
// The same spans, pre-encoded once as ExportTraceServiceRequest protobuf bodies of --batch spans, are sent by
// --concurrency senders to a fresh server (startServer in this process, fresh SQLite file) per transport and round: POST /v1/traces, or the
// TraceService/Export gRPC call (one HTTP/2 connection, calls multiplexed). A round ends when every span is committed
// (the core's written counter = sent; the default ack is after commit). Rounds alternate HTTP and gRPC so machine load drifts hit both alike; the figure
// is the median gRPC/HTTP ratio, and each rate is also printed as a ratio to the raw limit of the same run (the SQLite
// adapter's own write of the same spans in 2,000-span batches).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { loadConfig, openStorage, type SpanRecord } from '@rohas/telemetry';
import { otlpTypes, startServer, toAnyValue } from '@rohas/telemetry-server';
import { createAdapter } from '@rohas/telemetry-sqlite';
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

function encodeRequests(spans: SpanRecord[]): Buffer[] {
  const type = otlpTypes().traceRequest;
  const bodies: Buffer[] = [];
  for (let i = 0; i < spans.length; i += BATCH) {
    const byService = new Map<string, SpanRecord[]>();
    for (const s of spans.slice(i, i + BATCH)) {
      const key = s.resource.attributes['service.name'] as string;
      const list = byService.get(key);
      if (list) list.push(s);
      else byService.set(key, [s]);
    }
    const message = {
      resourceSpans: [...byService.values()].map((list) => ({
        resource: {
          attributes: Object.entries(list[0]!.resource.attributes).map(([key, v]) => ({ key, value: toAnyValue(v) })),
        },
        scopeSpans: [
          {
            scope: list[0]!.scope,
            spans: list.map((s) => ({
              traceId: Buffer.from(s.traceId, 'hex'),
              spanId: Buffer.from(s.spanId, 'hex'),
              parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : undefined,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: s.startTimeUnixNano.toString(),
              endTimeUnixNano: s.endTimeUnixNano.toString(),
              attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: toAnyValue(v) })),
              status: { code: s.status.code },
            })),
          },
        ],
      })),
    };
    bodies.push(Buffer.from(type.encode(type.fromObject(message)).finish()));
  }
  return bodies;
}

const quiet = { info() {}, warn: console.warn, error: console.error };

/** A fresh SQLite file behind `startServer` (HTTP and gRPC), in this process. */
async function startServerInProcess() {
  const dir = tempDir();
  const storage = await openStorage(
    loadConfig(
      (() => {
        const config = join(dir, 'rohas.toml');
        writeFileSync(
          config,
          `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'db').replaceAll('\\', '/')}"\nretention_days = 0\n`,
        );
        return config;
      })(),
    ),
    { logger: silent },
  );
  const server = await startServer({ storage, port: 0, grpcPort: 'any', logger: quiet });
  const written = () => (storage.stats() as { traces?: { written: number } }).traces?.written ?? 0;
  return {
    url: server.url,
    grpcPort: server.grpcPort!,
    written,
    close: async () => {
      await server.close();
      await storage.shutdown();
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends every body with CONCURRENCY senders; returns [accepted, committed] spans/s. */
async function round(transport: 'http' | 'grpc', bodies: Buffer[]): Promise<[number, number, number]> {
  const { url, grpcPort, written, close } = await startServerInProcess();
  const identity = (b: Buffer) => b;
  const client = new grpc.Client(`127.0.0.1:${grpcPort}`, grpc.credentials.createInsecure());
  let throttled = 0;
  try {
    const sendHttp = async (body: Buffer) => {
      for (;;) {
        const res = await fetch(`${url}/v1/traces`, {
          method: 'POST',
          body,
          headers: { 'content-type': 'application/x-protobuf' },
        });
        await res.arrayBuffer();
        if (res.status === 200) return;
        if (res.status !== 429 && res.status !== 503) throw new Error(`export answered ${res.status}`);
        throttled++;
        await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
      }
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
  const bodies = encodeRequests(spans);

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
