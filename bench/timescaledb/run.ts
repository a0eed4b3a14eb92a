// TimescaleDB / PostgreSQL adapter benchmark; every figure beside the raw limit measured in the same run.
//
//   node --conditions=@rohas/source --import tsx bench/timescaledb/run.ts [--spans 1000000] [--ingest 200000] [--url postgres://...]
//
// Without --url it starts a throwaway PostgreSQL (Debian's, plain mode) and removes it afterwards.
// 1. span ingest: adapter.traces.write in the core's default batch (2,000 spans; COPY and unnest paths) vs raw
//    COPY of the same rows, already encoded, straight into the same spans table (10,000 rows a COPY);
// 2. getTrace / findTraces latency at --spans stored spans vs the bare SQL index lookups underneath.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { DEFAULT_BATCH, type SpanRecord, type TelemetryAdapter } from '@rohas/telemetry';
import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { createAdapter } from '@rohas/telemetry-timescaledb';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { SPAN_COLUMNS, spanLine } from '../../adapters/timescaledb/src/codec.js';

import { benchSpans, hex, T0 } from '../support/spans.js';
import { median, percentile, printTable, ratio } from '../support/stats.js';
import { startPostgres } from './own-postgres.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    ingest: { type: 'string', default: '200000' },
    url: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
});
const STORED = Number(args.spans);
const INGEST = Number(args.ingest);
const ROUNDS = Number(args.rounds);
const BATCH = DEFAULT_BATCH.max_batch_size;
const SCHEMA = 'rohas_bench';
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

/** The shared benchmark spans; `salt` gives each round its own trace ids so no round re-writes another's spans. */
function makeSpans(count: number, offset = 0, salt = 0): SpanRecord[] {
  return benchSpans(count, { offset, traceId: (t) => hex(salt, 8) + hex(t, 24) });
}

async function openAdapter(url: string, options: Record<string, unknown> = {}): Promise<TelemetryAdapter> {
  const a = (await createAdapter({
    options: { type: 'timescaledb', connection_string: url, schema: SCHEMA, ...options },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: '.',
  })) as TelemetryAdapter;
  await a.init();
  return a;
}

/** The raw limit: pre-encoded CSV rows, COPY ... FROM STDIN straight into the spans table, 10,000 rows a COPY. */
async function rawCopy(client: pg.Client, spans: SpanRecord[]): Promise<number> {
  const chunks: string[] = [];
  for (let i = 0; i < spans.length; i += 10_000)
    chunks.push(
      spans
        .slice(i, i + 10_000)
        .map((s) => spanLine(s))
        .join(''),
    );
  const t = performance.now();
  for (const text of chunks) {
    const stream = client.query(copyFrom(`COPY ${SCHEMA}.spans (${SPAN_COLUMNS.join(', ')}) FROM STDIN`));
    await pipeline(Readable.from([Buffer.from(text)]), stream);
  }
  return (spans.length / (performance.now() - t)) * 1000;
}

async function adapterWrite(a: TelemetryAdapter, spans: SpanRecord[]): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < spans.length; i += BATCH) {
    const r = await a.traces!.write(spans.slice(i, i + BATCH));
    if (!r.ok) throw r.error;
  }
  return (spans.length / (performance.now() - t)) * 1000;
}

async function latency(runs: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    ms.push(performance.now() - t);
  }
  return { p50: median(ms), p99: percentile(ms, 0.99) };
}

const server = args.url ? undefined : await startPostgres();
// An interrupted run must not leave its throwaway server behind.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server?.stop();
    process.exit(130);
  });
}
const url = args.url ?? server!.url;
const client = new pg.Client(url);
await client.connect();
try {
  const version = (await client.query('SHOW server_version')).rows[0].server_version;
  console.log(
    `# timescaledb adapter bench on PostgreSQL ${version}${server ? ' (throwaway local server)' : ''}; ${INGEST.toLocaleString()} spans ingested per path, ${ROUNDS} rounds, median`,
  );
  const copyA = await openAdapter(url, { ingest: 'copy' });
  const unnestA = await openAdapter(url, { ingest: 'unnest' });
  const mode = (await copyA.health()).details?.mode;
  console.log(`# adapter mode: ${mode}\n`);

  // 1. ingest — each path into an empty table, the same rows (fresh trace ids per path and round).
  const raw: number[] = [];
  const viaCopy: number[] = [];
  const viaUnnest: number[] = [];
  let salt = 1;
  for (let r = 0; r < ROUNDS; r++) {
    for (const [list, run] of [
      [raw, (s: SpanRecord[]) => rawCopy(client, s)],
      [viaCopy, (s: SpanRecord[]) => adapterWrite(copyA, s)],
      [viaUnnest, (s: SpanRecord[]) => adapterWrite(unnestA, s)],
    ] as const) {
      await client.query(`TRUNCATE ${SCHEMA}.spans`);
      await client.query('CHECKPOINT');
      list.push(await run(makeSpans(INGEST, 0, salt++)));
    }
  }
  const rawM = median(raw);
  printTable('span ingest (rows/s)', [
    ['raw COPY of encoded rows, 10,000 a COPY (the limit)', rawM, ''],
    [
      `adapter write, ${BATCH.toLocaleString()}-span batches, ingest = copy (default)`,
      median(viaCopy),
      ratio(median(viaCopy), rawM),
    ],
    [
      `adapter write, ${BATCH.toLocaleString()}-span batches, ingest = unnest`,
      median(viaUnnest),
      ratio(median(viaUnnest), rawM),
    ],
  ]);

  // 2. query latency at STORED spans (loaded by raw COPY: generation and load time are not measured).
  await client.query(`TRUNCATE ${SCHEMA}.spans`);
  const tLoad = performance.now();
  const step = 100_000;
  for (let i = 0; i < STORED; i += step) await rawCopy(client, makeSpans(Math.min(step, STORED - i), i, 0));
  await client.query(`VACUUM ANALYZE ${SCHEMA}.spans`);
  console.log(`# loaded ${STORED.toLocaleString()} spans in ${((performance.now() - tLoad) / 1000).toFixed(1)} s\n`);
  const traces = STORED / 10;
  const pick = (i: number) => hex(0, 8) + hex((i * 7919) % traces, 24);
  const caps = copyA.traces!.capabilities;
  const q = (x: Parameters<typeof normalizeTraceQuery>[0]) => normalizeTraceQuery(x, caps);
  const RUNS = 200;

  const get = await latency(RUNS, (i) => copyA.traces!.getTrace(pick(i)));
  const rawGet = await latency(RUNS, (i) =>
    client.query(`SELECT * FROM ${SCHEMA}.spans WHERE trace_id = $1 ORDER BY start_ns, span_id`, [pick(i)]),
  );
  const newest = await latency(RUNS, () => copyA.traces!.findTraces(q({})));
  const rawNewest = await latency(RUNS, () =>
    client.query(
      `SELECT trace_id, start_ns FROM ${SCHEMA}.spans ORDER BY start_ns DESC, trace_id DESC, span_id DESC LIMIT 21`,
    ),
  );
  const byService = await latency(RUNS, (i) => copyA.traces!.findTraces(q({ service: `svc-${i % 20}` })));
  const rawService = await latency(RUNS, (i) =>
    client.query(
      `SELECT trace_id, start_ns FROM ${SCHEMA}.spans WHERE service_name = $1 ORDER BY start_ns DESC LIMIT 21`,
      [`svc-${i % 20}`],
    ),
  );
  const byAttr = await latency(RUNS, () => copyA.traces!.findTraces(q({ attributes: { 'http.status_code': 500 } })));
  const windowed = await latency(RUNS, (i) => {
    const start = T0 + BigInt((i * 37) % (traces - 1000)) * 800_000_000n;
    return copyA.traces!.findTraces(q({ service: 'svc-3', start, end: start + 3_600_000_000_000n }));
  });
  const errors = await latency(50, () => copyA.traces!.findTraces(q({ status: 'error', name: 'op-3' })));
  let cursor: string | undefined;
  const paged = await latency(50, async () => {
    const page = await copyA.traces!.findTraces(q({ service: 'svc-5', limit: 50, ...(cursor ? { cursor } : {}) }));
    cursor = page.nextCursor;
  });
  const services = await latency(20, () => copyA.traces!.listServices());
  const f = (x: { p50: number; p99: number }) => `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`;
  const rx = (a: { p50: number; p99: number }, b: { p50: number; p99: number }) =>
    `${ratio(a.p50, b.p50, true)} / ${ratio(a.p99, b.p99, true)} x raw`;
  printTable(`query latency at ${STORED.toLocaleString()} spans, p50 / p99 (ms)`, [
    ['raw: SELECT * WHERE trace_id = $1 (the limit)', f(rawGet), ''],
    ['getTrace (10 spans, decoded)', f(get), rx(get, rawGet)],
    ['raw: newest 21 spans by (start_ns, trace_id) index (the limit)', f(rawNewest), ''],
    ['findTraces {} (newest 20 traces, summaries)', f(newest), rx(newest, rawNewest)],
    ['raw: newest 21 spans of a service', f(rawService), ''],
    ['findTraces { service }', f(byService), rx(byService, rawService)],
    ["findTraces { attributes: { 'http.status_code': 500 } } (GIN)", f(byAttr), ''],
    ['findTraces { service, 1-hour window }', f(windowed), ''],
    ["findTraces { status: 'error', name } (rare match)", f(errors), ''],
    ['findTraces { service, limit 50 }, following the cursor', f(paged), ''],
    ['listServices (skip scan)', f(services), ''],
  ]);
  await copyA.close();
  await unnestA.close();
} finally {
  await client.end();
  server?.stop();
}
