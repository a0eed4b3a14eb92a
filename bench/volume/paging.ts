// Paging benchmark: every page of a deep search must cost what the first page costs.
//
//   node --conditions=@rohas/source --import tsx bench/volume/paging.ts [--backend sqlite|postgres|influxdb]
//        [--traces 100000] [--logs 100000] [--page 1000]
//
// Writes `--traces` one-span traces of one service (and `--logs` log records of it), then pages through
// findTraces({ service, limit }) and queryLogs({ service, limit }) until no cursor is left. Prints the first page,
// the median and the slowest page; the figure is slowest / first (the issue asks for <= 2), the raw limit is the
// first page. Connection strings come from ROHAS_BENCH_PG_URL / ROHAS_BENCH_INFLUX_URL (the integration tests'
// local servers are started by bench/volume/servers.ts when they are not set).
//
// --store DIR keeps the SQLite store: the first run fills DIR (DIR/paging.json names what it holds) and later runs with
// the same --traces / --logs page over it without writing. A DIR filled by volume/run.ts (DIR/week.json, "a week of a
// service") is paged as it is: findTraces / queryLogs of `--service` (default svc-00) to the last page, no writes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type LogRecord, normalizeLogQuery, normalizeTraceQuery, type SpanRecord } from '@rohas/telemetry/adapter';
import { hex, T0 } from '../support/spans.js';
import { maxOf, median, percentile, printTable } from '../support/stats.js';
import { openAdapter, warmUp } from './open-adapter.js';

const { values: args } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    traces: { type: 'string', default: '100000' },
    logs: { type: 'string', default: '100000' },
    page: { type: 'string', default: '1000' },
    'max-seconds': { type: 'string', default: '240' },
    store: { type: 'string' },
    service: { type: 'string', default: 'svc-00' },
  },
});
const TRACES = Number(args.traces);
const LOGS = Number(args.logs);
const PAGE = Number(args.page);
const MAX_MS = Number(args['max-seconds']) * 1000;
const resource = { attributes: { 'service.name': 'paged', 'host.name': 'bench' } };
const scope = { name: 'bench' };
const run = Math.random().toString(36).slice(2, 8);

function spans(from: number, count: number): SpanRecord[] {
  const out: SpanRecord[] = [];
  for (let n = from; n < from + count; n++) {
    // Ten traces share each start time, so ties are broken by the trace id.
    const start = T0 + BigInt(Math.floor(n / 10)) * 1_000_000n;
    out.push({
      traceId: `${run.padEnd(8, '0')}${hex(n, 24)}`.slice(0, 32),
      spanId: hex(n + 1, 16),
      name: `op-${n % 7}`,
      kind: 2,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 5_000_000n,
      status: { code: 0 },
      attributes: { 'http.route': `/r${n % 20}` },
      events: [],
      links: [],
      resource,
      scope,
    });
  }
  return out;
}

function logs(from: number, count: number): LogRecord[] {
  const out: LogRecord[] = [];
  for (let n = from; n < from + count; n++) {
    const t = T0 + BigInt(Math.floor(n / 10)) * 1_000_000n;
    out.push({
      timeUnixNano: t,
      observedTimeUnixNano: t,
      severityNumber: 9,
      severityText: 'INFO',
      body: `request ${n} served`,
      attributes: { n },
      resource,
      scope,
    });
  }
  return out;
}

async function pageThrough(
  label: string,
  fetch: (cursor?: string) => Promise<{ items: unknown[]; nextCursor?: string }>,
  expected: number,
): Promise<Array<[string, number | string, number | string]>> {
  const times: number[] = [];
  let cursor: string | undefined;
  let seen = 0;
  const began = performance.now();
  do {
    const t = performance.now();
    const page = await fetch(cursor);
    times.push(performance.now() - t);
    seen += page.items.length;
    cursor = page.nextCursor;
    if (performance.now() - began > MAX_MS) {
      console.error(`[bench] ${label}: stopped after ${times.length} pages (${MAX_MS / 1000} s)`);
      break;
    }
  } while (cursor);
  const first = times[0]!;
  const slowest = maxOf(times);
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  return [
    [`${label}: items seen / stored`, `${seen} / ${Number.isNaN(expected) ? 'all of the service' : expected}`, ''],
    [`${label}: pages`, times.length, ''],
    [`${label}: first page (raw limit), ms`, first.toFixed(1), ''],
    [`${label}: median page, ms`, median(times).toFixed(1), (median(times) / first).toFixed(2)],
    [`${label}: p95 page, ms`, percentile(times, 0.95).toFixed(1), (percentile(times, 0.95) / first).toFixed(2)],
    [`${label}: slowest page, ms`, slowest.toFixed(1), (slowest / first).toFixed(2)],
    [`${label}: target slowest / first <= 2`, verdict(slowest / first <= 2), ''],
    [`${label}: target a page of ${PAGE} < 100 ms (median page)`, verdict(median(times) < 100), ''],
  ];
}

const WEEK = args.store !== undefined && existsSync(join(args.store, 'week.json'));
const keptFile = args.store ? join(args.store, 'paging.json') : undefined;
const kept = JSON.stringify({ traces: TRACES, logs: LOGS });
if (keptFile && existsSync(keptFile) && readFileSync(keptFile, 'utf8') !== kept)
  throw new Error(`[bench] ${keptFile} holds ${readFileSync(keptFile, 'utf8')}; pass the same --traces / --logs`);
/** Whether the store is already filled (a week store, or a kept paging store): no writes then. */
const STORE = WEEK || (keptFile !== undefined && existsSync(keptFile));
const SERVICE = WEEK ? args.service! : 'paged';
const { adapter, done } = await openAdapter(args.backend!, args.store ? { dir: args.store } : {});
try {
  const BATCH = 10_000;
  if (STORE) console.error(`[bench] paging over the kept store ${args.store}, service ${SERVICE}`);
  let t = performance.now();
  for (let i = 0; !STORE && i < TRACES; i += BATCH) {
    const batch = spans(i, Math.min(BATCH, TRACES - i));
    // A retryable failure (influxd's write timeout on a loaded machine) is retried, as the core's runtime would.
    for (let attempt = 1; ; attempt++) {
      const r = await adapter.traces!.write(batch);
      if (r.ok) break;
      if (!r.retryable || attempt === 5) throw r.error;
      console.error(`[bench] write failed (${r.error.message}); retrying`);
    }
  }
  for (let i = 0; !STORE && i < LOGS; i += BATCH) {
    const r = await adapter.logs!.write(logs(i, Math.min(BATCH, LOGS - i)));
    if (!r.ok) throw r.error;
  }
  if (!STORE) {
    console.error(
      `[bench] wrote ${TRACES} traces and ${LOGS} logs in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );
    if (keptFile) writeFileSync(keptFile, kept);
  }
  t = performance.now();
  const traceCaps = adapter.traces!.capabilities;
  const logCaps = adapter.logs!.capabilities;
  // Start the read threads (and their connections) before the walk, so page 1 times a page, not a thread start.
  await warmUp(adapter);
  const rows = [
    ...(await pageThrough(
      'findTraces',
      (cursor) =>
        adapter.traces!.findTraces(
          normalizeTraceQuery({ service: SERVICE, limit: PAGE, ...(cursor ? { cursor } : {}) }, traceCaps),
        ),
      WEEK ? Number.NaN : TRACES,
    )),
    ...(WEEK || LOGS > 0
      ? await pageThrough(
          'queryLogs',
          (cursor) =>
            adapter.logs!.queryLogs(
              normalizeLogQuery({ service: SERVICE, limit: PAGE, ...(cursor ? { cursor } : {}) }, logCaps),
            ),
          WEEK ? Number.NaN : LOGS,
        )
      : []),
  ];
  printTable(
    WEEK
      ? `${args.backend}: paging service ${SERVICE} of the week store ${args.store}, ${PAGE} a page (ratio = page / first page)`
      : `${args.backend}: paging ${TRACES} traces / ${LOGS} logs, ${PAGE} a page (ratio = page / first page)`,
    rows,
  );
} finally {
  await adapter.close();
  await done();
}
