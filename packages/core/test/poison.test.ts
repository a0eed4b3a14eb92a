import { describe, expect, it } from 'vitest';
import { checkLogRecord, checkMetricPoint, checkSpan, createMemoryAdapter } from '../src/adapter/index.js';
import { defaultConfig, openStorage, registerAdapter, type SpanRecord, type TelemetryAdapter } from '../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const now = BigInt(Date.now()) * 1_000_000n;

const span = (i: number, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId: `ab${(i + 1).toString(16).padStart(30, '0')}`,
  spanId: (i + 1).toString(16).padStart(16, '0'),
  name: `s${i}`,
  kind: 1,
  startTimeUnixNano: now,
  endTimeUnixNano: now + 1n,
  status: { code: 0 },
  attributes: {},
  events: [],
  links: [],
  resource: { attributes: { 'service.name': 'poison' } },
  scope: { name: 't' },
  ...extra,
});

describe('per-item validation', () => {
  it('names the reason and the field of every value a backend cannot store exactly', () => {
    expect(checkSpan(span(0))).toBeUndefined();
    expect(checkSpan(span(0, { startTimeUnixNano: 1n << 63n, endTimeUnixNano: 1n << 63n }))).toEqual({
      reason: 'timestamp_out_of_range',
      field: 'startTimeUnixNano',
    });
    expect(checkSpan(span(0, { endTimeUnixNano: now - 1n }))).toEqual({
      reason: 'end_before_start',
      field: 'endTimeUnixNano',
    });
    expect(checkSpan(span(0, { attributes: { k: 'a\ud800b' } }))).toEqual({
      reason: 'lone_surrogate',
      field: 'attributes["k"]',
    });
    // A valid surrogate pair is fine.
    expect(checkSpan(span(0, { attributes: { k: 'a\ud83d\ude00b' } }))).toBeUndefined();
    // NUL is storable everywhere (the suite's hostile strings prove it), so it passes.
    expect(checkSpan(span(0, { name: 'a\u0000', attributes: { 'k\u0000': 'v\u0000' } }))).toBeUndefined();
    expect(checkSpan(span(0, { attributes: { n: [1, Number.NaN] } }))).toEqual({
      reason: 'non_finite_number',
      field: 'attributes["n"][1]',
    });
    expect(checkSpan(span(0, { attributes: { big: 1n << 64n } }))?.reason).toBe('integer_out_of_range');
    expect(
      checkSpan(span(0, { events: [{ name: 'e', timeUnixNano: now, attributes: { x: Number.POSITIVE_INFINITY } }] })),
    ).toEqual({ reason: 'non_finite_number', field: 'events[0].attributes["x"]' });
    expect(checkSpan(span(0, { resource: { attributes: { 'service.name': '\udc00' } } }))?.field).toBe(
      'resource.attributes["service.name"]',
    );
    const point = {
      name: 'm',
      type: 'gauge' as const,
      temporality: 'unspecified' as const,
      attributes: {},
      resource: { attributes: {} },
      scope: { name: 't' },
      startTimeUnixNano: now,
      timeUnixNano: now,
      value: 1,
    };
    expect(checkMetricPoint(point)).toBeUndefined();
    expect(checkMetricPoint({ ...point, value: Number.NEGATIVE_INFINITY })?.field).toBe('value');
    const log = {
      timeUnixNano: now,
      observedTimeUnixNano: 1n << 63n,
      severityNumber: 9,
      body: 'x',
      attributes: {},
      resource: { attributes: {} },
      scope: { name: 't' },
    };
    expect(checkLogRecord(log)?.field).toBe('observedTimeUnixNano');
    expect(checkLogRecord({ ...log, observedTimeUnixNano: now, body: { a: ['\ud800'] } })?.field).toBe('body["a"][0]');
  });

  it('refuses the bad item at the door and queues the others', async () => {
    const storage = await openStorage(defaultConfig({ type: 'memory', enable_metrics: false, enable_logs: false }), {
      logger: silent,
    });
    const r = storage.ingestSpans([span(1), span(2, { startTimeUnixNano: 1n << 63n }), span(3)], {
      waitForCommit: true,
    });
    expect(r).toMatchObject({ accepted: 2, rejected: 1 });
    expect(r.messages?.[0]).toMatch(/startTimeUnixNano/);
    expect(await r.committed).toMatchObject({ stored: 2, failed: 0, dropped: 0 });
    expect(storage.stats().traces!.rejectedByReason).toEqual({ timestamp_out_of_range: 1 });
    await storage.shutdown();
  });
});

/** A real in-memory store that refuses, as not retryable, any batch holding a span named "poison". */
function pickyAdapter() {
  const state = { writes: 0 };
  registerAdapter('picky', (ctx) => {
    const inner = createMemoryAdapter(ctx);
    const traces = inner.traces!;
    const adapter: TelemetryAdapter = {
      ...inner,
      type: 'picky',
      traces: {
        ...traces,
        capabilities: traces.capabilities,
        async write(spans: SpanRecord[]) {
          state.writes++;
          if (spans.some((s) => s.name === 'poison')) {
            return { ok: false, error: new Error('value out of range for type bigint'), retryable: false };
          }
          return traces.write(spans);
        },
      },
    };
    return adapter;
  });
  return state;
}

describe('the write queue isolates poison', () => {
  it('bisects a batch the backend refuses, stores every good item and counts the bad by reason', async () => {
    const state = pickyAdapter();
    const logged: string[] = [];
    const storage = await openStorage(
      defaultConfig({ type: 'picky', enable_metrics: false, enable_logs: false, batch: { max_batch_size: 1000 } }),
      { logger: { ...silent, error: (m: string) => logged.push(m) } },
    );
    const items = Array.from({ length: 500 }, (_, i) => span(i, i === 137 || i === 400 ? { name: 'poison' } : {}));
    const r = storage.ingestSpans(items, { waitForCommit: true });
    const commit = await r.committed!;
    expect(commit).toMatchObject({ stored: 498, failed: 2, dropped: 0 });
    expect(commit.messages[0]).toMatch(/out of range/);
    const stats = storage.stats().traces!;
    expect(stats).toMatchObject({ written: 498, failed: 2, queued: 0 });
    expect(stats.rejectedByReason).toEqual({ 'backend: value out of range for type bigint': 2 });
    // Logged once per reason, not once per item.
    expect(logged.filter((m) => m.includes('out of range'))).toHaveLength(1);
    // Bisecting costs about 2·log2(n) writes per bad item, not one write per item.
    expect(state.writes).toBeLessThan(60);
    for (const i of [0, 136, 138, 399, 401, 499]) {
      expect(await storage.query.getTrace(items[i]!.traceId)).toHaveLength(1);
    }
    expect(await storage.query.getTrace(items[137]!.traceId)).toBeNull();
    await storage.shutdown();
  });

  it('settles a waiting producer only after its batch is committed (readable at once)', async () => {
    const storage = await openStorage(
      defaultConfig({
        type: 'memory',
        enable_metrics: false,
        enable_logs: false,
        batch: { flush_interval_ms: 60_000 },
      }),
      { logger: silent },
    );
    // Without waiting, a 60 s flush interval keeps items pending; a waiting producer's batch goes at once.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => storage.ingestSpans([span(1000 + i)], { waitForCommit: true }).committed),
    );
    for (const c of results) expect(c).toMatchObject({ stored: 1, failed: 0, dropped: 0 });
    for (let i = 0; i < 20; i++) expect(await storage.query.getTrace(span(1000 + i).traceId)).toHaveLength(1);
    await storage.shutdown();
  });
});

describe('health tells the truth about writes', () => {
  it('is not ok while writes fail beyond the threshold, and ok again once they succeed', async () => {
    const state = { down: false };
    registerAdapter('flaky', (ctx) => {
      const inner = createMemoryAdapter(ctx);
      const traces = inner.traces!;
      return {
        ...inner,
        type: 'flaky',
        traces: {
          ...traces,
          capabilities: traces.capabilities,
          async write(spans: SpanRecord[]) {
            if (state.down) return { ok: false, error: new Error('disk I/O error (SQLITE_FULL)'), retryable: true };
            return traces.write(spans);
          },
        },
      } satisfies TelemetryAdapter;
    });
    const storage = await openStorage(
      defaultConfig({
        type: 'flaky',
        enable_metrics: false,
        enable_logs: false,
        batch: { retry_initial_ms: 5, retry_max_ms: 20, flush_interval_ms: 5 },
      }),
      { logger: silent, healthFailingMs: 100 },
    );
    expect((await storage.health()).ok).toBe(true);
    state.down = true;
    const r = storage.ingestSpans([span(5000)], { waitForCommit: true });
    await new Promise((res) => setTimeout(res, 250));
    const h = await storage.health();
    expect(h.ok).toBe(false);
    expect(h.message).toMatch(/traces writes failing for .*SQLITE_FULL/);
    state.down = false;
    expect(await r.committed).toMatchObject({ stored: 1 });
    expect((await storage.health()).ok).toBe(true);
    await storage.shutdown();
  });
});
