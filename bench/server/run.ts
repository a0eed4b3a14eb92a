// Server benchmark: OTLP/HTTP protobuf ingest into SQLite vs the SQLite adapter's direct write rate, and query
// latency under concurrent clients vs the adapter's direct query latency — each measured in the same run.
//
//   npm run build -w @rohas/telemetry-server && cd bench && node --conditions=@rohas/source --import tsx server/run.ts
//     [--spans 200000] [--batch 500] [--concurrency 4] [--clients 20] [--seconds 10] [--ingest-rate 10000]
//     [--phases 1,2,3,4] [--store DIR]   (--ingest-rate takes a list: phase 4 runs once per rate)
//
// 1. direct: adapter.traces.write(spans) in the core's default batch size (2,000) into a fresh SQLite file;
// 2. OTLP: the same spans, pre-encoded as ExportTraceServiceRequest protobuf bodies of --batch spans, POSTed by
//    --concurrency clients to `rohas-telemetry serve` (a separate process, as in production) until every span is
//    committed (the server's /telemetry/stats says written = sent) — once with `ack = "queued"` and once with the
//    default `ack = "committed"`, each into a fresh database; the ratio committed / queued is the cost of
//    acknowledging only what is durable;
// 3. queries: --clients concurrent HTTP clients for --seconds against the server (getTrace, trace search by service,
//    by attribute, by error + duration), vs the same queries made in-process on the adapter, one at a time;
// 4. the same mix with 1 client and with --clients clients while OTLP ingest of new spans runs at --ingest-rate
//    spans/s, with /healthz probed every 50 ms: queries/s (ratio to the 1-client figure), getTrace and /healthz p99,
//    and the server process's worst event-loop delay (measured inside it by ../support/loop-delay-preload.mjs).
//
// Without phase 2, phases 3 and 4 run against a server over a copy of phase 1's store. --store DIR keeps phase 1's
// store in DIR (DIR/server.json names its span count) and reuses it when it holds --spans spans: a run then skips
// the fill (and has no raw write limit for phase 2).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-sqlite';
import { type ServerProcess, startServerProcess, writeSqliteConfig } from '../support/serve.js';
import { printTable, ratio } from '../support/stats.js';
import { encodeRange, PER_TRACE, span } from './data.js';
import { ingestThroughServer } from './ingest.js';
import { workbenchMix } from './mix.js';
import { concurrentQueries } from './queries.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    clients: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    'ingest-rate': { type: 'string', default: '10000' },
    phases: { type: 'string', default: '1,2,3,4' },
    store: { type: 'string' },
  },
});
const N = Number(args.spans);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const CLIENTS = Number(args.clients);
const SECONDS = Number(args.seconds);
/** One phase-4 run per rate, on the same server (e.g. `--ingest-rate 10000,0.001`: with ingest, then almost none). */
const INGEST_RATES = args['ingest-rate']!.split(',').map(Number);
const PHASES = new Set(args.phases!.split(',').map(Number));

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rohas-bench-server-'));
  dirs.push(d);
  return d;
};
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

/** Phase 1: the spans written by the adapter itself (the raw limit of phase 2), or a kept store reused. */
async function directStore(): Promise<{ adapter: TelemetryAdapter; dbDir: string; rate?: number }> {
  const meta = args.store ? join(args.store, 'server.json') : undefined;
  const reuse = meta && existsSync(meta) && (JSON.parse(readFileSync(meta, 'utf8')) as { spans: number }).spans === N;
  const dbDir = args.store ?? join(tempDir(), 'db');
  if (args.store && !reuse) {
    rmSync(args.store, { recursive: true, force: true });
    mkdirSync(args.store, { recursive: true });
  }
  const adapter = await createAdapter({
    options: { type: 'sqlite', path: dbDir },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: dbDir,
  });
  await adapter.init();
  if (reuse) {
    console.log(`  store ${args.store}: ${N} spans written by an earlier run (no raw write limit this run)\n`);
    return { adapter, dbDir };
  }
  const t = performance.now();
  for (let i = 0; i < N; i += 2000) {
    const batch = Array.from({ length: Math.min(2000, N - i) }, (_, k) => span(i + k));
    const r = await adapter.traces!.write(batch);
    if (!r.ok) throw r.error;
  }
  const rate = N / ((performance.now() - t) / 1000);
  if (meta) writeFileSync(meta, JSON.stringify({ spans: N }));
  return { adapter, dbDir, rate };
}

/** A server over a copy of phase 1's store (phases 3 and 4 without phase 2). */
async function serverOverCopy(dbDir: string): Promise<ServerProcess> {
  const dir = tempDir();
  const copy = join(dir, 'db');
  mkdirSync(copy);
  for (const f of readdirSync(dbDir)) if (f.startsWith('telemetry.db')) copyFileSync(join(dbDir, f), join(copy, f));
  return startServerProcess(writeSqliteConfig(dir, { dbPath: copy }));
}

async function main() {
  console.log(
    `# rohas-telemetry server benchmark: ${N.toLocaleString('en-US')} spans, ${BATCH} spans a request, ${CONCURRENCY} senders; queries with ${CLIENTS} clients for ${SECONDS}s; phases ${[...PHASES].join(',')}\n`,
  );
  const { adapter, dbDir, rate: directRate } = await directStore();
  let server: ServerProcess | undefined;
  try {
    if (PHASES.has(2)) {
      const t = performance.now();
      const bodies = encodeRange(0, N, BATCH);
      const encodeMs = performance.now() - t;
      const bytes = bodies.reduce((a, b) => a + b.byteLength, 0);
      const send = { bodies, spans: N, concurrency: CONCURRENCY };
      const queued = await ingestThroughServer(tempDir(), 'queued', send);
      await queued.server.stop();
      const committed = await ingestThroughServer(tempDir(), 'committed', send);
      server = committed.server;
      const limit = directRate ?? Number.NaN;
      printTable('OTLP/HTTP protobuf ingest into SQLite (spans/s)', [
        ['adapter.traces.write, 2,000-span batches (raw limit)', directRate ?? 'n/a (store reused)', ''],
        [
          'ack = "queued": OTLP protobuf -> committed rows (end to end)',
          queued.ingestRate,
          ratio(queued.ingestRate, limit),
        ],
        ['ack = "queued": OTLP protobuf -> 200 responses', queued.acceptRate, ratio(queued.acceptRate, limit)],
        [
          'ack = "committed" (default): 200 responses = committed rows',
          committed.acceptRate,
          ratio(committed.acceptRate, limit),
        ],
      ]);
      console.log(
        `  ack after commit / ack on queue: ${(committed.acceptRate / queued.ingestRate).toFixed(2)} (end to end), ${(committed.acceptRate / queued.acceptRate).toFixed(2)} (200 answers); rows committed when the last 200 came: queued ${queued.ackedCommitted}/${N}, committed ${committed.ackedCommitted}/${N}`,
      );
      console.log(
        `  server main-thread CPU per 1,000 spans (does not grow with the machine's load): queued ${queued.mainCpuMsPer1000.toFixed(1)} ms, committed ${committed.mainCpuMsPer1000.toFixed(1)} ms`,
      );
      console.log(
        `  request bodies: ${bodies.length} x ~${Math.round(bytes / bodies.length / 1024)} KiB protobuf (encoded in ${Math.round(encodeMs)} ms, not timed); 429/503 answers: queued ${queued.throttled}, committed ${committed.throttled}; connection resets resent: ${queued.resets + committed.resets}\n`,
      );
    } else if (PHASES.has(3) || PHASES.has(4)) {
      server = await serverOverCopy(dbDir);
    }
    const traceCount = Math.ceil(N / PER_TRACE);
    if (PHASES.has(3) && server) {
      await concurrentQueries(server.url, adapter, { clients: CLIENTS, seconds: SECONDS, traceCount, stored: N });
    }
    let ingestFrom = N;
    for (const ingestRate of PHASES.has(4) && server ? INGEST_RATES : []) {
      await workbenchMix(server!, {
        clients: CLIENTS,
        seconds: SECONDS,
        ingestRate,
        batch: BATCH,
        senders: CONCURRENCY,
        traceCount,
        ingestFrom,
      });
      // New spans of the next run start past every span the earlier runs could have sent.
      ingestFrom += Math.ceil((ingestRate * SECONDS * 2) / BATCH + 2) * BATCH;
    }
  } finally {
    await server?.stop();
    await adapter.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
