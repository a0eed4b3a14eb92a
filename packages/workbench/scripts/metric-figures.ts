/**
 * Time to a drawn handler dashboard and histogram page (issue 19's figures), for this build and, when given, an older
 * build of the page served over the same store and the same API server, in headless Chromium.
 *
 *   node --conditions=@rohas/source --import tsx packages/workbench/scripts/metric-figures.ts \
 *     --window 6h --series 300 --runs 3 [--old-dist /tmp/old-workbench-dist]
 *
 * The store holds the volume fixture's handler metrics (a point a minute per series over the window; handler
 * count/errors/success/duration per service and handler, plus a gauge per service) and few spans. Drawn means: the
 * dashboard's four chart canvases are on the page; the histogram page's chart and heatmap canvases are. Each run is a
 * fresh page, navigation start to drawn. The raw limit measured in the same run is the API alone: the same page's
 * metric queries issued together with fetch from the page, with no drawing; each figure is printed as a ratio to it.
 */

import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { writeVolume } from '../test/fixtures/volume-data.ts';
import { buildWorkbench, launchChromium, startTelemetryServer, withSqliteAdapter } from '../test/support/harness.ts';

const { values } = parseArgs({
  options: {
    window: { type: 'string', default: '6h' },
    series: { type: 'string', default: '300' },
    runs: { type: 'string', default: '3' },
    'old-dist': { type: 'string' },
  },
});
const UNIT_MS: Record<string, number> = { h: 3_600_000, d: 86_400_000 };
const win = /^(\d+)([hd])$/.exec(values.window!);
if (!win) throw new Error(`[metric-figures] --window must look like 6h or 7d, got ${values.window}`);
const windowMs = Number(win[1]) * UNIT_MS[win[2]!]!;
const runs = Number(values.runs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

/** Serves an older build's files at /workbench/ and passes everything else to the API server. */
async function serveOld(dist: string, api: string): Promise<{ url: string; close(): void }> {
  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/workbench')) {
      const rel = normalize(path.slice('/workbench'.length)).replace(/^(\.\.[/\\])+/, '');
      const file = rel.startsWith('/assets/') ? join(dist, rel) : join(dist, 'index.html');
      try {
        const body = await readFile(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    const upstream = await fetch(`${api}${req.url}`, { headers: { accept: 'application/json' } });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

const PAGES = {
  dashboard: {
    path: `/workbench/metrics?start=now-${values.window}`,
    drawn: () => document.querySelectorAll('.dashboard-grid canvas').length >= 4,
    // The queries the dashboard sends (counters as ungrouped `last` plus the bucket before the window; p50/p90/p99).
    queries: (s: string, step: string) => [
      ...['count', 'errors', 'success'].flatMap((m) => [
        `name=handler.execution.${m}&start=${s}&step=${step}&aggregation=last`,
        `name=handler.execution.${m}&start=${s}-1d&end=${s}&aggregation=last`,
      ]),
      ...['p50', 'p90', 'p99'].map(
        (a) => `name=handler.execution.duration&start=${s}&step=${step}&aggregation=${a}&groupBy=`,
      ),
    ],
  },
  histogram: {
    path: `/workbench/metrics?name=handler.execution.duration&start=now-${values.window}`,
    drawn: () =>
      document.querySelectorAll('[data-testid="metric-chart"] canvas').length >= 1 &&
      document.querySelectorAll('[data-testid="metric-heatmap"] canvas').length >= 1,
    queries: (s: string, step: string) =>
      ['p50', 'p90', 'p95', 'p99', 'min', 'max', 'count'].map(
        (a) => `name=handler.execution.duration&start=${s}&step=${step}&aggregation=${a}&groupBy=`,
      ),
  },
} as const;

async function timeToDrawn(page: Page, base: string, which: keyof typeof PAGES): Promise<number> {
  const t0 = Date.now();
  await page.goto(`${base}${PAGES[which].path}`);
  await page.waitForFunction(PAGES[which].drawn, undefined, { timeout: 300_000, polling: 50 });
  return Date.now() - t0;
}

async function apiAlone(page: Page, base: string, which: keyof typeof PAGES): Promise<number> {
  const s = `now-${values.window}`;
  const step = windowMs <= 6 * 3_600_000 ? '5m' : '2h';
  const urls = PAGES[which].queries(s, step).map((q) => `${base}/telemetry/metrics?${q}`);
  await page.goto(`${base}/healthz`);
  return page.evaluate(async (list) => {
    const t0 = performance.now();
    await Promise.all(list.map((u) => fetch(u).then((r) => r.json())));
    return performance.now() - t0;
  }, urls);
}

await buildWorkbench();
const t0 = Date.now();
const server = await startTelemetryServer({
  prefill: async ({ path }) => {
    await withSqliteAdapter(path, (adapter) =>
      writeVolume(adapter, { spans: 30_000, traces: 500, logs: 1000, series: Number(values.series), windowMs }),
    );
  },
});
console.error(`[metric-figures] store of ${values.window}, ${values.series} series written in ${Date.now() - t0} ms`);
const old = values['old-dist'] ? await serveOld(values['old-dist'], server.url) : undefined;
const browser = await launchChromium({ width: 1280, height: 900 });
try {
  const builds: Array<[string, string]> = [['this build', server.url]];
  if (old) builds.unshift(['older build', old.url]);
  for (const which of ['dashboard', 'histogram'] as const) {
    const rows: string[] = [];
    for (const [label, base] of builds) {
      const drawn: number[] = [];
      const raw: number[] = [];
      for (let i = 0; i < runs; i++) {
        const page = await browser.context.newPage();
        raw.push(await apiAlone(page, base, which));
        await page.close();
        const fresh = await browser.context.newPage();
        drawn.push(await timeToDrawn(fresh, base, which));
        await fresh.close();
      }
      const ratios = drawn.map((d, i) => d / raw[i]!);
      rows.push(
        `${which.padEnd(9)} ${values.window.padStart(3)} ${label.padEnd(11)} drawn median ${median(drawn).toFixed(0)} ms (${spread(drawn)}), API alone ${median(raw).toFixed(0)} ms (${spread(raw)}), ratio ${median(ratios).toFixed(2)} (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`,
      );
    }
    for (const r of rows) console.log(r);
  }
} finally {
  await browser.close();
  old?.close();
  await server.close();
}
