import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  DataPointType,
  type HistogramMetricData,
  MeterProvider,
  MetricReader,
  type MetricReaderOptions,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createTelemetry, defaultConfig, type Telemetry } from '../src/index.js';
import { SPAN_METRICS_SCOPE, SpanMetricsProcessor } from '../src/span-metrics.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const window = { start: 0n, end: BigInt(Date.now() + 3_600_000) * 1_000_000n };

async function sums(t: Telemetry, name: string, groupBy: string[]): Promise<Record<string, number>> {
  const series = await t.query.queryMetrics({ name, ...window, aggregation: 'max', groupBy });
  return Object.fromEntries(
    series.map((s) => [groupBy.map((k) => String(s.labels[k])).join('|'), s.points.at(-1)!.value]),
  );
}

function endSpan(t: Telemetry, name: string, kind: SpanKind, attrs: Record<string, string> = {}, error = false): void {
  const span = t.tracer.startSpan(name, { kind, attributes: attrs });
  if (error) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

describe('metrics derived from spans (derive_span_metrics)', () => {
  it('server and consumer spans produce the handler metrics and the spanmetrics-connector series', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory', service_name: 'shop' }), {
      registerGlobal: false,
      logger: silent,
    });
    try {
      for (let i = 0; i < 3; i++) endSpan(t, 'GET /users/:id', SpanKind.SERVER, { 'http.route': '/users/:id' });
      endSpan(t, 'GET /users/:id', SpanKind.SERVER, { 'http.route': '/users/:id' }, true);
      endSpan(t, 'GET', SpanKind.SERVER); // no route: the span name
      endSpan(t, 'orders process', SpanKind.CONSUMER, { 'messaging.destination.name': 'orders' });
      endSpan(t, 'db.query', SpanKind.CLIENT); // not an entry span: not a handler execution
      endSpan(t, 'work', SpanKind.INTERNAL);
      await t.forceFlush();

      expect(await sums(t, 'handler.execution.count', ['handler_name', 'handler_type', 'status'])).toEqual({
        '/users/:id|api|success': 3,
        '/users/:id|api|error': 1,
        'GET|api|success': 1,
        'orders|event|success': 1,
      });
      expect(await sums(t, 'handler.execution.errors', ['handler_name'])).toEqual({ '/users/:id': 1 });
      expect(await sums(t, 'handler.execution.success', ['handler_name'])).toEqual({
        '/users/:id': 3,
        GET: 1,
        orders: 1,
      });
      const durations = await t.query.queryMetrics({
        name: 'handler.execution.duration',
        ...window,
        aggregation: 'count',
        groupBy: ['handler_name'],
      });
      expect(Object.fromEntries(durations.map((s) => [s.labels.handler_name, s.points.at(-1)!.value]))).toEqual({
        '/users/:id': 4,
        GET: 1,
        orders: 1,
      });
      expect(
        await sums(t, 'traces.span.metrics.calls', ['service.name', 'span.name', 'span.kind', 'status.code']),
      ).toEqual({
        'shop|GET /users/:id|SPAN_KIND_SERVER|STATUS_CODE_UNSET': 3,
        'shop|GET /users/:id|SPAN_KIND_SERVER|STATUS_CODE_ERROR': 1,
        'shop|GET|SPAN_KIND_SERVER|STATUS_CODE_UNSET': 1,
        'shop|orders process|SPAN_KIND_CONSUMER|STATUS_CODE_UNSET': 1,
      });
      const p99 = await t.query.queryMetrics({
        name: 'traces.span.metrics.duration',
        ...window,
        aggregation: 'p99',
        groupBy: ['service.name'],
      });
      expect(p99).toHaveLength(1);
      expect(p99[0]!.points.at(-1)!.value).toBeGreaterThanOrEqual(0);
    } finally {
      await t.shutdown();
    }
  });

  it('bounds its series by max_series_per_metric: the rest fold into one overflow series, nothing is lost', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory', service_name: 'many', max_series_per_metric: 5 }), {
      registerGlobal: false,
      logger: silent,
    });
    try {
      // 12 distinct operations, 2 calls each, every third one failing: 4 keep their own series, 8 overflow.
      for (let i = 0; i < 12; i++)
        for (let j = 0; j < 2; j++) endSpan(t, `op-${i}`, SpanKind.SERVER, {}, i % 3 === 0 && j === 0);
      await t.forceFlush();
      const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
      const count = await sums(t, 'handler.execution.count', ['handler_name', 'status', 'otel.metric.overflow']);
      expect(Object.keys(count).length).toBeLessThanOrEqual(5);
      expect(total(count)).toBe(24);
      expect(count['undefined|undefined|true']).toBeGreaterThan(0);
      expect(total(await sums(t, 'handler.execution.errors', ['handler_name', 'otel.metric.overflow']))).toBe(4);
      expect(total(await sums(t, 'handler.execution.success', ['handler_name', 'otel.metric.overflow']))).toBe(20);
      const calls = await sums(t, 'traces.span.metrics.calls', ['span.name', 'status.code', 'otel.metric.overflow']);
      expect(Object.keys(calls).length).toBeLessThanOrEqual(5);
      expect(total(calls)).toBe(24);
      const durations = await t.query.queryMetrics({
        name: 'traces.span.metrics.duration',
        ...window,
        aggregation: 'count',
        groupBy: ['otel.metric.overflow'],
      });
      expect(durations.reduce((a, s) => a + s.points.at(-1)!.value, 0)).toBe(24);
    } finally {
      await t.shutdown();
    }
  });

  it('in-process duration histograms (producer mode) report exactly what the SDK histograms (sdk mode) report', async () => {
    class TestReader extends MetricReader {
      constructor(options?: MetricReaderOptions) {
        super(options);
      }
      protected onForceFlush = () => Promise.resolve();
      protected onShutdown = () => Promise.resolve();
    }
    const resource = resourceFromAttributes({ 'service.name': 'same' });
    const sdkMode = new SpanMetricsProcessor('same', { maxSeries: 4 });
    const producerMode = new SpanMetricsProcessor('same', { maxSeries: 4, histograms: 'producer' });
    const sdkReader = new TestReader();
    const producerReader = new TestReader({ metricProducers: [producerMode.producer(resource)] });
    const sdkMeters = new MeterProvider({ resource, readers: [sdkReader] });
    const producerMeters = new MeterProvider({ resource, readers: [producerReader] });
    sdkMode.bind(sdkMeters.getMeter(SPAN_METRICS_SCOPE));
    producerMode.bind(producerMeters.getMeter(SPAN_METRICS_SCOPE));
    const tracer = new BasicTracerProvider({ resource, spanProcessors: [sdkMode, producerMode] }).getTracer('t');
    // Durations on, just above and just below bucket bounds (2, 10, 100 ms), 0, and large; 6 operations against a
    // bound of 4 series (overflow), errors and consumers.
    const durations = [0, 2, 2.000001, 9.999, 10, 100, 250.5, 14_999, 20_000];
    let i = 0;
    for (const ms of durations)
      for (const op of ['a', 'b', 'c', 'd', 'e', 'f']) {
        const start = 1_700_000_000_000 + i++;
        const kind = op === 'f' ? SpanKind.CONSUMER : SpanKind.SERVER;
        const span = tracer.startSpan(`op ${op}`, { kind, startTime: start, attributes: { 'http.route': `/${op}` } });
        if ((i + op.length) % 4 === 0) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end(start + ms);
      }
    const histograms = async (reader: TestReader) => {
      const { resourceMetrics } = await reader.collect();
      const out: Record<string, unknown> = {};
      for (const sm of resourceMetrics.scopeMetrics) {
        expect(sm.scope.name).toBe(SPAN_METRICS_SCOPE);
        for (const m of sm.metrics) {
          if (m.dataPointType !== DataPointType.HISTOGRAM) continue;
          const h = m as HistogramMetricData;
          out[m.descriptor.name] = {
            unit: m.descriptor.unit,
            description: m.descriptor.description,
            temporality: m.aggregationTemporality,
            points: h.dataPoints
              .map((p) => ({ attributes: p.attributes, value: p.value }))
              .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
          };
        }
      }
      return out;
    };
    const fromSdk = await histograms(sdkReader);
    const fromProducer = await histograms(producerReader);
    expect(Object.keys(fromSdk).sort()).toEqual(['handler.execution.duration', 'traces.span.metrics.duration']);
    expect(fromProducer).toEqual(fromSdk);
    await Promise.all([sdkMeters.shutdown(), producerMeters.shutdown()]);
  });

  it('derive_span_metrics = false produces none', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory', derive_span_metrics: false }), {
      registerGlobal: false,
      logger: silent,
    });
    try {
      endSpan(t, 'GET /x', SpanKind.SERVER, { 'http.route': '/x' });
      await t.forceFlush();
      expect(await t.query.queryMetrics({ name: 'handler.execution.count', ...window })).toEqual([]);
    } finally {
      await t.shutdown();
    }
  });

  it('trace.getTracer and metric.getMeter give named tracers and meters of the same providers (NocoBase style)', async () => {
    const t = await createTelemetry(defaultConfig({ type: 'memory', service_name: 'nb' }), {
      registerGlobal: false,
      logger: silent,
    });
    try {
      const span = t.trace.getTracer('plugin-a', '1.2.0').startSpan('from plugin');
      span.end();
      t.metric.getMeter('plugin-a').createCounter('plugin.calls').add(2);
      t.trace.getTracer().startSpan('default name').end();
      await t.forceFlush();
      const found = await t.query.findTraces({ name: 'from plugin' });
      const [s] = (await t.query.getTrace(found.items[0]!.traceId))!;
      expect(s!.scope).toMatchObject({ name: 'plugin-a', version: '1.2.0' });
      const def = await t.query.findTraces({ name: 'default name' });
      expect((await t.query.getTrace(def.items[0]!.traceId))![0]!.scope?.name).toBe('nb');
      expect(await sums(t, 'plugin.calls', [])).toEqual({ '': 2 });
    } finally {
      await t.shutdown();
    }
  });
});
