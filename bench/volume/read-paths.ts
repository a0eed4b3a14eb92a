// The read paths users take over the week's store, each timed through the adapter's public query API and (on SQLite)
// beside its raw limit: the same rows read by a prepared better-sqlite3 statement in the same run (raw-sqlite.ts).
import {
  normalizeLogQuery,
  normalizeMetricQuery,
  normalizeTraceQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { maxOf, median, percentile } from '../support/stats.js';
import type { RawReads } from './raw-sqlite.js';
import { RARE_WORD, WEEK_METRIC } from './week.js';

type Row = [string, number | string, number | string];

const MIN_NS = 60_000_000_000n;
const HOUR_NS = 60n * MIN_NS;
const DAY_NS = 24n * HOUR_NS;

export interface ReadPathOptions {
  /** End of the stored week (the windows of the metric reads end here). */
  endNano: bigint;
  bigTraceId: string;
  repeat: number;
  /** Repeats of the metric reads (the 7-day one reads every stored point of the week). */
  metricRepeat: number;
  raw?: RawReads;
}

const ms = (v: number) => v.toFixed(v < 10 ? 2 : 1);

/**
 * Raw reads are synchronous (better-sqlite3 on this thread) and would stall the ingest running beside the adapter's
 * reads, so they are queued here and run once the ingest has stopped ({@link finishRawReads}), in the same run.
 */
const rawQueue: Array<() => void> = [];

export function finishRawReads(): void {
  for (const fn of rawQueue.splice(0)) fn();
}

/**
 * Runs `fn` `repeat` times; one row per path, whose raw-limit part is filled in by finishRawReads. `describe` adds
 * what the first answer held to the label.
 */
async function measure<T>(
  label: string,
  repeat: number,
  fn: () => Promise<T>,
  raw?: () => number,
  describe?: (first: T) => string,
): Promise<Row> {
  console.error(`[bench] ${label}`);
  const times: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    const answer = await fn();
    times.push(performance.now() - t);
    if (i === 0 && describe) label += ` (${describe(answer)})`;
  }
  const figure = `p50 ${ms(median(times))} / max ${ms(maxOf(times))} ms`;
  if (!raw) return [`${label} (n=${repeat})`, figure, 'n/a'];
  const row: Row = [`${label} (n=${repeat}) | raw p50`, figure, ''];
  rawQueue.push(() => {
    const raws = Array.from({ length: repeat }, raw);
    row[1] = `${figure} | ${ms(median(raws))} ms`;
    row[2] = (median(times) / median(raws)).toFixed(1);
  });
  return row;
}

/**
 * Walks `pages` pages of a search (or until no cursor is left): first page, page 50, the deepest page reached, the
 * median and the slowest page; the ratios are to the first page (the issue: slowest / first <= 2).
 */
export async function walkPages(
  label: string,
  pages: number,
  page: (cursor?: string) => Promise<{ items: unknown[]; nextCursor?: string }>,
  rawFirst?: () => number,
): Promise<Row[]> {
  console.error(`[bench] ${label}: walking up to ${pages} pages`);
  const times: number[] = [];
  let cursor: string | undefined;
  let seen = 0;
  do {
    const t = performance.now();
    const p = await page(cursor);
    times.push(performance.now() - t);
    seen += p.items.length;
    cursor = p.nextCursor;
  } while (cursor && times.length < pages);
  const first = times[0]!;
  const at = (n: number) => (times.length >= n ? `${ms(times[n - 1]!)} ms` : 'not reached');
  const rows: Row[] = [
    [`${label}: pages walked (items)`, `${times.length} (${seen})${cursor ? ', more left' : ', to the end'}`, ''],
    [`${label}: first page (raw limit of the walk)`, `${ms(first)} ms`, ''],
    [`${label}: page 50`, at(50), times.length >= 50 ? (times[49]! / first).toFixed(2) : ''],
    [`${label}: deepest page (${times.length})`, `${ms(times.at(-1)!)} ms`, (times.at(-1)! / first).toFixed(2)],
    [`${label}: median page`, `${ms(median(times))} ms`, (median(times) / first).toFixed(2)],
    [`${label}: p95 page`, `${ms(percentile(times, 0.95))} ms`, (percentile(times, 0.95) / first).toFixed(2)],
    [`${label}: slowest page`, `${ms(maxOf(times))} ms`, (maxOf(times) / first).toFixed(2)],
    [`${label}: target slowest / first <= 2`, maxOf(times) / first <= 2 ? 'MET' : 'NOT MET', ''],
  ];
  if (rawFirst) {
    const row: Row = [`${label}: raw index walk of one page (SQLite); ratio first / raw`, '', ''];
    rows.splice(2, 0, row);
    rawQueue.push(() => {
      const r = median([rawFirst(), rawFirst(), rawFirst()]);
      row[1] = `${ms(r)} ms`;
      row[2] = (first / r).toFixed(1);
    });
  }
  return rows;
}

export async function pointReads(adapter: TelemetryAdapter, o: ReadPathOptions): Promise<Row[]> {
  const t = adapter.traces!;
  const l = adapter.logs!;
  const m = adapter.metrics!;
  const raw = o.raw;
  const rows: Row[] = [];
  rows.push(
    await measure(
      'getTrace, the 5,000-span trace',
      o.repeat,
      async () => {
        const spans = await t.getTrace(o.bigTraceId);
        if (!spans) throw new Error(`[bench] the 5,000-span trace ${o.bigTraceId} is not in the store`);
        return spans;
      },
      raw && (() => raw.getTrace(o.bigTraceId)),
      (spans) => `${spans.length} spans`,
    ),
  );
  const recent = await t.findTraces(normalizeTraceQuery({ limit: 20, end: o.endNano }, t.capabilities));
  const some = recent.items.map((s) => s.traceId);
  let k = 0;
  rows.push(
    await measure(
      'getTrace, a recent trace of the week',
      o.repeat * 4,
      () => t.getTrace(some[k++ % some.length]!),
      raw && (() => raw.getTrace(some[k % some.length]!)),
    ),
  );
  rows.push(await measure('listServices', o.repeat, () => t.listServices(), raw && (() => raw.services())));
  const windows: Array<[string, bigint, bigint]> = [
    ['1 h, step 1 min', HOUR_NS, MIN_NS],
    ['24 h, step 5 min', DAY_NS, 5n * MIN_NS],
    ['7 d, step 5 min', 7n * DAY_NS, 5n * MIN_NS],
  ];
  for (const [name, span, step] of windows) {
    // The window starts on a multiple of its step, as Grafana and Prometheus's query_range align it (the week ends on
    // a whole minute, not a whole five minutes). The SQLite rollup answers only windows that start on a five-minute
    // boundary, so an unaligned start made the 24 h and 7 d reads take the raw points (74 s for 7 d at 10M spans).
    const start = ((o.endNano - span) / step) * step;
    const q = normalizeMetricQuery(
      { name: WEEK_METRIC, start, end: o.endNano, stepNano: step, groupBy: ['http.route'], aggregation: 'avg' },
      m.capabilities,
    );
    rows.push(
      await measure(
        `queryMetrics ${name}, grouped by http.route`,
        o.metricRepeat,
        () => m.queryMetrics(q),
        raw && (() => raw.metric(WEEK_METRIC, 'http.route', start, o.endNano, step)),
        (series) => `${series.length} series, ${series.reduce((a, x) => a + x.points.length, 0)} points`,
      ),
    );
  }
  const logsBy = async (label: string, query: Parameters<typeof normalizeLogQuery>[0], rawRead?: () => number) => {
    const q = normalizeLogQuery({ limit: 100, ...query }, l.capabilities);
    rows.push(
      await measure(
        `queryLogs ${label}`,
        o.repeat,
        () => l.queryLogs(q),
        rawRead,
        (page) => `${page.items.length} a page`,
      ),
    );
  };
  await logsBy(
    'by trace (the big trace)',
    { traceId: o.bigTraceId },
    raw && (() => raw.logsByTrace(o.bigTraceId, 100)),
  );
  await logsBy(`by text "${RARE_WORD}"`, { text: RARE_WORD }, raw && (() => raw.logsByText(RARE_WORD, 100)));
  await logsBy('by severity >= ERROR', { minSeverity: 17 }, raw && (() => raw.logsBySeverity(17, 100)));
  return rows;
}
