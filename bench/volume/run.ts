// Volume benchmark: "a week of a real service" (week.ts) streamed into a backend through the adapter's public write
// API, then the read paths users take over it while ingest runs, then the retention sweep of one day.
//
//   cd bench && node --conditions=@rohas/source --import tsx volume/run.ts [--backend sqlite|postgres|influxdb]
//     [--spans 1000000] [--days 7] [--metric-series 1000] [--metric-interval 10] [--seed 1]
//     [--store DIR] [--fill-only] [--in-flight 4] [--chunk-spans 5000] [--fill-cache-mb 64] [--sweep-only] [--baseline-max-s 60] [--ingest-rate 10000] [--repeat 5] [--metric-repeat 3] [--page 100] [--pages 200] [--no-sweep]
//
// --store DIR keeps the filled SQLite store in DIR as a template (DIR/week.json names the options it was filled with):
// a run with the same options skips the fill and works on a copy of it, so every run starts from the same store
// (--fill-only fills DIR and stops). Figures: every read as p50 / max of
// --repeat runs, with its raw limit on SQLite (the same rows read by a prepared better-sqlite3 statement in the same
// run) and the ratio p50 / raw p50; page walks as ratios to their first page; the sweep as the longest write and read
// beside it vs the same loops with no sweep. The machine is shared: read the ratios, not the milliseconds.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { normalizeLogQuery, normalizeTraceQuery, type TelemetryAdapter } from '@rohas/telemetry/adapter';
import { printTable } from '../support/stats.js';
import { startIngest } from './live-ingest.js';
import { openAdapter, warmUp } from './open-adapter.js';
import { openRawReads, type RawReads } from './raw-sqlite.js';
import { finishRawReads, pointReads, walkPages } from './read-paths.js';
import { measureSweep } from './sweep.js';
import { bigTraceId, metricPointCount, type WeekChunk, type WeekOptions, weekOfService } from './week.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    spans: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '7' },
    'metric-series': { type: 'string', default: '1000' },
    'metric-interval': { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
    store: { type: 'string' },
    'ingest-rate': { type: 'string', default: '10000' },
    repeat: { type: 'string', default: '5' },
    'metric-repeat': { type: 'string', default: '3' },
    page: { type: 'string', default: '100' },
    pages: { type: 'string', default: '200' },
    'no-sweep': { type: 'boolean', default: false },
    'fill-only': { type: 'boolean', default: false },
    'in-flight': { type: 'string', default: '4' },
    'chunk-spans': { type: 'string', default: '5000' },
    'fill-cache-mb': { type: 'string' },
    'sweep-only': { type: 'boolean', default: false },
    'baseline-max-s': { type: 'string', default: '60' },
  },
});
const DAYS = Number(args.days);
const week: WeekOptions = {
  spans: Number(args.spans),
  days: DAYS,
  seed: Number(args.seed),
  metricSeries: Number(args['metric-series']),
  metricIntervalSec: Number(args['metric-interval']),
  // The week ends at the last full minute, so a kept store's meta names the same window on every run.
  endNano: BigInt(Math.floor(Date.now() / 60_000) * 60_000) * 1_000_000n,
};
// Spans per written chunk (a chunk's spans, logs and points are one write each). Not the default 5,000 only for big
// fills: a bigger chunk means fewer transactions, so an index's hot pages (the 1,000 series' tails of
// metric_points_series_time, the time indexes' right edges) are written to the WAL once per chunk instead of once per
// 5,000 spans. The generator's random sequence interleaves points and spans at chunk ends, so another chunk size is
// other data: a kept store names it in week.json.
const CHUNK_SPANS = Number(args['chunk-spans']);
if (!(CHUNK_SPANS >= 1)) throw new Error(`[bench] --chunk-spans must be a positive number, got ${args['chunk-spans']}`);
if (CHUNK_SPANS !== 5000) week.chunkSpans = CHUNK_SPANS;
const PAGE = Number(args.page);
const PAGES = Number(args.pages);
const REPEAT = Number(args.repeat);
const INGEST_RATE = Number(args['ingest-rate']);
const IN_FLIGHT = Math.max(1, Number(args['in-flight']));
/** Only the retention sweep (no page walks, point reads or live ingest): the sweep's own measuring run. */
const SWEEP_ONLY = args['sweep-only'];

interface Meta {
  options: Omit<WeekOptions, 'endNano'>;
  endNano: string;
}

async function writeChunk(adapter: TelemetryAdapter, chunk: WeekChunk): Promise<void> {
  const results = await Promise.all([
    chunk.spans.length ? adapter.traces!.write(chunk.spans) : undefined,
    chunk.logs.length ? adapter.logs!.write(chunk.logs) : undefined,
    chunk.points.length ? adapter.metrics!.write(chunk.points) : undefined,
  ]);
  for (const r of results) if (r && !r.ok) throw r.error;
}

/**
 * Streams the week into the adapter through its public write path: up to `--in-flight` chunks written while the next
 * ones are made (the write thread inserts one while this thread generates and encodes the next), so a big store fills
 * at the rate of the slower of the two, not their sum.
 */
async function fill(adapter: TelemetryAdapter): Promise<{ spans: number; logs: number; points: number; s: number }> {
  const totals = { spans: 0, logs: 0, points: 0, s: 0 };
  const began = performance.now();
  const inFlight: Promise<void>[] = [];
  let nextReport = week.spans / 20;
  for (const chunk of weekOfService(week)) {
    while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
    totals.spans += chunk.spans.length;
    totals.logs += chunk.logs.length;
    totals.points += chunk.points.length;
    inFlight.push(writeChunk(adapter, chunk));
    if (totals.spans >= nextReport) {
      nextReport += week.spans / 20;
      const s = (performance.now() - began) / 1000;
      console.error(
        `[bench] filled ${totals.spans} spans, ${totals.logs} logs, ${totals.points} points in ${s.toFixed(0)} s (${Math.round(totals.spans / s)} spans/s)`,
      );
    }
  }
  await Promise.all(inFlight);
  totals.s = (performance.now() - began) / 1000;
  return totals;
}

const { spans: _s, endNano: _e, chunkSpans: _c, ...rest } = week;
const metaOptions = { spans: week.spans, ...rest, ...(week.chunkSpans ? { chunkSpans: week.chunkSpans } : {}) };
const metaFile = args.store ? join(args.store, 'week.json') : undefined;
const meta: Meta | undefined =
  metaFile && existsSync(metaFile) ? (JSON.parse(readFileSync(metaFile, 'utf8')) as Meta) : undefined;
if (meta && JSON.stringify(meta.options) !== JSON.stringify(metaOptions))
  throw new Error(
    `[bench] ${metaFile} holds another week (${JSON.stringify(meta)}); remove it or pass the same options`,
  );
if (meta) week.endNano = BigInt(meta.endNano);
const endNano = week.endNano!;
const sweep = !args['no-sweep'] && DAYS >= 2;
// Retention keeps DAYS - 1 days, so a sweep at the end of the week removes its first day.
const keepDays = sweep ? DAYS - 1 : 0;
console.log(
  `# rohas-telemetry volume benchmark, ${args.backend}: a week of a service, ${week.spans.toLocaleString('en-US')} spans over ${DAYS} days, ${week.metricSeries} metric series every ${week.metricIntervalSec} s (${metricPointCount(week).toLocaleString('en-US')} points), seed ${week.seed}\n`,
);

async function fillAndReport(adapter: TelemetryAdapter): Promise<void> {
  const filled = await fill(adapter);
  printTable(`Fill (through adapter.*.write, chunks of ~${CHUNK_SPANS.toLocaleString('en-US')} spans)`, [
    ['spans / log records / metric points', `${filled.spans} / ${filled.logs} / ${filled.points}`, ''],
    ['seconds; spans/s', `${filled.s.toFixed(1)}; ${Math.round(filled.spans / filled.s)}`, ''],
  ]);
}

async function measureReads(adapter: TelemetryAdapter, raw: RawReads | undefined): Promise<void> {
  const ingest = startIngest(adapter, { rate: INGEST_RATE, seed: week.seed! + 1000, fromNano: endNano });
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const t = adapter.traces!;
  const l = adapter.logs!;
  const rows = [
    ...(await walkPages(
      `findTraces, no filter, ${PAGE} a page`,
      PAGES,
      (cursor) => t.findTraces(normalizeTraceQuery({ limit: PAGE, end: endNano, ...(cursor ? { cursor } : {}) })),
      raw && (() => raw!.tracePage(PAGE)),
    )),
    ...(await walkPages(`findTraces, service svc-00, ${PAGE} a page`, PAGES, (cursor) =>
      t.findTraces(
        normalizeTraceQuery({ service: 'svc-00', limit: PAGE, end: endNano, ...(cursor ? { cursor } : {}) }),
      ),
    )),
    ...(await walkPages(`queryLogs, no filter, ${PAGE} a page`, PAGES, (cursor) =>
      l.queryLogs(normalizeLogQuery({ limit: PAGE, end: endNano, ...(cursor ? { cursor } : {}) })),
    )),
  ];
  const reads = await pointReads(adapter, {
    endNano,
    bigTraceId: bigTraceId(week.seed),
    repeat: REPEAT,
    metricRepeat: Number(args['metric-repeat']),
    raw,
  });
  loop.disable();
  const ingested = await ingest.stop();
  finishRawReads();
  printTable('Paging while ingest runs (ratio = page / first page)', rows);
  printTable(
    `Reads while ingest runs (ratio = p50 / raw p50${raw ? ', raw reads run after the ingest stopped' : '; no raw limit on this backend'})`,
    reads,
  );
  printTable('Ingest beside the reads', [
    [
      'spans/s achieved (target)',
      `${Math.round(ingested.spans / ingested.seconds)} (${INGEST_RATE})`,
      (ingested.spans / ingested.seconds / INGEST_RATE).toFixed(2),
    ],
    ['log records written beside them', ingested.logs, ''],
    ['longest batch write, ms', ingested.maxWriteMs.toFixed(1), ''],
    ["bench process's worst event-loop delay during the reads, ms", (loop.max / 1e6).toFixed(1), ''],
  ]);
}

let runDir: string | undefined;
if (args.store) {
  if (args.backend !== 'sqlite') throw new Error('[bench] --store keeps a SQLite store; it needs --backend sqlite');
  if (!meta) {
    // --fill-cache-mb: the write connection's page cache during the fill (the adapter's public cache_size_mb option).
    const cacheMb = args['fill-cache-mb'] ? { options: { cache_size_mb: Number(args['fill-cache-mb']) } } : {};
    const template = await openAdapter('sqlite', { dir: args.store, ...cacheMb });
    try {
      await fillAndReport(template.adapter);
    } finally {
      await template.adapter.close();
    }
    writeFileSync(metaFile!, JSON.stringify({ options: metaOptions, endNano: String(endNano) }, null, 2));
  } else console.log(`  store ${args.store}: filled by an earlier run; this run reads a copy of it\n`);
  if (args['fill-only']) process.exit(0);
  runDir = mkdtempSync(join(tmpdir(), 'rohas-bench-volume-run-'));
  for (const f of readdirSync(args.store))
    if (f.startsWith('telemetry.db')) copyFileSync(join(args.store, f), join(runDir, f));
}
const { adapter, dir, done } = await openAdapter(args.backend!, {
  ...(runDir ? { dir: runDir } : {}),
  retention: { traces: keepDays, metrics: keepDays, logs: keepDays },
});
let raw: RawReads | undefined;
try {
  if (!args.store) await fillAndReport(adapter);
  if (args.backend === 'sqlite' && dir) raw = openRawReads(dir);

  await warmUp(adapter);
  if (!SWEEP_ONLY) await measureReads(adapter, raw);

  if (sweep) {
    const recent = await adapter.traces!.findTraces(normalizeTraceQuery({ limit: 20, end: endNano }));
    printTable(
      `Retention sweep of one day (keep ${keepDays} of ${DAYS} days; ratio = during / no sweep)`,
      await measureSweep(adapter, {
        nowNano: endNano,
        seed: week.seed! + 2000,
        readIds: recent.items.map((s) => s.traceId),
        baselineMaxS: Number(args['baseline-max-s']),
        ...(args.backend === 'sqlite' && dir ? { walFile: join(dir, 'telemetry.db-wal') } : {}),
      }),
    );
  } else {
    console.error(`[bench] retention sweep skipped (${DAYS < 2 ? '--days below 2' : '--no-sweep'})`);
  }
} finally {
  raw?.close();
  await adapter.close();
  await done();
  if (runDir) rmSync(runDir, { recursive: true, force: true });
}
