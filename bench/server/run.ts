// Server benchmark: OTLP/HTTP protobuf ingest into SQLite vs the SQLite adapter's direct write rate, and query
// latency under 20 concurrent clients vs the adapter's direct query latency — each measured in the same run.
//
//   npm run build -w @rohas/telemetry-server && node --import tsx bench/server/run.ts [--spans 200000] [--batch 500]
//     [--concurrency 4] [--clients 20] [--seconds 10]
//
// 1. direct: adapter.traces.write(spans) in the core's default batch size (2,000) into a fresh SQLite file;
// 2. OTLP: the same spans, pre-encoded as ExportTraceServiceRequest protobuf bodies of --batch spans, POSTed by
//    --concurrency clients to `rohas-telemetry serve` (a separate process, as in production) until every span is
//    committed (the server's /telemetry/stats says written = sent) — once with `ack = "queued"` (200 once queued)
//    and once with the default `ack = "committed"` (200 once the batch holding the request is committed), each into
//    a fresh database; the ratio committed / queued is the cost of acknowledging only what is durable;
// 3. queries: --clients concurrent HTTP clients for --seconds against the OTLP-filled database (getTrace, trace
//    search by service, by attribute, logs), vs the same queries made in-process on the adapter, one at a time;
// 4. the same mix with 1 client and with --clients clients while OTLP ingest of new spans runs at --ingest-rate
//    spans/s, with /healthz probed every 50 ms: queries/s (ratio to the 1-client figure), getTrace and /healthz p99.
//    The server's own event-loop delay is not measured here (the server does not report it).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '@rohas/integration-tests/process-utils';
import type { SpanRecord, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { otlpTypes, toAnyValue } from '@rohas/telemetry-server';
import { createAdapter } from '@rohas/telemetry-sqlite';
import { percentile, printTable, ratio } from '../support/stats.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    'ingest-rate': { type: 'string', default: '10000' },
  },
});
const N = Number(args.spans);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const CLIENTS = Number(args.clients);
const SECONDS = Number(args.seconds);
const INGEST_RATE = Number(args['ingest-rate']);
const PER_TRACE = 10;
const SERVICES = 20;

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../packages/server/dist/cli.js');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rohas-bench-server-'));
  dirs.push(d);
  return d;
};
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;

/** Span n of the data set: 10 spans a trace, 20 services, four typed attributes. */
function span(n: number): SpanRecord {
  const t = Math.floor(n / PER_TRACE);
  const start = T0 + BigInt(n) * 10_000n;
  return {
    traceId: hex(t + 1, 32),
    spanId: hex(n + 1, 16),
    ...(n % PER_TRACE ? { parentSpanId: hex(t * PER_TRACE + 1, 16) } : {}),
    name: `op-${n % 50}`,
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(1 + (n % 997)) * 100_000n,
    status: { code: n % 53 === 0 ? 2 : 0 },
    attributes: {
      'http.route': `/r/${n % 100}`,
      'http.status_code': n % 53 === 0 ? 500 : 200,
      'user.id': `u${n % 5000}`,
      cached: n % 2 === 0,
    },
    events: [],
    links: [],
    resource: { attributes: { 'service.name': `svc-${t % SERVICES}`, 'host.name': 'bench' } },
    scope: { name: 'bench', version: '1.0.0' },
  };
}

/** The same spans as OTLP protobuf request bodies of BATCH spans, grouped by resource as an SDK would. */
function encodeRequests(from = 0, count = N): Uint8Array[] {
  const type = otlpTypes().traceRequest;
  const bodies: Uint8Array[] = [];
  for (let i = from; i < from + count; i += BATCH) {
    const byService = new Map<string, SpanRecord[]>();
    for (let n = i; n < Math.min(from + count, i + BATCH); n++) {
      const s = span(n);
      const key = s.resource.attributes['service.name'] as string;
      const list = byService.get(key);
      if (list) list.push(s);
      else byService.set(key, [s]);
    }
    const message = {
      resourceSpans: [...byService.values()].map((spans) => ({
        resource: {
          attributes: Object.entries(spans[0]!.resource.attributes).map(([key, v]) => ({ key, value: toAnyValue(v) })),
        },
        scopeSpans: [
          {
            scope: spans[0]!.scope,
            spans: spans.map((s) => ({
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
    bodies.push(type.encode(type.fromObject(message)).finish());
  }
  return bodies;
}

async function startServerProcess(
  dir: string,
  ack: 'queued' | 'committed',
): Promise<{ url: string; child: ChildProcess }> {
  const config = join(dir, 'rohas.toml');
  writeFileSync(
    config,
    `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'db').replaceAll('\\', '/')}"\nretention_days = 0\n\n[telemetry.server]\nack = "${ack}"\n`,
  );
  const port = await freePort();
  const prof = process.env.ROHAS_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ROHAS_BENCH_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, cli, 'serve', '--config', config, '--port', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((res, rej) => {
    child.once('exit', (code) => rej(new Error(`server exited with ${code}`)));
    // "listening on" is a diagnostic: stderr (stdout too, for older builds); the rest of stderr is passed through.
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) res();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) res();
      else process.stderr.write(chunk);
    });
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

async function written(url: string): Promise<number> {
  const res = await fetch(`${url}/telemetry/stats`);
  const body = (await res.json()) as { stats: { traces?: { written: number } } };
  return body.stats.traces?.written ?? 0;
}

async function main() {
  console.log(
    `# rohas-telemetry server benchmark: ${N.toLocaleString('en-US')} spans, ${BATCH} spans a request, ${CONCURRENCY} senders; queries with ${CLIENTS} clients for ${SECONDS}s\n`,
  );

  // 1. Direct adapter writes.
  const directDir = tempDir();
  const adapter: TelemetryAdapter = await createAdapter({
    options: { type: 'sqlite', path: join(directDir, 'db') },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: directDir,
  });
  await adapter.init();
  const all: SpanRecord[] = Array.from({ length: N }, (_, n) => span(n));
  let t = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const r = await adapter.traces!.write(all.slice(i, i + 2000));
    if (!r.ok) throw r.error;
  }
  const directRate = N / ((performance.now() - t) / 1000);

  // 2. OTLP/HTTP protobuf ingest through a running server.
  t = performance.now();
  const bodies = encodeRequests();
  const encodeMs = performance.now() - t;
  const bytes = bodies.reduce((a, b) => a + b.byteLength, 0);
  /** Sends every body with CONCURRENCY clients; returns the 200-answer and committed-rows rates. */
  async function ingest(ack: 'queued' | 'committed') {
    const server = await startServerProcess(tempDir(), ack);
    let throttled = 0;
    let resets = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < bodies.length; i = next++) {
          for (;;) {
            let res: Response;
            try {
              res = await fetch(`${server.url}/v1/traces`, {
                method: 'POST',
                body: bodies[i],
                headers: { 'content-type': 'application/x-protobuf' },
              });
            } catch {
              // A keep-alive connection closed by the server as the request went out: send it again (counted).
              resets++;
              continue;
            }
            await res.arrayBuffer();
            if (res.status === 200) break;
            if (res.status !== 429 && res.status !== 503) throw new Error(`export answered ${res.status}`);
            throttled++;
            await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
          }
        }
      }),
    );
    const acceptedMs = performance.now() - started;
    const acked = await written(server.url);
    while ((await written(server.url)) < N) await new Promise((r) => setTimeout(r, 20));
    const committedMs = performance.now() - started;
    return {
      ...server,
      throttled,
      resets,
      ackedCommitted: acked,
      acceptRate: N / (acceptedMs / 1000),
      ingestRate: N / (committedMs / 1000),
    };
  }
  const queued = await ingest('queued');
  queued.child.kill('SIGTERM');
  await new Promise((r) => queued.child.once('exit', r));
  const committed = await ingest('committed');
  const { url, child } = committed;
  try {
    printTable('OTLP/HTTP protobuf ingest into SQLite (spans/s)', [
      ['adapter.traces.write, 2,000-span batches (raw limit)', directRate, ''],
      [
        'ack = "queued": OTLP protobuf -> committed rows (end to end)',
        queued.ingestRate,
        ratio(queued.ingestRate, directRate),
      ],
      ['ack = "queued": OTLP protobuf -> 200 responses', queued.acceptRate, ratio(queued.acceptRate, directRate)],
      [
        'ack = "committed" (default): 200 responses = committed rows',
        committed.acceptRate,
        ratio(committed.acceptRate, directRate),
      ],
    ]);
    console.log(
      `  ack after commit / ack on queue: ${(committed.acceptRate / queued.ingestRate).toFixed(2)} (end to end), ${(committed.acceptRate / queued.acceptRate).toFixed(2)} (200 answers); rows committed when the last 200 came: queued ${queued.ackedCommitted}/${N}, committed ${committed.ackedCommitted}/${N}`,
    );
    console.log(
      `  request bodies: ${bodies.length} x ~${Math.round(bytes / bodies.length / 1024)} KiB protobuf (encoded in ${Math.round(encodeMs)} ms, not timed); 429/503 answers: queued ${queued.throttled}, committed ${committed.throttled}; connection resets resent: ${queued.resets + committed.resets}\n`,
    );

    // 3. Query latency: 20 concurrent HTTP clients vs the adapter in-process, one query at a time.
    const traceCount = Math.ceil(N / PER_TRACE);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const kinds = {
      getTrace: () => `/telemetry/traces/${hex(rand(traceCount) + 1, 32)}`,
      'findTraces service': () => `/telemetry/traces?service=svc-${rand(SERVICES)}&limit=20`,
      'findTraces attr': () => `/telemetry/traces?attr=http.route=/r/${rand(100)}&limit=20`,
      'findTraces error+duration': () => `/telemetry/traces?status=error&minDuration=50ms&limit=20`,
    } as const;
    const names = Object.keys(kinds) as Array<keyof typeof kinds>;
    const lat = new Map<string, number[]>(names.map((k) => [k, []]));
    const deadline = performance.now() + SECONDS * 1000;
    let failures = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let i = c; performance.now() < deadline; i++) {
          const kind = names[i % names.length]!;
          const started = performance.now();
          const res = await fetch(url + kinds[kind]());
          await res.arrayBuffer();
          if (res.status !== 200) failures++;
          lat.get(kind)!.push(performance.now() - started);
        }
      }),
    );
    // The same HTTP queries one at a time: separates the HTTP/JSON cost from queueing behind other clients.
    const serial = new Map<string, number[]>(names.map((k) => [k, []]));
    for (const kind of names) {
      for (let i = 0; i < 30; i++) {
        const started = performance.now();
        const res = await fetch(url + kinds[kind]());
        await res.arrayBuffer();
        serial.get(kind)!.push(performance.now() - started);
      }
    }
    const direct = new Map<string, number[]>(names.map((k) => [k, []]));
    const q = adapter.traces!;
    const directQueries: Record<string, () => Promise<unknown>> = {
      getTrace: () => q.getTrace(hex(rand(traceCount) + 1, 32)),
      'findTraces service': () =>
        q.findTraces(normalizeTraceQuery({ service: `svc-${rand(SERVICES)}`, limit: 20 }, q.capabilities)),
      'findTraces attr': () =>
        q.findTraces(
          normalizeTraceQuery({ attributes: { 'http.route': `/r/${rand(100)}` }, limit: 20 }, q.capabilities),
        ),
      'findTraces error+duration': () =>
        q.findTraces(normalizeTraceQuery({ status: 'error', minDurationNano: 50_000_000n, limit: 20 }, q.capabilities)),
    };
    for (const kind of names) {
      const runs = Math.max(20, Math.min(500, lat.get(kind)!.length));
      for (let i = 0; i < runs; i++) {
        const started = performance.now();
        await directQueries[kind]!();
        direct.get(kind)!.push(performance.now() - started);
      }
    }
    printTable(
      'Query latency, 1 HTTP client at a time (ratio = HTTP p50 / direct p50)',
      names.map((kind) => {
        const h = serial.get(kind)!;
        const d = direct.get(kind)!;
        return [
          `${kind}: HTTP p50 / p99 | direct p50`,
          `${percentile(h, 0.5).toFixed(2)} / ${percentile(h, 0.99).toFixed(2)} ms | ${percentile(d, 0.5).toFixed(2)} ms`,
          ratio(percentile(h, 0.5), percentile(d, 0.5), true),
        ];
      }),
    );
    const rows: Array<[string, string, string]> = [];
    const allHttp: number[] = [];
    for (const kind of names) {
      const h = lat.get(kind)!;
      const d = direct.get(kind)!;
      allHttp.push(...h);
      rows.push([
        `${kind}: HTTP p50 / p99 (n=${h.length}) | direct p50 / p99`,
        `${percentile(h, 0.5).toFixed(2)} / ${percentile(h, 0.99).toFixed(2)} ms | ${percentile(d, 0.5).toFixed(2)} / ${percentile(d, 0.99).toFixed(2)} ms`,
        ratio(percentile(h, 0.5), percentile(d, 0.5), true),
      ]);
    }
    printTable(
      `Query latency, ${CLIENTS} concurrent HTTP clients over ${N.toLocaleString('en-US')} stored spans (ratio = HTTP p50 / direct p50)`,
      rows,
    );
    const totalQps = allHttp.length / SECONDS;
    console.log(
      `  all queries: p50 ${percentile(allHttp, 0.5).toFixed(2)} ms, p99 ${percentile(allHttp, 0.99).toFixed(2)} ms, ${Math.round(totalQps)} queries/s, non-200: ${failures}`,
    );

    // 4. The Workbench's mix while ingest runs: 1 client, then CLIENTS clients, each phase with OTLP ingest at
    //    --ingest-rate spans/s of new spans and a /healthz probe every 50 ms.
    let ingestFrom = N;
    const phase = async (clients: number) => {
      const extra = encodeRequests(ingestFrom, Math.ceil((INGEST_RATE * SECONDS) / BATCH) * BATCH);
      ingestFrom += extra.length * BATCH;
      const end = performance.now() + SECONDS * 1000;
      const perKind = new Map<string, number[]>(names.map((k) => [k, []]));
      const healthz: number[] = [];
      let sent = 0;
      const ingest = (async () => {
        const began = performance.now();
        for (const body of extra) {
          if (performance.now() > end) break;
          const due = began + ((sent * BATCH) / INGEST_RATE) * 1000;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
          const res = await fetch(`${url}/v1/traces`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/x-protobuf' },
          });
          await res.arrayBuffer();
          sent++;
        }
      })();
      const probe = (async () => {
        while (performance.now() < end) {
          const started = performance.now();
          const res = await fetch(`${url}/healthz`);
          await res.arrayBuffer();
          healthz.push(performance.now() - started);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      await Promise.all(
        Array.from({ length: clients }, async (_, c) => {
          for (let i = c; performance.now() < end; i++) {
            const kind = names[i % names.length]!;
            const started = performance.now();
            const res = await fetch(url + kinds[kind]());
            await res.arrayBuffer();
            perKind.get(kind)!.push(performance.now() - started);
          }
        }),
      );
      await Promise.all([ingest, probe]);
      const all = [...perKind.values()].flat();
      return { qps: all.length / SECONDS, perKind, healthz, ingested: (sent * BATCH) / SECONDS, all };
    };
    const one = await phase(1);
    const many = await phase(CLIENTS);
    const fmt = (v: number[]) => `${percentile(v, 0.5).toFixed(2)} / ${percentile(v, 0.99).toFixed(2)} ms`;
    printTable(
      `Workbench mix while ingesting ~${INGEST_RATE.toLocaleString('en-US')} spans/s: ${CLIENTS} clients vs 1 client (ratio = ${CLIENTS}-client / 1-client queries/s)`,
      [
        ['queries/s, 1 client (raw limit)', one.qps.toFixed(1), ''],
        [`queries/s, ${CLIENTS} clients`, many.qps.toFixed(1), ratio(many.qps, one.qps)],
        ['all queries p50 / p99, 1 client', fmt(one.all), ''],
        [`all queries p50 / p99, ${CLIENTS} clients`, fmt(many.all), ''],
        ['getTrace p50 / p99, 1 client', fmt(one.perKind.get('getTrace')!), ''],
        [`getTrace p50 / p99, ${CLIENTS} clients`, fmt(many.perKind.get('getTrace')!), ''],
        ['/healthz p50 / p99, 1 client', fmt(one.healthz), ''],
        [`/healthz p50 / p99, ${CLIENTS} clients`, fmt(many.healthz), ''],
        ['spans/s ingested, 1 client | N clients', `${Math.round(one.ingested)} | ${Math.round(many.ingested)}`, ''],
      ],
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await adapter.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
