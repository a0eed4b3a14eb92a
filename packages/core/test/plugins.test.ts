import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../src/adapter/index.js';
import {
  createTelemetry,
  defaultConfig,
  openStorage,
  registerAdapter,
  registerProcessor,
  registerReader,
  StorageSpanExporter,
  type TelemetryAdapter,
} from '../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('plugins, as in NocoBase’s telemetry module', () => {
  it('registerProcessor and registerReader add parts to every provider built afterwards', async () => {
    const spans = new InMemorySpanExporter();
    const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    registerProcessor('in-memory', () => new SimpleSpanProcessor(spans));
    registerReader(
      'in-memory',
      () => new PeriodicExportingMetricReader({ exporter: metricExporter, exportIntervalMillis: 60_000 }),
    );
    const t = await createTelemetry(defaultConfig({ type: 'memory', service_name: 'plugins' }), {
      logger: silent,
      registerGlobal: false,
    });
    try {
      t.tracer.startSpan('seen by both').end();
      t.meter.createCounter('plugin.counter').add(2);
      await t.forceFlush();
      expect(spans.getFinishedSpans().map((s) => s.name)).toEqual(['seen by both']);
      expect((await t.query.findTraces({ name: 'seen by both' })).items.length).toBe(1);
      const exported = metricExporter
        .getMetrics()
        .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)));
      expect(exported).toContain('plugin.counter');
    } finally {
      await t.shutdown();
    }
  });

  it('registers global providers unless told not to, and removes them on shutdown', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory' }), { logger: silent });
    expect(metrics.getMeterProvider()).toBe(t.meterProvider);
    await t.shutdown();
    expect(metrics.getMeterProvider()).not.toBe(t.meterProvider);
  });
});

describe('the public exporters', () => {
  it('StorageSpanExporter stores spans from an existing provider with its own BatchSpanProcessor', async () => {
    const storage = await openStorage(defaultConfig({ type: 'memory', enable_metrics: false }), { logger: silent });
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new StorageSpanExporter(storage))],
    });
    const span = provider.getTracer('existing-sdk').startSpan('from NodeSDK');
    span.setAttribute('k', 1);
    span.end();
    await provider.forceFlush();
    await storage.forceFlush();
    const stored = await storage.query.getTrace(span.spanContext().traceId);
    expect(stored![0]).toMatchObject({ name: 'from NodeSDK', attributes: { k: 1 }, scope: { name: 'existing-sdk' } });
    await provider.shutdown();
    await storage.shutdown();
  });
});

describe('sampling', () => {
  it('sampling_ratio = 0 records no new trace', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory', sampling_ratio: 0, service_name: 'sampled' }), {
      logger: silent,
      registerGlobal: false,
    });
    for (let i = 0; i < 50; i++) t.tracer.startSpan('dropped by the sampler').end();
    await t.forceFlush();
    expect((await t.query.findTraces({ service: 'sampled' })).items).toEqual([]);
    expect(t.stats().spansEnded).toBe(0);
    await t.shutdown();
  });
});

describe('retention sweep and trace cache', () => {
  it('the sweep runs on its interval and removes expired data', async () => {
    const storage = await openStorage(
      defaultConfig({
        type: 'memory',
        retention_days: 1,
        retention_interval_ms: 50,
        enable_metrics: false,
        enable_logs: false,
      }),
      { logger: silent },
    );
    const now = BigInt(Date.now()) * 1_000_000n;
    const old = {
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      name: 'old',
      kind: 1 as const,
      startTimeUnixNano: now - 3n * 86_400_000_000_000n,
      endTimeUnixNano: now - 3n * 86_400_000_000_000n + 1n,
      status: { code: 0 as const },
      attributes: {},
      events: [],
      links: [],
      resource: { attributes: {} },
      scope: { name: 's' },
    };
    storage.ingestSpans([old]);
    await storage.forceFlush();
    expect(await storage.query.getTrace(old.traceId)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 1200));
    expect(await storage.query.getTrace(old.traceId)).toBeNull();
    await storage.shutdown();
  });

  it('getTrace answers a repeated read from the cache, and a trace written later is merged in', async () => {
    let reads = 0;
    registerAdapter('counting', (ctx) => {
      const inner: TelemetryAdapter = createMemoryAdapter(ctx);
      const traces = inner.traces!;
      return {
        ...inner,
        type: 'counting',
        traces: {
          ...traces,
          capabilities: traces.capabilities,
          getTrace: (id: string) => {
            reads++;
            return traces.getTrace(id);
          },
        },
      };
    });
    const storage = await openStorage(
      defaultConfig({ type: 'counting', max_cache_size: 10, enable_metrics: false, enable_logs: false }),
      { logger: silent },
    );
    const t0 = BigInt(Date.now()) * 1_000_000n;
    const span = (spanId: string) => ({
      traceId: 'c'.repeat(32),
      spanId,
      name: spanId,
      kind: 1 as const,
      startTimeUnixNano: t0,
      endTimeUnixNano: t0 + 1n,
      status: { code: 0 as const },
      attributes: {},
      events: [],
      links: [],
      resource: { attributes: {} },
      scope: { name: 's' },
    });
    storage.ingestSpans([span('1'.repeat(16))]);
    await storage.forceFlush();
    expect((await storage.query.getTrace('c'.repeat(32)))!.length).toBe(1);
    expect(reads).toBe(1);
    expect((await storage.query.getTrace('c'.repeat(32)))!.length).toBe(1);
    expect(reads).toBe(1);
    storage.ingestSpans([span('2'.repeat(16))]);
    await storage.forceFlush();
    expect((await storage.query.getTrace('c'.repeat(32)))!.map((s) => s.spanId)).toEqual([
      '1'.repeat(16),
      '2'.repeat(16),
    ]);
    expect(reads).toBe(1);
    await storage.shutdown();
  });
});
