// "A week of a real service": a deterministic generator of spans, log records tied to them and metric points, in time
// order, streamed in chunks so any size fits in memory. Same seed, same data, byte for byte.
//
// Shape (the defaults): 30 services, 10 operations each (300), traces of 1–200 spans (half of them 1–5 spans, a
// third 6–30, the rest 31–200; mean ≈ 25), 5 % of traces carry an error span (and an error root), one log record
// for about every third span (severity INFO/WARN/DEBUG, ERROR on error spans; a few words users search for, such as
// "timeout"), 1,000 metric series (a gauge, 100 routes × 10 instances over the 30 services' resources) at one point
// every `metricIntervalSec` (10 s). One trace of `bigTraceSpans` (5,000) spans sits in the middle of the window; its id
// is `bigTraceId(seed)`.
import type { LogRecord, MetricPoint, Resource, SpanRecord } from '@rohas/telemetry';
import { hex } from '../support/spans.js';

export interface WeekOptions {
  /** Spans to write in the window (the big trace included). */
  spans: number;
  seed?: number;
  /** Length of the window in days, ending at `endNano`. */
  days?: number;
  endNano?: bigint;
  services?: number;
  operationsPerService?: number;
  /** Share of traces with an error span. */
  errorRate?: number;
  /** Log records per span (on average). */
  logsPerSpan?: number;
  metricSeries?: number;
  /** One point per series every this many seconds; 0 writes no metrics. */
  metricIntervalSec?: number;
  bigTraceSpans?: number;
  /** Spans per chunk handed out (a chunk ends at a trace boundary). */
  chunkSpans?: number;
  /** Metric points per chunk at most. */
  chunkPoints?: number;
}

export interface WeekChunk {
  spans: SpanRecord[];
  logs: LogRecord[];
  points: MetricPoint[];
  /** Start time of the latest trace in the chunk. */
  timeNano: bigint;
}

const DAY_NS = 86_400_000_000_000n;
const METRIC = 'http.server.active_requests';
export const WEEK_METRIC = METRIC;
/** Words a user searches logs for; `timeout` is in about 1 % of records. */
export const RARE_WORD = 'timeout';

/** mulberry32: a small, fast, well-distributed 32-bit PRNG, so the data is the same on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function bigTraceId(seed = 1): string {
  return `b16${hex(seed, 8)}`.padEnd(32, 'f');
}

export function weekResources(services = 30): Resource[] {
  return Array.from({ length: services }, (_, s) => ({
    attributes: {
      'service.name': `svc-${String(s).padStart(2, '0')}`,
      'service.version': `1.${s % 4}.0`,
      'host.name': `host-${s % 6}`,
      'deployment.environment': 'prod',
    },
  }));
}

const VERBS = ['GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE'];
const NOUNS = ['orders', 'users', 'cart', 'items', 'payments', 'search', 'stock', 'invoices', 'sessions', 'reviews'];

export function operationName(service: number, op: number): string {
  return `${VERBS[(service + op) % VERBS.length]} /api/${NOUNS[op % NOUNS.length]}/${service}`;
}

/** Span count of one trace: half 1–5, a third 6–30, the rest 31–200. */
function traceSize(rand: () => number): number {
  const r = rand();
  if (r < 0.5) return 1 + Math.floor(rand() * 5);
  if (r < 0.85) return 6 + Math.floor(rand() * 25);
  return 31 + Math.floor(rand() * 170);
}

export function* weekOfService(options: WeekOptions): Generator<WeekChunk> {
  const {
    spans: total,
    seed = 1,
    days = 7,
    endNano = BigInt(Date.now()) * 1_000_000n,
    services = 30,
    operationsPerService = 10,
    errorRate = 0.05,
    logsPerSpan = 0.3,
    metricSeries = 1000,
    metricIntervalSec = 10,
    bigTraceSpans = 5000,
    chunkSpans = 5000,
    chunkPoints = 20_000,
  } = options;
  const rand = prng(seed);
  const resources = weekResources(services);
  const scopes = resources.map((_, s) => ({ name: `svc-${s}-instrumentation`, version: '1.0.0' }));
  const windowNs = (BigInt(Math.round(days * 86_400_000)) * DAY_NS) / 86_400_000n;
  const startNano = endNano - windowNs;
  const id = (len: number) => {
    let s = '';
    while (s.length < len) s += hex(Math.floor(rand() * 4294967296), 8);
    return s.slice(0, len);
  };

  const metricStep = BigInt(metricIntervalSec) * 1_000_000_000n;
  let nextTick = startNano;
  let tick = 0;
  const series = Array.from({ length: metricIntervalSec > 0 ? metricSeries : 0 }, (_, i) => ({
    attributes: { 'http.route': `/r${Math.floor(i / 10) % 100}`, instance: `i-${i % 10}` },
    resource: resources[i % services]!,
    scope: scopes[i % services]!,
    phase: (i % 97) / 97,
  }));
  /** Metric points of every tick before `upTo`, in chunks of at most chunkPoints. */
  function* pointsUpTo(upTo: bigint): Generator<MetricPoint[]> {
    let out: MetricPoint[] = [];
    while (series.length > 0 && nextTick < upTo && nextTick < endNano) {
      for (const s of series) {
        const v = 20 + 15 * Math.sin((tick / 360) * Math.PI * 2 + s.phase * 6.28) + rand() * 5;
        out.push({
          name: METRIC,
          unit: '{request}',
          type: 'gauge',
          temporality: 'unspecified',
          attributes: s.attributes,
          resource: s.resource,
          scope: s.scope,
          startTimeUnixNano: nextTick,
          timeUnixNano: nextTick,
          value: Math.round(v * 100) / 100,
        });
      }
      nextTick += metricStep;
      tick++;
      if (out.length >= chunkPoints) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  }

  let emitted = 0;
  let bigDone = bigTraceSpans <= 0;
  let chunk: WeekChunk = { spans: [], logs: [], points: [], timeNano: startNano };
  while (emitted < total) {
    // Trace start times advance with the share of spans written, so the window is covered evenly.
    const t0 = startNano + (windowNs * BigInt(emitted)) / BigInt(total) + BigInt(Math.floor(rand() * 1e9));
    const big = !bigDone && emitted >= total / 2;
    const size = big ? bigTraceSpans : Math.min(traceSize(rand), total - emitted);
    if (big) bigDone = true;
    const traceId = big ? bigTraceId(seed) : id(32);
    const error = rand() < errorRate;
    const errorAt = error ? Math.floor(rand() * size) : -1;
    const root = Math.floor(rand() * services);
    const svc: number[] = [];
    const spanIds: string[] = [];
    const starts: bigint[] = [];
    const traceSpans: SpanRecord[] = [];
    for (let i = 0; i < size; i++) {
      const parent = i === 0 ? -1 : Math.floor(rand() * i);
      const service = i === 0 ? root : rand() < 0.6 ? svc[parent]! : Math.floor(rand() * services);
      const op = Math.floor(rand() * operationsPerService);
      const start = i === 0 ? t0 : starts[parent]! + BigInt(Math.floor(rand() * 2_000_000)) + 100_000n;
      // Durations: mostly a few ms, a tail to seconds (log-uniform 0.1 ms – 3 s).
      const dur = BigInt(Math.floor(100_000 * 30_000 ** rand()));
      const failed = i === errorAt || (error && i === 0);
      svc.push(service);
      starts.push(start);
      spanIds.push(id(16));
      const route = `/api/${NOUNS[op % NOUNS.length]}/{id}`;
      traceSpans.push({
        traceId,
        spanId: spanIds[i]!,
        ...(parent >= 0 ? { parentSpanId: spanIds[parent]! } : {}),
        name: operationName(service, op),
        kind: i === 0 ? 2 : rand() < 0.5 ? 3 : 2,
        startTimeUnixNano: start,
        endTimeUnixNano: start + dur,
        status: failed ? { code: 2, message: 'upstream timeout' } : { code: 0 },
        attributes: {
          'http.route': route,
          'http.request.method': VERBS[(service + op) % VERBS.length]!,
          'http.response.status_code': failed ? 500 : 200,
          'user.id': `u${Math.floor(rand() * 10_000)}`,
          'net.peer.port': 8000 + (service % 10),
          'cache.hit': rand() < 0.3,
        },
        events: failed
          ? [{ name: 'exception', timeUnixNano: start + dur / 2n, attributes: { 'exception.type': 'TimeoutError' } }]
          : [],
        links: [],
        resource: resources[service]!,
        scope: scopes[service]!,
      });
      if (failed || rand() < logsPerSpan) {
        const r = rand();
        const [severityNumber, severityText, body] = failed
          ? [17, 'ERROR', `call to svc-${service} failed: upstream ${RARE_WORD} after ${dur / 1_000_000n} ms`]
          : r < 0.85
            ? [9, 'INFO', `${route} served with 200 in ${dur / 1_000_000n} ms for u${Math.floor(rand() * 10_000)}`]
            : r < 0.95
              ? [13, 'WARN', `slow ${NOUNS[op % NOUNS.length]} lookup, cache miss for key k${Math.floor(rand() * 1e6)}`]
              : [5, 'DEBUG', `retrying ${NOUNS[op % NOUNS.length]} call (attempt ${1 + Math.floor(rand() * 3)})`];
        chunk.logs.push({
          timeUnixNano: start + dur / 3n,
          observedTimeUnixNano: start + dur / 3n + 1_000_000n,
          severityNumber,
          severityText,
          body,
          attributes: { 'code.function': `handle${NOUNS[op % NOUNS.length]}`, 'thread.id': 1 + (i % 8) },
          traceId,
          spanId: spanIds[i]!,
          resource: resources[service]!,
          scope: scopes[service]!,
        });
      }
    }
    emitted += size;
    chunk.spans.push(...traceSpans);
    chunk.timeNano = t0;
    if (chunk.spans.length >= chunkSpans || emitted >= total) {
      for (const points of pointsUpTo(emitted >= total ? endNano : t0)) {
        yield { spans: [], logs: [], points, timeNano: t0 };
      }
      yield chunk;
      chunk = { spans: [], logs: [], points: [], timeNano: t0 };
    }
  }
}

/** Points the generator writes for these options (to print the store's size before filling it). */
export function metricPointCount(options: WeekOptions): number {
  const { days = 7, metricSeries = 1000, metricIntervalSec = 10 } = options;
  return metricIntervalSec > 0 ? Math.ceil((days * 86_400) / metricIntervalSec) * metricSeries : 0;
}
