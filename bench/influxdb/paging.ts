/*
 * InfluxDB paging at volume (issue 13): pages through the stores paging-fill.ts left in a kept influxd folder —
 * findTraces({ service, limit }) and queryLogs({ service, limit }) until no cursor is left — and prints, per store,
 * the first page, the median and slowest page, slowest ÷ first (target ≤ 2), and each page beside the raw limit of
 * the same run: a bare InfluxQL SELECT of the same page's points (every column, ORDER BY time DESC LIMIT page) through
 * fetch + JSON.parse, the least a page of that many records can cost on this server. Then whether each target of the
 * issue is met (a page of 1,000 < 500 ms; slowest ÷ first ≤ 2).
 *
 *   node --conditions=@rohas/source --import tsx influxdb/paging.ts [--dir /tmp/r4-influx/influxd]
 *        [--layouts spread,dense] [--page 1000] [--max-seconds 50] [--signals traces,logs]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeLogQuery, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { median, percentile } from '../support/stats.js';
import { startInfluxd } from './influxd.js';
import { DEFAULT_DIR, pagingAdapter, SERVICE } from './paging-data.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: DEFAULT_DIR },
    layouts: { type: 'string', default: 'spread,dense' },
    signals: { type: 'string', default: 'traces,logs' },
    page: { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '50' },
  },
});
const PAGE = Number(args.page);
const MAX_MS = Number(args['max-seconds']) * 1000;
const meta = JSON.parse(readFileSync(join(args.dir!, 'fill.json'), 'utf8')) as Record<
  string,
  { database: string; traces: number; logs: number }
>;

/** A bare InfluxQL query through fetch + JSON.parse: the raw limit. Returns its milliseconds and row count. */
async function raw(url: string, db: string, q: string): Promise<{ ms: number; rows: number }> {
  const t = performance.now();
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q, db, epoch: 'ns' }) });
  const doc = JSON.parse(await res.text()) as { results: Array<{ series?: Array<{ values: unknown[] }> }> };
  const rows = (doc.results[0]?.series ?? []).reduce((a, s) => a + s.values.length, 0);
  return { ms: performance.now() - t, rows };
}

interface Walk {
  label: string;
  stored: number;
  seen: number;
  pages: number[];
  raws: number[];
  stopped: boolean;
}

async function walk(
  label: string,
  stored: number,
  fetchPage: (cursor?: string) => Promise<{ items: unknown[]; nextCursor?: string; top?: bigint }>,
  rawPage: (top: bigint | undefined) => Promise<number>,
): Promise<Walk> {
  const w: Walk = { label, stored, seen: 0, pages: [], raws: [], stopped: false };
  let cursor: string | undefined;
  const began = performance.now();
  do {
    const t = performance.now();
    const page = await fetchPage(cursor);
    w.pages.push(performance.now() - t);
    // The raw limit of this page: the same number of the same points, newest first from the page's first record.
    w.raws.push(await rawPage(page.top));
    w.seen += page.items.length;
    cursor = page.nextCursor;
    if (cursor && performance.now() - began > MAX_MS) {
      w.stopped = true;
      break;
    }
  } while (cursor);
  return w;
}

const loadAtStart = loadavg()[0]!;
const server = await startInfluxd(args.dir);
const verdicts: string[] = [];
try {
  for (const layout of args.layouts!.split(',')) {
    const m = meta[layout];
    if (!m) throw new Error(`[bench] no ${layout} store in ${args.dir}: run influxdb/paging-fill.ts first`);
    const adapter = await pagingAdapter(server.url, m.database);
    // Warm the server first (a fresh influxd loads its index and maps its files on the first reads), so the first page
    // times a page, not a start-up: a raw page of each measurement and one small page through the adapter.
    for (const mm of ['spans', 'logs'])
      await raw(server.url, m.database, `SELECT * FROM "${mm}" ORDER BY time DESC LIMIT ${PAGE}`);
    await adapter.traces!.findTraces(
      normalizeTraceQuery({ service: SERVICE, limit: 10 }, adapter.traces!.capabilities),
    );
    await adapter.logs!.queryLogs(normalizeLogQuery({ service: SERVICE, limit: 10 }, adapter.logs!.capabilities));
    const walks: Walk[] = [];
    const sec = (t: bigint | undefined) =>
      t === undefined ? '' : ` AND time < ${(t / 1_000_000_000n + 1n) * 1_000_000_000n}`;
    if (args.signals!.includes('traces')) {
      const caps = adapter.traces!.capabilities;
      walks.push(
        await walk(
          `${layout}: findTraces`,
          m.traces,
          async (cursor) => {
            const p = await adapter.traces!.findTraces(
              normalizeTraceQuery({ service: SERVICE, limit: PAGE, ...(cursor ? { cursor } : {}) }, caps),
            );
            return { ...p, top: p.items[0]?.startTimeUnixNano };
          },
          async (top) =>
            (
              await raw(
                server.url,
                m.database,
                `SELECT * FROM "spans" WHERE "service" = '${SERVICE}'${sec(top)} ORDER BY time DESC LIMIT ${PAGE}`,
              )
            ).ms,
        ),
      );
    }
    if (args.signals!.includes('logs')) {
      const caps = adapter.logs!.capabilities;
      walks.push(
        await walk(
          `${layout}: queryLogs`,
          m.logs,
          async (cursor) => {
            const p = await adapter.logs!.queryLogs(
              normalizeLogQuery({ service: SERVICE, limit: PAGE, ...(cursor ? { cursor } : {}) }, caps),
            );
            return { ...p, top: p.items[0]?.timeUnixNano };
          },
          async (top) =>
            (
              await raw(
                server.url,
                m.database,
                `SELECT * FROM "logs" WHERE "service" = '${SERVICE}'${sec(top)} ORDER BY time DESC LIMIT ${PAGE}`,
              )
            ).ms,
        ),
      );
    }
    await adapter.close();
    for (const w of walks) {
      const first = w.pages[0]!;
      const slowest = Math.max(...w.pages);
      const med = median(w.pages);
      const rawMed = median(w.raws);
      console.log(
        `## ${w.label}: ${w.seen} of ${w.stored} seen in ${w.pages.length} pages of ${PAGE}${w.stopped ? ` (stopped at ${MAX_MS / 1000} s)` : ''}`,
      );
      console.log(`  first page ${first.toFixed(1)} ms, median ${med.toFixed(1)} ms, slowest ${slowest.toFixed(1)} ms`);
      console.log(`  raw InfluxQL page (same points, every column) median ${rawMed.toFixed(1)} ms`);
      console.log(
        `  ratios: median page / raw ${(med / rawMed).toFixed(2)}, slowest / raw ${(slowest / rawMed).toFixed(2)}, slowest / first ${(slowest / first).toFixed(2)}`,
      );
      const under = slowest < 500;
      const even = slowest / first <= 2;
      // Every page, strictly; the median and p95 beside it show whether a miss is one stalled page or every page.
      const p95 = percentile(w.pages, 0.95);
      verdicts.push(
        `${w.label}: every page < 500 ms ${under ? 'MET' : `NOT MET (slowest ${slowest.toFixed(0)} ms; median ${med.toFixed(0)}, p95 ${p95.toFixed(0)})`}; slowest/first <= 2 ${even ? 'MET' : `NOT MET (${(slowest / first).toFixed(2)}; p95/first ${(p95 / first).toFixed(2)})`}${w.stopped ? ' [walk cut short]' : ''}`,
      );
    }
  }
} finally {
  await server.stop();
}
console.log('## targets (issue 13: at 100,000 stored, a page of 1,000 < 500 ms, slowest / first <= 2)');
for (const v of verdicts) console.log(`  ${v}`);
console.log(`  load average (1 min, 2 cores): ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`);
