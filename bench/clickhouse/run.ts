// ClickHouse adapter benchmark; every figure beside the raw limit measured in the same run.
//
//   node --conditions=@rohas/source --import tsx bench/clickhouse/run.ts [--spans 1000000] [--ingest 100000] [--rounds 3]
//        [--url http://user:password@host:8123]
//
// Without --url it serves the chdb engine (ClickHouse 26.x, installed by scripts/install-test-backends) over HTTP
// with the integration tests' bridge, in a throwaway folder, and removes it afterwards.
// 1. span ingest: adapter.traces.write in the core's default batches (2,000 spans, 2 in flight) vs a raw JSONEachRow
//    INSERT of the same rows, already encoded, 10,000 rows a request, 2 in flight, into an identical empty table;
// 2. getTrace / attribute findTraces latency at --spans stored spans vs the bare SQL underneath.
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type ClickHouseClient, createClient } from '@clickhouse/client';
import { DEFAULT_BATCH, type SpanRecord, type TelemetryAdapter } from '@rohas/telemetry';
import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { spanRow } from '../../adapters/clickhouse/src/traces.js';
import { benchSpans, hex } from '../support/spans.js';
import { median, percentile, printTable, ratio } from '../support/stats.js';
import { openAdapter, startBridge } from './engine.js';

const { values: args } = parseArgs({
  options: {
    spans: { type: 'string', default: '1000000' },
    ingest: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '3' },
    url: { type: 'string' },
  },
});
const STORED = Number(args.spans);
const INGEST = Number(args.ingest);
const ROUNDS = Number(args.rounds);
const BATCH = DEFAULT_BATCH.max_batch_size;
const IN_FLIGHT = DEFAULT_BATCH.max_concurrency;
const log = (m: string) => console.error(`[bench/clickhouse] ${m}`);

function makeSpans(count: number, offset = 0, salt = 0): SpanRecord[] {
  return benchSpans(count, { offset, traceId: (t) => hex(salt, 8) + hex(t, 24) });
}

/** Runs `tasks` with at most `n` in flight. */
async function inFlight(n: number, tasks: Array<() => Promise<void>>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < tasks.length) await tasks[next++]!();
    }),
  );
}

/** The raw limit: the same rows, already encoded as JSONEachRow text, 10,000 a request. */
async function rawInsert(client: ClickHouseClient, table: string, bodies: string[]): Promise<number> {
  const t = performance.now();
  await inFlight(
    IN_FLIGHT,
    bodies.map((body) => async () => {
      await client.exec({ query: `INSERT INTO ${table} FORMAT JSONEachRow`, values: Readable.from([body]) });
    }),
  );
  return performance.now() - t;
}

async function adapterInsert(a: TelemetryAdapter, spans: SpanRecord[]): Promise<number> {
  const t = performance.now();
  const tasks: Array<() => Promise<void>> = [];
  for (let i = 0; i < spans.length; i += BATCH) {
    const batch = spans.slice(i, i + BATCH);
    tasks.push(async () => {
      const r = await a.traces!.write(batch);
      if (!r.ok) throw r.error;
    });
  }
  await inFlight(IN_FLIGHT, tasks);
  return performance.now() - t;
}

const encode = (spans: SpanRecord[], per: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < spans.length; i += per)
    out.push(
      spans
        .slice(i, i + per)
        .map((s) => JSON.stringify(spanRow(s)))
        .join('\n'),
    );
  return out;
};

async function main(): Promise<void> {
  const own = args.url ? undefined : await startBridge();
  const url = args.url ?? own!.url;
  try {
    const client = createClient({ url, compression: { request: false, response: false }, request_timeout: 600_000 });
    // ---- 1. ingest -------------------------------------------------------------------------------------------------
    const raw = await openAdapter(url, 'bench_raw', false);
    const plain = await openAdapter(url, 'bench_adapter', false);
    const gzip = await openAdapter(url, 'bench_adapter_gz', true);
    const rates: Record<'raw' | 'plain' | 'gzip', number[]> = { raw: [], plain: [], gzip: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const db of ['bench_raw', 'bench_adapter', 'bench_adapter_gz'])
        await client.command({ query: `TRUNCATE TABLE ${db}.otel_traces` });
      const spans = makeSpans(INGEST, 0, round);
      const bodies = encode(spans, 10_000);
      rates.raw.push(INGEST / ((await rawInsert(client, 'bench_raw.otel_traces', bodies)) / 1000));
      rates.plain.push(INGEST / ((await adapterInsert(plain, spans)) / 1000));
      rates.gzip.push(INGEST / ((await adapterInsert(gzip, spans)) / 1000));
      log(
        `round ${round + 1}: raw ${Math.round(rates.raw[round]!)}, adapter ${Math.round(rates.plain[round]!)}, adapter+gzip ${Math.round(rates.gzip[round]!)} spans/s`,
      );
    }
    const rawMedian = median(rates.raw);
    printTable(`span ingest, ${INGEST.toLocaleString('en-US')} spans a round, median of ${ROUNDS} (rows/s)`, [
      ['raw JSONEachRow INSERT of the same rows, pre-encoded, 10,000 a request (the limit)', rawMedian, ''],
      [
        'adapter traces.write, 2,000-span batches, 2 in flight, compress = false',
        median(rates.plain),
        ratio(median(rates.plain), rawMedian),
      ],
      [
        'adapter traces.write, 2,000-span batches, 2 in flight, compress = true (default)',
        median(rates.gzip),
        ratio(median(rates.gzip), rawMedian),
      ],
    ]);
    console.log(
      `  per round ratios (adapter / raw): ${rates.plain.map((r, i) => (r / rates.raw[i]!).toFixed(2)).join(', ')}\n`,
    );
    for (const a of [raw, plain, gzip]) await a.close();

    // ---- 2. latency at STORED spans --------------------------------------------------------------------------------
    const q = await openAdapter(url, 'bench_query', false);
    await client.command({ query: 'TRUNCATE TABLE bench_query.otel_traces' });
    await client.command({ query: 'TRUNCATE TABLE bench_query.otel_traces_trace_id_ts' });
    const t0 = performance.now();
    for (let off = 0; off < STORED; off += 200_000) {
      const spans = makeSpans(Math.min(200_000, STORED - off), off, 7);
      await rawInsert(client, 'bench_query.otel_traces', encode(spans, 20_000));
    }
    await client.command({ query: 'OPTIMIZE TABLE bench_query.otel_traces FINAL' }).catch(() => {});
    log(`loaded ${STORED.toLocaleString('en-US')} spans in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const traces = STORED / 10;
    const ids = Array.from({ length: 200 }, (_, i) => hex(7, 8) + hex(Math.floor((i * 7919) % traces), 24));
    const time = async (fn: () => Promise<unknown>): Promise<number> => {
      const t = performance.now();
      await fn();
      return performance.now() - t;
    };
    const series = async (n: number, fn: (i: number) => Promise<unknown>) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push(await time(() => fn(i)));
      return out;
    };
    const caps = q.traces!.capabilities;
    const get = await series(ids.length, (i) => q.traces!.getTrace(ids[i]!));
    const getRaw = await series(ids.length, async (i) =>
      (
        await client.query({
          query: 'SELECT * FROM bench_query.otel_traces WHERE TraceId = {id:String}',
          query_params: { id: ids[i]! },
          format: 'JSONEachRow',
        })
      ).json(),
    );
    const rare = await series(30, (i) =>
      q.traces!.findTraces(
        normalizeTraceQuery({ attributes: { 'user.id': `u${(i * 331) % 10_000}` }, limit: 20 }, caps),
      ),
    );
    const rareRaw = await series(30, async (i) =>
      (
        await client.query({
          query: `SELECT TraceId, max(Timestamp) AS t FROM bench_query.otel_traces WHERE SpanAttributes['user.id'] = {v:String}
                  GROUP BY TraceId ORDER BY t DESC, TraceId DESC LIMIT 21`,
          query_params: { v: `u${(i * 331) % 10_000}` },
          format: 'JSONEachRow',
        })
      ).json(),
    );
    const common = await series(30, (i) =>
      q.traces!.findTraces(
        normalizeTraceQuery({ service: `svc-${i % 20}`, attributes: { 'http.status_code': 500 }, limit: 20 }, caps),
      ),
    );
    const row = (label: string, a: number[], r: number[]): [string, string, string] => [
      label,
      `${percentile(a, 0.5).toFixed(2)} / ${percentile(a, 0.99).toFixed(2)}`,
      `${ratio(percentile(a, 0.5), percentile(r, 0.5), true)} (raw ${percentile(r, 0.5).toFixed(2)} / ${percentile(r, 0.99).toFixed(2)})`,
    ];
    printTable(
      `at ${STORED.toLocaleString('en-US')} stored spans (${traces.toLocaleString('en-US')} traces), p50 / p99 ms`,
      [
        row('getTrace (10 spans, decoded) vs SELECT * WHERE TraceId = ...', get, getRaw),
        row('findTraces {user.id: u…} (1 in 10,000 spans), limit 20 vs the bare GROUP BY', rare, rareRaw),
        [
          'findTraces {service, http.status_code: 500 (typed)}, limit 20',
          `${percentile(common, 0.5).toFixed(2)} / ${percentile(common, 0.99).toFixed(2)}`,
          '',
        ],
      ],
    );
    await q.close();
    await client.close();
  } finally {
    await own?.stop();
  }
}

await main();
