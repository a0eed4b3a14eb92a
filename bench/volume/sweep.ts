// The retention sweep of one day, measured by what it does to the writes and reads running beside it: a writer sends a
// 200-span batch every 20 ms and a reader alternates getTrace and a 20-trace search; the figure is the longest single
// write and read while the sweep runs (the issue's bar: 50 ms), beside the same loops' longest during a baseline of
// the same length with no sweep (the raw limit of this run), and the bench process's worst event-loop delay.
import { statSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { normalizeTraceQuery, type TelemetryAdapter } from '@rohas/telemetry/adapter';
import Database from 'better-sqlite3';
import { maxOf, percentile } from '../support/stats.js';
import { weekOfService } from './week.js';

type Row = [string, number | string, number | string];

const TRACE_MS = process.env.ROHAS_SQLITE_TRACE_MS ? Number(process.env.ROHAS_SQLITE_TRACE_MS) : undefined;

interface Loops {
  writes: number[];
  reads: number[];
  loopMaxMs: number;
  /** Size of the SQLite WAL file at the start and the largest seen (sampled every 250 ms), bytes; 0 when not SQLite. */
  walStartBytes: number;
  walMaxBytes: number;
}

/**
 * Bytes of the spans' attribute index (FTS5 `span_attr_index_data` blocks, tombstones included) of the SQLite file
 * beside `walFile`; undefined when not SQLite. Tombstones left by the sweep's deletes show as growth.
 */
function ftsIndexBytes(walFile: string | undefined): number | undefined {
  if (!walFile) return undefined;
  const db = new Database(walFile.replace(/-wal$/, ''), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT sum(length(block)) AS b FROM span_attr_index_data').get() as { b: number }).b;
  } finally {
    db.close();
  }
}

/** The WAL file's size now (0 when there is none): a WAL that keeps growing means checkpoints cannot keep up. */
function walBytes(file: string | undefined): number {
  if (!file) return 0;
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

async function withLoops(
  adapter: TelemetryAdapter,
  chunks: Generator<{ spans: import('@rohas/telemetry').SpanRecord[] }>,
  readIds: string[],
  body: () => Promise<void>,
  walFile?: string,
): Promise<Loops> {
  const out: Loops = { writes: [], reads: [], loopMaxMs: 0, walStartBytes: walBytes(walFile), walMaxBytes: 0 };
  let running = true;
  const wal = setInterval(() => {
    out.walMaxBytes = Math.max(out.walMaxBytes, walBytes(walFile));
  }, 250);
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const writer = (async () => {
    while (running) {
      const spans = chunks.next().value?.spans ?? [];
      const t = performance.now();
      const r = await adapter.traces!.write(spans);
      if (!r.ok) throw r.error;
      const took = performance.now() - t;
      out.writes.push(took);
      // With the SQLite write thread's tracer on (ROHAS_SQLITE_TRACE_MS), each slow write is logged beside its lines.
      if (TRACE_MS !== undefined && took >= TRACE_MS)
        console.error(
          `[bench] ${new Date(performance.timeOrigin + t).toISOString().slice(11, 23)} write took ${took.toFixed(1)} ms`,
        );
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  const reader = (async () => {
    for (let i = 0; running; i++) {
      const t = performance.now();
      if (i % 2) await adapter.traces!.getTrace(readIds[i % readIds.length]!);
      else await adapter.traces!.findTraces(normalizeTraceQuery({ limit: 20 }, adapter.traces!.capabilities));
      out.reads.push(performance.now() - t);
    }
  })();
  await body();
  running = false;
  await Promise.all([writer, reader]);
  clearInterval(wal);
  h.disable();
  out.loopMaxMs = h.max / 1e6;
  return out;
}

/** The bar: no write or read waits more than 50 ms during the sweep. Printed with the no-sweep worst beside it. */
const TARGET_MS = 50;

function target(kind: string, during: number[], baseline: number[]): Row {
  const worst = maxOf(during);
  const without = maxOf(baseline);
  const verdict =
    worst <= TARGET_MS
      ? 'MET'
      : without > TARGET_MS
        ? `NOT MET (${worst.toFixed(0)} ms; but ${without.toFixed(0)} ms with no sweep: the machine's own limit this run)`
        : `NOT MET (${worst.toFixed(0)} ms)`;
  return [`target: longest ${kind} during the sweep <= ${TARGET_MS} ms`, verdict, (worst / without).toFixed(2)];
}

export async function measureSweep(
  adapter: TelemetryAdapter,
  options: { nowNano: bigint; seed: number; readIds: string[]; baselineMaxS?: number; walFile?: string },
): Promise<Row[]> {
  const chunks = weekOfService({
    spans: 100_000_000,
    days: 1,
    endNano: options.nowNano + 86_400_000_000_000n,
    seed: options.seed,
    metricIntervalSec: 0,
    bigTraceSpans: 0,
    chunkSpans: 200,
  });
  console.error('[bench] retention sweep of one day');
  const indexBefore = ftsIndexBytes(options.walFile);
  let deleted: Record<string, number | undefined> = {};
  let sweepMs = 0;
  const during = await withLoops(
    adapter,
    chunks,
    options.readIds,
    async () => {
      const t = performance.now();
      deleted = { ...(await adapter.retention(options.nowNano)) };
      sweepMs = performance.now() - t;
    },
    options.walFile,
  );
  // Baseline: the same loops for as long as the sweep took (at least 3 s, at most --baseline-max-s), no sweep.
  const baselineMs = Math.min(Math.max(3000, sweepMs), (options.baselineMaxS ?? 60) * 1000);
  const baseline = await withLoops(
    adapter,
    chunks,
    options.readIds,
    () => new Promise((r) => setTimeout(r, baselineMs)),
    options.walFile,
  );
  const indexAfter = ftsIndexBytes(options.walFile);
  const mib = (b: number) => (b / 1048576).toFixed(1);
  const fmt = (v: number[]) => `max ${maxOf(v).toFixed(1)} / p99 ${percentile(v, 0.99).toFixed(1)} ms (n=${v.length})`;
  const ratio = (a: number[], b: number[]) => (maxOf(a) / maxOf(b)).toFixed(2);
  return [
    [
      'sweep: rows deleted (spans / points / logs)',
      `${deleted.traces ?? '?'} / ${deleted.metrics ?? '?'} / ${deleted.logs ?? '?'}`,
      '',
    ],
    [
      'sweep: duration; baseline (no sweep) duration',
      `${(sweepMs / 1000).toFixed(1)} s; ${(baselineMs / 1000).toFixed(1)} s`,
      '',
    ],
    ['write of 200 spans, no sweep (raw limit)', fmt(baseline.writes), ''],
    ['write of 200 spans, during the sweep', fmt(during.writes), ratio(during.writes, baseline.writes)],
    ['read (getTrace / 20-trace search), no sweep (raw limit)', fmt(baseline.reads), ''],
    ['read (getTrace / 20-trace search), during the sweep', fmt(during.reads), ratio(during.reads, baseline.reads)],
    target('write', during.writes, baseline.writes),
    target('read', during.reads, baseline.reads),
    [
      'SQLite WAL file, at start -> largest, during | no sweep (it grows when checkpoints cannot keep up)',
      `${mib(during.walStartBytes)} -> ${mib(during.walMaxBytes)} | ${mib(baseline.walStartBytes)} -> ${mib(baseline.walMaxBytes)} MiB`,
      '',
    ],
    ...(indexBefore !== undefined && indexAfter !== undefined
      ? [
          [
            'SQLite span attribute index (FTS5 data), before the sweep -> after it and the baseline',
            `${mib(indexBefore)} -> ${mib(indexAfter)} MiB`,
            (indexAfter / indexBefore).toFixed(2),
          ] as Row,
        ]
      : []),
    [
      'bench process event-loop delay max, no sweep | during',
      `${baseline.loopMaxMs.toFixed(1)} | ${during.loopMaxMs.toFixed(1)} ms`,
      '',
    ],
  ];
}
