import {
  createMemoryAdapter,
  type LogQuery,
  type LogRecord,
  normalizeLogQuery,
  normalizeTraceQuery,
  type SpanRecord,
  type TelemetryAdapter,
  type TraceQuery,
} from '@rohas/telemetry/adapter';
import { MS, makeLog, makeSpan, newTraceId, nowNano, runId, SECOND } from './fixtures.js';
import type { ConformanceOptions, SuiteApi } from './index.js';

/** Traces and log records the paging checks store: enough that every filter has many pages to walk. */
export const PAGING_TRACES = 20_000;
export const PAGING_LOGS = 20_000;
/** Records written per call: big batches, so filling a remote backend takes seconds. */
const BATCH = 5_000;
/** Every check walks about this many pages, whatever its result size (the page size is chosen to fit). */
const PAGES_PER_CHECK = 6;
/** Time between consecutive traces and log records; three in a row share a time, so ties are broken by id. */
const STEP = 3n * MS;

interface PagingData {
  t0: bigint;
  /** Just past the last trace's and the last log record's time. */
  traceEnd: bigint;
  logEnd: bigint;
  services: [string, string];
  hotTrace: string;
  spans: SpanRecord[];
  logs: LogRecord[];
}

/**
 * 20,000 traces: a root span in service A; every fourth trace also has two children in service B, the second of which
 * starts 40 traces' time later, so the trace's sort key (its latest matching span) depends on the filter and sits
 * pages away from its root. Names, routes, status and durations cycle with different periods, so every combination of
 * filters selects a different, large set. 20,000 log records with severities, words, services, attributes and a trace
 * id (one trace holds 488 of them) that cycle the same way.
 */
function makeData(traceCount: number, logCount: number): PagingData {
  // The window sits three hours back with a random offset, where no other check of the suite writes.
  const t0 = nowNano() - 3n * 3600n * SECOND + BigInt(Math.floor(Math.random() * 600)) * SECOND;
  const services: [string, string] = [`${runId()}-a`, `${runId()}-b`];
  const spans: SpanRecord[] = [];
  for (let i = 0; i < traceCount; i++) {
    const traceId = newTraceId();
    const start = t0 + BigInt(Math.floor(i / 3)) * STEP;
    const root = makeSpan({
      traceId,
      service: services[0],
      name: `op-${i % 5}`,
      start,
      durationNano: BigInt(1 + (i % 10)) * MS,
      status: i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : 0,
      attributes: { 'http.route': `/r${i % 4}`, tier: i % 3 === 0 ? 'gold' : 'std' },
    });
    spans.push(root);
    if (i % 4 === 0) {
      for (const [k, late] of [
        [0, 1n],
        [1, 40n],
      ] as const) {
        spans.push(
          makeSpan({
            traceId,
            parentSpanId: root.spanId,
            service: services[1],
            name: `child-${(i + k) % 3}`,
            start: start + late * STEP + 1n,
            durationNano: BigInt(2 + ((i + k) % 6)) * MS,
            status: (i + k) % 11 === 0 ? 2 : 0,
            attributes: { 'http.route': `/r${(i + k) % 4}`, tier: 'std' },
          }),
        );
      }
    }
  }
  const hotTrace = newTraceId();
  const traceIds = Array.from({ length: 64 }, () => newTraceId());
  const words = ['alpha', 'beta', 'gamma'];
  const logs: LogRecord[] = [];
  for (let i = 0; i < logCount; i++) {
    logs.push(
      makeLog({
        time: t0 + BigInt(Math.floor(i / 3)) * STEP,
        severity: [5, 9, 13, 17][i % 4]!,
        body: `request ${i} ${words[i % 3]}`,
        service: services[i % 5 === 0 ? 1 : 0],
        traceId: i % 41 === 0 ? hotTrace : traceIds[i % 64]!,
        attributes: { shard: `s${i % 6}`, n: i },
      }),
    );
  }
  const end = (count: number) => t0 + BigInt(Math.ceil(count / 3) + 40) * STEP;
  return { t0, traceEnd: end(traceCount), logEnd: end(logCount), services, hotTrace, spans, logs };
}

/** Every subset of `keys` with at most `max` members (the empty one too). */
function subsets<K>(keys: K[], max: number): K[][] {
  const out: K[][] = [[]];
  for (const k of keys) {
    for (const s of [...out]) if (s.length < max) out.push([...s, k]);
  }
  return out;
}

/** "none missing, none repeated, order exact" as one message naming the first difference. */
function difference(actual: string[], expected: string[]): string | undefined {
  const seen = new Set<string>();
  const repeated: string[] = [];
  for (const id of actual) {
    if (seen.has(id)) repeated.push(id);
    seen.add(id);
  }
  if (repeated.length) return `${repeated.length} repeated (first ${repeated[0]})`;
  const want = new Set(expected);
  const extra = actual.filter((id) => !want.has(id));
  if (extra.length) return `${extra.length} not matching the query (first ${extra[0]})`;
  const missing = expected.filter((id) => !seen.has(id));
  if (missing.length) return `${missing.length} missing (first ${missing[0]})`;
  const at = actual.findIndex((id, i) => id !== expected[i]);
  return at >= 0 ? `order differs at position ${at}: ${actual[at]} where ${expected[at]} belongs` : undefined;
}

/**
 * Deep paging: the adapter pages through 20,000 traces and 20,000 log records under every combination of up to two
 * filters (and all of them at once), and the pages joined must be exactly the reference adapter's full answer: none
 * missing, none repeated, order exact. Each check walks about six pages whatever its result size.
 */
export function runPagingTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect, beforeAll, afterAll } = api;
  const timeout = Math.max(options.timeoutMs ?? 30_000, 120_000);
  const wants = (signal: 'traces' | 'logs') => options.signals?.[signal] ?? true;
  let adapter: TelemetryAdapter;
  const reference = createMemoryAdapter();
  let data: PagingData;
  const traceCount = options.paging?.traces ?? PAGING_TRACES;
  const logCount = options.paging?.logs ?? PAGING_LOGS;

  describe(`${options.name}: paging at depth (${traceCount} traces, ${logCount} log records)`, () => {
    beforeAll(async () => {
      data = makeData(traceCount, logCount);
      adapter = await options.createAdapter({ retention: { traces: 0, metrics: 0, logs: 0 } });
      await adapter.init();
      const fill = async <T>(write: ((b: T[]) => Promise<{ ok: boolean; error?: Error }>) | undefined, items: T[]) => {
        if (!write) return;
        for (let i = 0; i < items.length; i += BATCH) {
          const r = await write(items.slice(i, i + BATCH));
          if (!r.ok) throw r.error ?? new Error('write failed');
        }
      };
      if (wants('traces') && adapter.traces) {
        await fill((b) => adapter.traces!.write(b), data.spans);
        await reference.traces!.write(data.spans);
      }
      if (wants('logs') && adapter.logs) {
        await fill((b) => adapter.logs!.write(b), data.logs);
        await reference.logs!.write(data.logs);
      }
    }, timeout * 3);
    afterAll(async () => {
      await adapter?.close();
    }, timeout);

    if (wants('traces')) {
      type F = 'service' | 'name' | 'attributes' | 'status' | 'duration' | 'window';
      const filterSets = subsets<F>(['service', 'name', 'attributes', 'status', 'duration', 'window'], 2);
      filterSets.push(['service', 'name', 'attributes', 'status', 'duration', 'window']);
      const query = (fs: F[], d: PagingData): TraceQuery => {
        const q: TraceQuery = {};
        if (fs.includes('service')) q.service = d.services[fs.includes('name') ? 0 : 1];
        if (fs.includes('name')) q.name = 'op-2';
        if (fs.includes('attributes')) q.attributes = { 'http.route': '/r1' };
        if (fs.includes('status')) q.status = 'error';
        if (fs.includes('duration')) {
          q.minDurationNano = 3n * MS;
          q.maxDurationNano = 8n * MS;
        }
        // Without a service, the run's own window keeps other checks' data out; `window` narrows it to a middle part.
        const span = d.traceEnd - d.t0;
        q.start = fs.includes('window') ? d.t0 + span / 5n : d.t0;
        q.end = fs.includes('window') ? d.t0 + (span * 4n) / 5n + 7n : d.traceEnd;
        return q;
      };
      for (const fs of filterSets) {
        it(
          `pages through traces by ${fs.length ? fs.join(' + ') : 'time window only'}: none missing, none repeated, order exact`,
          async () => {
            const traces = adapter.traces;
            expect(traces, `${options.name} has no trace store`).toBeDefined();
            const caps = traces!.capabilities;
            const q = query(fs, data);
            const all = await reference.traces!.findTraces({
              ...normalizeTraceQuery(q),
              limit: Number.MAX_SAFE_INTEGER,
            });
            const expected = all.items.map((t) => t.traceId);
            expect(expected.length).toBeGreaterThan(0);
            if (fs.length === 0) expect(expected.length).toBe(traceCount);
            const limit = Math.min(1000, Math.max(5, Math.ceil(expected.length / PAGES_PER_CHECK)));
            const got: string[] = [];
            const byId = new Map(all.items.map((t) => [t.traceId, t]));
            let cursor: string | undefined;
            let pages = 0;
            do {
              const page = await traces!.findTraces(
                normalizeTraceQuery({ ...q, limit, ...(cursor ? { cursor } : {}) }, caps),
              );
              expect(page.items.length).toBeLessThanOrEqual(limit);
              if (page.nextCursor) expect(page.items.length).toBe(limit);
              for (const t of page.items) got.push(t.traceId);
              // A page's summaries are the reference's (first and last of each page, so the check stays cheap).
              for (const t of [page.items[0], page.items[page.items.length - 1]]) {
                if (t && byId.has(t.traceId)) expect(t).toEqual(byId.get(t.traceId));
              }
              cursor = page.nextCursor;
              pages++;
              if (pages > expected.length + 2) throw new Error('the cursor never ends');
            } while (cursor);
            expect(difference(got, expected)).toBeUndefined();
          },
          timeout,
        );
      }
    }

    if (wants('logs')) {
      type F = 'service' | 'severity' | 'text' | 'traceId' | 'attributes' | 'window';
      const filterSets = subsets<F>(['service', 'severity', 'text', 'traceId', 'attributes', 'window'], 2);
      filterSets.push(['service', 'severity', 'text', 'traceId', 'attributes', 'window']);
      const query = (fs: F[], d: PagingData): LogQuery => {
        const q: LogQuery = {};
        if (fs.includes('service')) q.service = d.services[0];
        if (fs.includes('severity')) q.minSeverity = 13;
        if (fs.includes('text')) q.text = 'gamma';
        if (fs.includes('traceId')) q.traceId = d.hotTrace;
        if (fs.includes('attributes')) q.attributes = { shard: 's2' };
        const span = d.logEnd - d.t0;
        q.start = fs.includes('window') ? d.t0 + span / 5n : d.t0;
        q.end = fs.includes('window') ? d.t0 + (span * 4n) / 5n + 7n : d.logEnd;
        return q;
      };
      for (const fs of filterSets) {
        for (const order of fs.length === 0 || fs.length === 6 ? (['desc', 'asc'] as const) : (['desc'] as const)) {
          it(
            `pages through logs by ${fs.length ? fs.join(' + ') : 'time window only'} (${order}): none missing, none repeated, order exact`,
            async () => {
              const logs = adapter.logs;
              expect(logs, `${options.name} has no log store`).toBeDefined();
              const caps = logs!.capabilities;
              const q = { ...query(fs, data), order };
              const all = await reference.logs!.queryLogs({ ...normalizeLogQuery(q), limit: Number.MAX_SAFE_INTEGER });
              // Log records have no id of their own: the `n` attribute numbers them.
              const key = (l: LogRecord) => String(l.attributes.n);
              const expected = all.items.map(key);
              expect(expected.length).toBeGreaterThan(0);
              if (fs.length === 0) expect(expected.length).toBe(logCount);
              const limit = Math.min(1000, Math.max(5, Math.ceil(expected.length / PAGES_PER_CHECK)));
              const got: string[] = [];
              let cursor: string | undefined;
              let pages = 0;
              do {
                const page = await logs!.queryLogs(
                  normalizeLogQuery({ ...q, limit, ...(cursor ? { cursor } : {}) }, caps),
                );
                expect(page.items.length).toBeLessThanOrEqual(limit);
                if (page.nextCursor) expect(page.items.length).toBe(limit);
                for (const l of page.items) got.push(key(l));
                cursor = page.nextCursor;
                pages++;
                if (pages > expected.length + 2) throw new Error('the cursor never ends');
              } while (cursor);
              expect(difference(got, expected)).toBeUndefined();
            },
            timeout,
          );
        }
      }
    }
  });
}
