// SQLite benchmark: every figure is printed beside the raw limit measured in the same run, as a ratio.
//
//   npm run bench:sqlite -w @rohas/bench            (or: node --import tsx bench/sqlite/run.ts [--spans 1000000])
//
// 1. span ingest: adapter.traces.write in the core's default batch size vs the same rows through one prepared
//    better-sqlite3 INSERT in 10,000-row transactions into the adapter's own schema;
// 2. end to end: tracer.startSpan() ... end() to committed rows through createTelemetry, with exported = created;
// 3. metric and log ingest vs their raw prepared inserts;
// 4. getTrace / findTraces latency at 1,000,000 stored spans vs a raw indexed lookup.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  createTelemetry,
  defaultConfig,
  type LogRecord,
  type MetricPoint,
  openStorage,
  type SpanRecord,
  type TelemetryAdapter,
} from '@rohas/telemetry';
import { encodeAnyValue, encodeAttributes, logBodyText, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { createAdapter, type SqliteAdapter } from '@rohas/telemetry-sqlite';
import { benchScope, benchSpans, hex, T0 } from '../support/spans.js';
import { median, percentile, printTable, ratio, timeIt } from '../support/stats.js';

const { values: args } = parseArgs({
  options: { spans: { type: 'string', default: '1000000' }, ingest: { type: 'string', default: '200000' } },
});
const STORED = Number(args.spans);
const INGEST = Number(args.ingest);
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rohas-bench-sqlite-'));
  dirs.push(d);
  return d;
};

/** Trace ids as an SDK makes them (random-looking, so the unique index is not filled in order), yet reproducible. */
const traceIdOf = (t: number) => createHash('md5').update(String(t)).digest('hex');
const resource = { attributes: { 'service.name': 'svc-0', 'host.name': 'bench', 'process.pid': 1 } };
const scope = benchScope;

/** The shared benchmark spans, with trace ids as an SDK makes them. */
function makeSpans(count: number, perTrace = 10, offset = 0): SpanRecord[] {
  return benchSpans(count, { perTrace, offset, traceId: traceIdOf });
}

async function openAdapter(dir: string): Promise<SqliteAdapter> {
  const a = (await createAdapter({
    options: { type: 'sqlite', path: dir },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: dir,
  })) as SqliteAdapter;
  await a.init();
  return a;
}

async function writeAll<T>(write: (b: T[]) => Promise<{ ok: boolean }>, items: T[], batch: number): Promise<void> {
  for (let i = 0; i < items.length; i += batch) {
    const r = await write(items.slice(i, i + batch));
    if (!r.ok) throw new Error('write failed');
  }
}

/** The raw limit: the same span rows through one prepared INSERT, 10,000 rows a transaction, same schema. */
async function rawSpanInsert(spans: SpanRecord[]): Promise<number> {
  const a = await openAdapter(tempDir());
  const db = a.connection;
  // Resource and scope rows exist, as they would after the first batch.
  db.prepare('INSERT INTO resources (id, json) VALUES (1, ?)').run(JSON.stringify(resource));
  db.prepare('INSERT INTO scopes (id, json) VALUES (1, ?)').run(JSON.stringify(scope));
  const rows = spans.map((s) => [
    s.traceId,
    s.spanId,
    s.parentSpanId ?? null,
    'svc-0',
    s.name,
    s.kind,
    s.startTimeUnixNano,
    s.endTimeUnixNano,
    s.endTimeUnixNano - s.startTimeUnixNano,
    s.status.code,
    null,
    encodeAttributes(s.attributes),
    null,
    null,
    null,
    1,
    1,
  ]);
  const insert = db.prepare(
    `INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, status_code, status_message, attributes, events, links, extra, resource_id, scope_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const tx = db.transaction((chunk: unknown[][]) => {
    for (const r of chunk) insert.run(...r);
  });
  const ms = timeIt(() => {
    for (let i = 0; i < rows.length; i += 10_000) tx(rows.slice(i, i + 10_000));
  });
  await a.close();
  return spans.length / (ms / 1000);
}

async function adapterSpanIngest(spans: SpanRecord[], batch: number): Promise<number> {
  const a = await openAdapter(tempDir());
  const started = performance.now();
  await writeAll((b) => a.traces!.write(b), spans, batch);
  const ms = performance.now() - started;
  await a.close();
  return spans.length / (ms / 1000);
}

/** The adapter as applications use it: behind the core's write queue (default batch size and concurrency). */
async function throughCoreQueue(spans: SpanRecord[]): Promise<number> {
  const storage = await openStorage(
    defaultConfig({ path: tempDir(), enable_metrics: false, enable_logs: false, max_cache_size: 0 }),
    { logger: silent },
  );
  const started = performance.now();
  for (let i = 0; i < spans.length; i += 1000) storage.ingestSpans(spans.slice(i, i + 1000));
  await storage.forceFlush();
  const ms = performance.now() - started;
  const s = storage.stats().traces!;
  await storage.shutdown();
  if (s.written !== spans.length) throw new Error(`core queue wrote ${s.written} of ${spans.length}`);
  return spans.length / (ms / 1000);
}

async function endToEnd(count: number): Promise<{ rate: number; created: number; written: number; dropped: number }> {
  const dir = tempDir();
  const telemetry = await createTelemetry(
    defaultConfig({ path: dir, service_name: 'e2e', enable_metrics: false, enable_logs: false, max_cache_size: 0 }),
    { logger: silent, registerGlobal: false },
  );
  const { tracer } = telemetry;
  const started = performance.now();
  for (let i = 0; i < count; i += 1000) {
    for (let j = 0; j < 1000; j++) {
      const span = tracer.startSpan(`op-${j % 50}`, {
        attributes: {
          'http.route': `/r${j % 20}`,
          'http.status_code': 200,
          'user.id': `u${i + j}`,
          retry: j % 2 === 0,
        },
      });
      span.end();
    }
    // An application yields to its event loop between bursts of work; the queue writes in those turns.
    await new Promise((r) => setImmediate(r));
  }
  await telemetry.forceFlush();
  const ms = performance.now() - started;
  const s = telemetry.stats();
  await telemetry.shutdown();
  return { rate: count / (ms / 1000), created: s.spansEnded, written: s.traces!.written, dropped: s.traces!.dropped };
}

function makePoints(count: number): MetricPoint[] {
  return Array.from({ length: count }, (_, n) => ({
    name: `metric.${n % 10}`,
    unit: 'ms',
    type: 'counter',
    temporality: 'cumulative',
    isMonotonic: true,
    attributes: { handler_name: `h${n % 100}`, status: n % 7 ? 'success' : 'error' },
    resource,
    scope,
    startTimeUnixNano: T0,
    timeUnixNano: T0 + BigInt(n) * 1_000_000n,
    value: n,
  }));
}

function makeLogs(count: number): LogRecord[] {
  return Array.from({ length: count }, (_, n) => ({
    timeUnixNano: T0 + BigInt(n) * 1_000_000n,
    observedTimeUnixNano: T0 + BigInt(n) * 1_000_000n,
    severityNumber: 9,
    severityText: 'INFO',
    body: `request ${n} handled in ${n % 100} ms`,
    attributes: { handler: `h${n % 100}` },
    traceId: traceIdOf(n),
    spanId: hex(n, 16),
    resource,
    scope,
  }));
}

async function rawInsert(table: 'metric_points' | 'logs', count: number): Promise<number> {
  const a = await openAdapter(tempDir());
  const db = a.connection;
  db.prepare('INSERT INTO resources (id, json) VALUES (1, ?)').run(JSON.stringify(resource));
  db.prepare('INSERT INTO scopes (id, json) VALUES (1, ?)').run(JSON.stringify(scope));
  let insert: (i: number) => void;
  if (table === 'metric_points') {
    db.prepare(
      "INSERT INTO metric_series (id, name, type, temporality, service, attributes, resource_id, scope_id) VALUES (1, 'm', 'counter', 'cumulative', 'svc-0', '{}', 1, 1)",
    ).run();
    const rows = makePoints(count).map((p) => [1, p.startTimeUnixNano, p.timeUnixNano, p.value, null]);
    const s = db.prepare(
      'INSERT INTO metric_points (series_id, start_ns, time_ns, value, data) VALUES (?, ?, ?, ?, ?)',
    );
    insert = (i) => s.run(...rows[i]!);
  } else {
    const rows = makeLogs(count).map((l) => [
      l.timeUnixNano,
      l.observedTimeUnixNano,
      9,
      'INFO',
      encodeAnyValue(l.body),
      Buffer.from(logBodyText(l.body)),
      encodeAttributes(l.attributes),
      l.traceId,
      l.spanId,
      null,
      'svc-0',
      1,
      1,
    ]);
    const s = db.prepare(
      'INSERT INTO logs (time_ns, observed_ns, severity_number, severity_text, body, body_text, attributes, trace_id, span_id, extra, service, resource_id, scope_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    insert = (i) => s.run(...rows[i]!);
  }
  const tx = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) insert(i);
  });
  const ms = timeIt(() => {
    for (let i = 0; i < count; i += 10_000) tx(i, Math.min(count, i + 10_000));
  });
  await a.close();
  return count / (ms / 1000);
}

async function adapterIngest<T>(
  items: T[],
  pick: (a: TelemetryAdapter) => (b: T[]) => Promise<{ ok: boolean }>,
): Promise<number> {
  const a = await openAdapter(tempDir());
  const started = performance.now();
  await writeAll(pick(a), items, 2000);
  const ms = performance.now() - started;
  await a.close();
  return items.length / (ms / 1000);
}

async function latency(run: () => unknown | Promise<unknown>, n: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await run();
    times.push(performance.now() - t);
  }
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

async function main(): Promise<void> {
  console.log(
    `# bench/sqlite — ${new Date().toISOString()}, node ${process.version}, ${INGEST.toLocaleString()} spans ingested, ${STORED.toLocaleString()} stored for queries\n`,
  );
  const spans = makeSpans(INGEST);
  // Three rounds each, medians: the machine is noisy, ratios within a run are what count.
  const raw = median([await rawSpanInsert(spans), await rawSpanInsert(spans), await rawSpanInsert(spans)]);
  const viaAdapter = median([
    await adapterSpanIngest(spans, 2000),
    await adapterSpanIngest(spans, 2000),
    await adapterSpanIngest(spans, 2000),
  ]);
  const viaAdapter10k = await adapterSpanIngest(spans, 10_000);
  const viaQueue = median([
    await throughCoreQueue(spans),
    await throughCoreQueue(spans),
    await throughCoreQueue(spans),
  ]);
  const e2e = await endToEnd(INGEST);
  const rawPoints = await rawInsert('metric_points', INGEST);
  const adapterPoints = await adapterIngest(makePoints(INGEST), (a) => (b) => a.metrics!.write(b));
  const rawLogs = await rawInsert('logs', INGEST);
  const adapterLogs = await adapterIngest(makeLogs(INGEST), (a) => (b) => a.logs!.write(b));

  printTable('ingest (rows/s)', [
    ['raw limit: prepared INSERT into spans, 10k rows/tx', raw, 1],
    ['adapter span write, 2,000-span batches (core default)', viaAdapter, ratio(viaAdapter, raw)],
    ['adapter span write, 10,000-span batches', viaAdapter10k, ratio(viaAdapter10k, raw)],
    ['adapter behind the core queue (2,000/batch, 2 in flight)', viaQueue, ratio(viaQueue, raw)],
    ['end to end: startSpan().end() -> committed row', e2e.rate, ratio(e2e.rate, raw)],
    ['raw limit: prepared INSERT into metric_points', rawPoints, 1],
    ['adapter metric point write', adapterPoints, ratio(adapterPoints, rawPoints)],
    ['raw limit: prepared INSERT into logs', rawLogs, 1],
    ['adapter log write', adapterLogs, ratio(adapterLogs, rawLogs)],
  ]);
  console.log(
    `end to end: created ${e2e.created}, written ${e2e.written}, dropped ${e2e.dropped} -> ${e2e.created === e2e.written && e2e.dropped === 0 ? 'exported = created' : 'SPANS LOST'}\n`,
  );

  // Queries at STORED spans: 10 spans a trace, 20 services, 20 routes, 10,000 users.
  const dir = tempDir();
  const a = await openAdapter(dir);
  const loadStart = performance.now();
  for (let off = 0; off < STORED; off += 50_000) {
    await writeAll((b) => a.traces!.write(b), makeSpans(Math.min(50_000, STORED - off), 10, off), 10_000);
  }
  console.log(`loaded ${STORED.toLocaleString()} spans in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
  a.connection.exec('ANALYZE');
  const traces = STORED / 10;
  const randomTrace = () => traceIdOf(Math.floor(Math.random() * traces));
  const rawLookup = a.connection.prepare('SELECT * FROM spans WHERE trace_id = ?');
  const raw1 = await latency(() => rawLookup.all(randomTrace()), 2000);
  const get = await latency(() => a.traces!.getTrace(randomTrace()), 2000);
  const caps = a.traces!.capabilities;
  const q = (query: Parameters<typeof normalizeTraceQuery>[0]) => () =>
    a.traces!.findTraces(normalizeTraceQuery(query, caps));
  const rnd = (n: number) => Math.floor(Math.random() * n);
  const byService = await latency(() => q({ service: `svc-${rnd(20)}`, limit: 20 })(), 200);
  const byAttr = await latency(
    () => q({ service: `svc-${rnd(20)}`, attributes: { 'http.route': `/r${rnd(20)}` }, limit: 20 })(),
    200,
  );
  const byRareAttr = await latency(() => q({ attributes: { 'user.id': `u${rnd(10_000)}` }, limit: 20 })(), 200);
  const byErrorWindow = await latency(
    () => q({ status: 'error', minDurationNano: 50_000_000n, start: T0, end: T0 + 3_600_000_000_000n, limit: 20 })(),
    100,
  );
  printTable(`query latency at ${STORED.toLocaleString()} spans (ms)`, [
    ['raw limit: prepared SELECT by trace_id (p50 / p99)', `${raw1.p50.toFixed(3)} / ${raw1.p99.toFixed(3)}`, 1],
    [
      'getTrace (p50 / p99)',
      `${get.p50.toFixed(3)} / ${get.p99.toFixed(3)}`,
      `${ratio(get.p50, raw1.p50, true)} / ${ratio(get.p99, raw1.p99, true)} x raw`,
    ],
    ['findTraces service, limit 20', `${byService.p50.toFixed(2)} / ${byService.p99.toFixed(2)}`, ''],
    ['findTraces service + http.route, limit 20', `${byAttr.p50.toFixed(2)} / ${byAttr.p99.toFixed(2)}`, ''],
    ['findTraces user.id (1 in 10,000), no service', `${byRareAttr.p50.toFixed(2)} / ${byRareAttr.p99.toFixed(2)}`, ''],
    [
      'findTraces status=error, duration>50ms, 1h window',
      `${byErrorWindow.p50.toFixed(2)} / ${byErrorWindow.p99.toFixed(2)}`,
      '',
    ],
  ]);
  await a.close();
}

try {
  await main();
} finally {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
