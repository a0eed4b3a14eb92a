// Fills a ClickHouse store with 1,000,000 or 10,000,000 spans in the adapter's own table layout, fast and honestly:
//
//   node --conditions=@rohas/source --import tsx bench/clickhouse/fill.ts --store /tmp/r4-chvolume/store \
//        --database vol_1m --spans 1000000
//
// 1. A template of --template spans (100,000: 10,000 traces of 10 spans, 20 services, 50 operations, typed attributes,
//    one in 53 an error; the root span of each trace carries a `request.id`) is written through the adapter's own
//    traces.write, in the core's default batches, covering one hour (the newest hour of the store).
// 2. The engine multiplies it: `INSERT INTO otel_traces SELECT ... FROM otel_traces, numbers(...)`, copy c an hour
//    earlier than copy c-1, with new trace ids (MD5 of the old id and c), span ids and parent ids (the same), event
//    times, link ids and `request.id` (`<old>-<c>`) rewritten; every other column is copied as the adapter wrote it.
//    The trace-id lookup table fills through its materialized view, as on any insert.
// 3. A sample of copied traces is read back with getTrace and must equal its template trace with exactly those
//    rewrites (bigint times, typed attributes and all); the fill fails otherwise.
//
// The store (chdb's data folder) is left in place for bench/clickhouse/volume.ts. Running it again on a filled
// database does nothing unless --force (which drops the database first).
import { deepStrictEqual } from 'node:assert/strict';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { DEFAULT_BATCH, type SpanRecord, type TelemetryAdapter } from '@rohas/telemetry';
import { openAdapter, startBridge } from './engine.js';
import { copyTraceId, expectedCopy, HOUR_NS, TEMPLATE_START, templateSpans } from './template.js';

const { values: args } = parseArgs({
  options: {
    store: { type: 'string', default: '/tmp/r4-chvolume/store' },
    database: { type: 'string', default: 'vol_1m' },
    spans: { type: 'string', default: '1000000' },
    template: { type: 'string', default: '100000' },
    verify: { type: 'string', default: '30' },
    force: { type: 'boolean', default: false },
  },
});
const log = (m: string) => console.error(`[bench/clickhouse/fill] ${new Date().toISOString().slice(11, 19)} ${m}`);
const TEMPLATE = Number(args.template);
const TOTAL = Number(args.spans);
const COPIES = Math.ceil(TOTAL / TEMPLATE);
const DB = args.database!;
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(DB)) throw new Error(`--database ${DB}: letters, digits and _ only`);

const md5Sql = (x: string) => `lower(hex(MD5(concat(${x}, '/', toString(c)))))`;
const spanIdSql = (x: string) => `if(${x} = '', '', substring(${md5Sql(x)}, 1, 16))`;
/** Columns the multiply rewrites; every other column of otel_traces is copied unchanged. */
const REWRITE: Record<string, string> = {
  Timestamp: `Timestamp - toIntervalNanosecond(c * ${HOUR_NS})`,
  TraceId: md5Sql('TraceId'),
  SpanId: spanIdSql('SpanId'),
  ParentSpanId: spanIdSql('ParentSpanId'),
  'Events.Timestamp': `arrayMap(x -> x - toIntervalNanosecond(c * ${HOUR_NS}), \`Events.Timestamp\`)`,
  'Links.TraceId': `arrayMap(x -> ${md5Sql('x')}, \`Links.TraceId\`)`,
  'Links.SpanId': `arrayMap(x -> ${spanIdSql('x')}, \`Links.SpanId\`)`,
  SpanAttributes: `mapApply((k, v) -> (k, if(k = 'request.id', concat(v, '-', toString(c)), v)), SpanAttributes)`,
};

async function writeTemplate(a: TelemetryAdapter, spans: SpanRecord[]): Promise<void> {
  const batch = DEFAULT_BATCH.max_batch_size;
  let next = 0;
  await Promise.all(
    Array.from({ length: DEFAULT_BATCH.max_concurrency }, async () => {
      while (next < spans.length) {
        const i = next;
        next += batch;
        const r = await a.traces!.write(spans.slice(i, i + batch));
        if (!r.ok) throw r.error;
      }
    }),
  );
}

async function main(): Promise<void> {
  const bridge = await startBridge(args.store);
  try {
    const client = createClient({ url: bridge.url, request_timeout: 3_600_000 });
    const count = async (q: string) =>
      Number(((await (await client.query({ query: q, format: 'JSONEachRow' })).json()) as Array<{ n: string }>)[0]!.n);
    if (args.force) await client.command({ query: `DROP DATABASE IF EXISTS ${DB} SYNC` });
    const a = await openAdapter(bridge.url, DB, true);
    const T = `${DB}.otel_traces`;
    const have = await count(`SELECT count() AS n FROM ${T}`);
    const template = templateSpans(TEMPLATE);
    if (have === 0) {
      let t = performance.now();
      await writeTemplate(a, template);
      log(
        `template: ${TEMPLATE.toLocaleString('en-US')} spans through the adapter in ${((performance.now() - t) / 1000).toFixed(1)} s`,
      );
      const cols = (await (
        await client.query({
          query: `SELECT name FROM system.columns WHERE database = {db:String} AND table = 'otel_traces' ORDER BY position`,
          query_params: { db: DB },
          format: 'JSONEachRow',
        })
      ).json()) as Array<{ name: string }>;
      const names = cols.map((c) => c.name);
      for (const k of Object.keys(REWRITE)) if (!names.includes(k)) throw new Error(`otel_traces has no column ${k}`);
      const list = names.map((n) => `\`${n}\``).join(', ');
      const select = names.map((n) => REWRITE[n] ?? `\`${n}\``).join(', ');
      const step = Math.max(1, Math.floor(2_000_000 / TEMPLATE));
      t = performance.now();
      for (let c = 1; c < COPIES; c += step) {
        const n = Math.min(step, COPIES - c);
        await client.command({
          query: `INSERT INTO ${T} (${list})
                  SELECT ${select} FROM ${T}, (SELECT number AS c FROM numbers(${c}, ${n})) AS copies
                  WHERE Timestamp >= fromUnixTimestamp64Nano(toInt64(${TEMPLATE_START}))`,
          clickhouse_settings: { max_insert_threads: '2' },
        });
        log(`copies ${c}..${c + n - 1} of ${COPIES - 1}: ${((performance.now() - t) / 1000).toFixed(1)} s`);
      }
    } else if (have !== COPIES * TEMPLATE) {
      throw new Error(`${T} holds ${have} spans, not ${COPIES * TEMPLATE}: run again with --force`);
    } else log(`${T} already holds ${have.toLocaleString('en-US')} spans`);
    const spans = await count(`SELECT count() AS n FROM ${T}`);
    const traces = await count(`SELECT uniqExact(TraceId) AS n FROM ${DB}.otel_traces_trace_id_ts`);
    const parts = await count(
      `SELECT count() AS n FROM system.parts WHERE database = '${DB}' AND table = 'otel_traces' AND active`,
    );
    log(
      `${T}: ${spans.toLocaleString('en-US')} spans, ${traces.toLocaleString('en-US')} traces in the lookup table, ${parts} active parts`,
    );
    if (spans !== COPIES * TEMPLATE || traces !== spans / 10) throw new Error('the store does not hold what it should');

    // Copies read back through getTrace exactly as their template trace, with the documented rewrites.
    const byTrace = new Map<string, SpanRecord[]>();
    for (const s of template) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    const ids = [...byTrace.keys()];
    const checks = Number(args.verify);
    for (let i = 0; i < checks; i++) {
      const id = ids[(i * 7919) % ids.length]!;
      const c = i === 0 ? COPIES - 1 : 1 + ((i * 104_729) % (COPIES - 1));
      const want = await a.traces!.getTrace(id);
      if (!want) throw new Error(`template trace ${id} not found`);
      const got = await a.traces!.getTrace(copyTraceId(id, c));
      deepStrictEqual(got, expectedCopy(want, c), `copy ${c} of ${id}`);
    }
    log(`verified: ${checks} copied traces read back through getTrace equal to their template, rewrites applied`);
    await a.close();
    await client.close();
  } finally {
    await bridge.stop();
  }
}

await main();
