import { describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../src/adapter/index.js';
import {
  type BatchConfig,
  defaultConfig,
  openStorage,
  registerAdapter,
  type SpanRecord,
  type TelemetryAdapter,
} from '../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A real in-memory store behind a switch that makes every write fail the way a dropped connection does. */
function outageAdapter() {
  const state = { down: false, attempts: 0 };
  registerAdapter('outage', (ctx) => {
    const inner = createMemoryAdapter(ctx);
    const traces = inner.traces!;
    const adapter: TelemetryAdapter = {
      ...inner,
      type: 'outage',
      traces: {
        ...traces,
        capabilities: traces.capabilities,
        async write(spans: SpanRecord[]) {
          state.attempts++;
          if (state.down) return { ok: false, error: new Error('connection refused'), retryable: true };
          return traces.write(spans);
        },
      },
    };
    return adapter;
  });
  return state;
}

/** Small batches and short delays, so the tests see many batches and retries quickly. */
function outageConfig(batch: Partial<BatchConfig>) {
  return defaultConfig({
    type: 'outage',
    enable_metrics: false,
    enable_logs: false,
    batch: { max_batch_size: 10, flush_interval_ms: 5, retry_initial_ms: 5, ...batch },
  });
}

const span = (i: number): SpanRecord => ({
  traceId: i.toString(16).padStart(32, '0'),
  spanId: '1'.padStart(16, '0'),
  name: `s${i}`,
  kind: 1,
  startTimeUnixNano: BigInt(Date.now()) * 1_000_000n,
  endTimeUnixNano: BigInt(Date.now()) * 1_000_000n + 1n,
  status: { code: 0 },
  attributes: {},
  events: [],
  links: [],
  resource: { attributes: { 'service.name': 'q' } },
  scope: { name: 't' },
});

describe('the bounded write queue', () => {
  it('queues while the backend is down, retries, and writes everything when it returns', async () => {
    const state = outageAdapter();
    const storage = await openStorage(
      outageConfig({ max_queue_size: 1000, retry_max_ms: 20, shutdown_timeout_ms: 2000 }),
      { logger: silent },
    );
    state.down = true;
    for (let i = 0; i < 100; i++) expect(storage.ingestSpans([span(i)]).accepted).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(storage.stats().traces).toMatchObject({ written: 0, backingOff: true });
    expect(storage.stats().traces!.retries).toBeGreaterThan(2);
    state.down = false;
    await storage.forceFlush();
    expect(storage.stats().traces).toMatchObject({ written: 100, dropped: 0, queued: 0, backingOff: false });
    expect((await storage.query.findTraces({ service: 'q', limit: 1000 })).items.length).toBe(100);
    await storage.shutdown();
  });

  it('drops the oldest batches past the bound, counts them, and never blocks the producer', async () => {
    const state = outageAdapter();
    const warnings: string[] = [];
    const storage = await openStorage(
      outageConfig({ max_queue_size: 50, retry_max_ms: 10, shutdown_timeout_ms: 2000 }),
      { logger: { ...silent, warn: (m) => warnings.push(m) } },
    );
    state.down = true;
    const started = performance.now();
    for (let i = 0; i < 200; i++) storage.ingestSpans([span(i)]);
    expect(performance.now() - started).toBeLessThan(200);
    const s = storage.stats().traces!;
    expect(s.queued).toBeLessThanOrEqual(60);
    expect(s.dropped).toBeGreaterThanOrEqual(140);
    expect(
      warnings.some((w) => /\[rohas-telemetry\] \[traces\] dropped \d+ item\(s\): the write queue is full/.test(w)),
    ).toBe(true);
    state.down = false;
    await storage.forceFlush();
    const after = storage.stats().traces!;
    expect(after.written + after.dropped).toBe(200);
    // The newest spans are the ones kept.
    expect(await storage.query.getTrace((199).toString(16).padStart(32, '0'))).not.toBeNull();
    await storage.shutdown();
  });

  it('refuses new items instead when asked (for remote clients that retry)', async () => {
    const state = outageAdapter();
    const storage = await openStorage(
      outageConfig({ max_queue_size: 20, retry_max_ms: 10, shutdown_timeout_ms: 500 }),
      { logger: silent },
    );
    state.down = true;
    const results = Array.from({ length: 30 }, (_, i) => storage.ingestSpans([span(i)], { rejectWhenFull: true }));
    expect(results.filter((r) => r.accepted === 1).length).toBe(20);
    expect(results.at(-1)).toMatchObject({ accepted: 0, rejected: 1, reason: 'queue_full' });
    expect(results.at(-1)!.retryAfterMs).toBeGreaterThan(0);
    expect(storage.stats().traces!.dropped).toBe(0);
    // Shutdown with the backend still down gives up after its timeout and counts what it could not write.
    await storage.shutdown();
    expect(storage.stats().traces!.dropped).toBe(20);
  });
});

describe('concurrency', () => {
  it('keeps max_concurrency batches in flight and writes every item once', async () => {
    let inFlight = 0;
    let most = 0;
    registerAdapter('slow', (ctx) => {
      const inner = createMemoryAdapter(ctx);
      const traces = inner.traces!;
      return {
        ...inner,
        type: 'slow',
        traces: {
          ...traces,
          capabilities: traces.capabilities,
          async write(spans: SpanRecord[]) {
            inFlight++;
            most = Math.max(most, inFlight);
            await new Promise((r) => setTimeout(r, 20));
            inFlight--;
            return traces.write(spans);
          },
        },
      };
    });
    const storage = await openStorage(
      defaultConfig({
        type: 'slow',
        enable_metrics: false,
        enable_logs: false,
        batch: { max_batch_size: 10, max_concurrency: 3 },
      }),
      { logger: silent },
    );
    for (let i = 0; i < 100; i++) storage.ingestSpans([span(i)]);
    await storage.forceFlush();
    expect(most).toBe(3);
    expect(storage.stats().traces).toMatchObject({ written: 100, dropped: 0, queued: 0 });
    expect((await storage.query.findTraces({ service: 'q', limit: 1000 })).items.length).toBe(100);
    await storage.shutdown();
  });
});
