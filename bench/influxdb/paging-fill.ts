/*
 * Fills the stores of the InfluxDB paging benchmark (paging-data.ts) into a kept influxd data folder, through the
 * adapter's own write path (spans with their trace_bounds points, log records), so the store is what the adapter writes.
 * influxd 1.x on a loaded machine answers `500 timeout` now and then: requests are kept small (2,000 items) and a
 * retryable failure is retried with a growing pause, as the core's runtime would; re-writing a batch is idempotent.
 *
 *   node --conditions=@rohas/source --import tsx influxdb/paging-fill.ts [--dir /tmp/r4-influx/influxd]
 *        [--traces 100000] [--logs 100000] [--layouts spread,dense]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { WriteResult } from '@rohas/telemetry/adapter';
import { startInfluxd } from './influxd.js';
import { DEFAULT_DIR, type Layout, makeLogs, makeSpans, pagingAdapter, startTimes } from './paging-data.js';

const { values: args } = parseArgs({
  options: {
    dir: { type: 'string', default: DEFAULT_DIR },
    traces: { type: 'string', default: '100000' },
    logs: { type: 'string', default: '100000' },
    layouts: { type: 'string', default: 'spread,dense' },
    batch: { type: 'string', default: '2000' },
  },
});
const TRACES = Number(args.traces);
const LOGS = Number(args.logs);
const BATCH = Number(args.batch);
const layouts = args.layouts!.split(',') as Layout[];

async function writeAll<T>(label: string, items: T[], write: (b: T[]) => Promise<WriteResult>): Promise<void> {
  const began = performance.now();
  for (let i = 0; i < items.length; i += BATCH) {
    const batch = items.slice(i, i + BATCH);
    for (let attempt = 1; ; attempt++) {
      const r = await write(batch);
      if (r.ok) break;
      if (!r.retryable || attempt === 20) throw r.error;
      console.error(`[fill] ${label}: batch at ${i} failed (${r.error.message.slice(0, 160)}); retry ${attempt}`);
      await new Promise((res) => setTimeout(res, Math.min(30_000, 500 * 2 ** attempt)));
    }
  }
  const s = (performance.now() - began) / 1000;
  console.error(`[fill] ${label}: ${items.length} in ${s.toFixed(1)} s (${Math.round(items.length / s)}/s)`);
}

const server = await startInfluxd(args.dir);
const metaFile = join(args.dir!, 'fill.json');
// Layouts filled before stay listed; a layout filled now replaces its entry (written as soon as it is complete).
const meta: Record<string, unknown> = existsSync(metaFile) ? JSON.parse(readFileSync(metaFile, 'utf8')) : {};
try {
  for (const layout of layouts) {
    delete meta[layout];
    writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
    const database = `paging_${layout}`;
    // Dropped and created here: the adapter's init may still see a database whose DROP is being applied.
    for (const q of [`DROP DATABASE "${database}"`, `CREATE DATABASE "${database}"`])
      await fetch(`${server.url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
    const adapter = await pagingAdapter(server.url, database);
    const end = BigInt(Date.now()) * 1_000_000n;
    const starts = startTimes(layout, TRACES, end, 1);
    await writeAll(`${layout} spans`, makeSpans(starts, 1), (b) => adapter.traces!.write(b));
    await writeAll(`${layout} logs`, makeLogs(startTimes(layout, LOGS, end, 2)), (b) => adapter.logs!.write(b));
    await adapter.close();
    meta[layout] = { database, traces: TRACES, logs: LOGS, end: end.toString() };
    writeFileSync(metaFile, `${JSON.stringify(meta, null, 2)}\n`);
  }
  // Let influxd write its cache to TSM files and compact the shards (influxd.ts), so reading runs start on settled files.
  await new Promise((res) => setTimeout(res, 45_000));
  console.error(`[fill] done: ${JSON.stringify(meta)}`);
} finally {
  await server.stop();
}
