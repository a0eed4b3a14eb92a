import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  type MetricProducer,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { DeltaToCumulative } from '../src/delta-to-cumulative.js';
import { PrometheusPullReader } from '../src/reader.js';
import { escapeLabelValue, formatLabels, renderResourceMetrics } from '../src/render.js';
import { samples, sampleValue } from './helpers.js';

function setup(options: ConstructorParameters<typeof PrometheusPullReader>[0] = {}) {
  const reader = new PrometheusPullReader({ port: 0, ...options });
  const provider = new MeterProvider({
    readers: [reader],
    resource: resourceFromAttributes({ 'service.name': 'render-test', 'service.instance.id': 'i-1' }),
  });
  return { reader, provider, meter: provider.getMeter('render-scope', '0.1.0') };
}

describe('OpenTelemetry -> Prometheus rendering', () => {
  it('counters get _total, up-down counters and gauges are gauges, scope labels on every point', async () => {
    const { reader, provider, meter } = setup();
    meter.createCounter('jobs.done', { description: 'Jobs done' }).add(5, { queue: 'a' });
    meter.createUpDownCounter('jobs.waiting').add(-3, { queue: 'a' });
    meter.createGauge('temperature', { unit: 'Cel' }).record(21.5);
    const text = await reader.render();
    expect(text).toContain('# TYPE jobs_done_total counter\n');
    expect(text).toContain('# HELP jobs_done_total Jobs done\n');
    expect(text).toContain('jobs_done_total{queue="a",otel_scope_name="render-scope",otel_scope_version="0.1.0"} 5\n');
    expect(text).toContain('# TYPE jobs_waiting gauge\n');
    expect(sampleValue(text, 'jobs_waiting{')).toBe(-3);
    expect(text).toContain('# TYPE temperature_celsius gauge\n');
    expect(text).toContain('# HELP target_info Target metadata\n# TYPE target_info gauge\n');
    expect(text).toContain('target_info{service_name="render-test",service_instance_id="i-1"} 1\n');
    await provider.shutdown();
  });

  it('histograms: cumulative _bucket counts with le up to +Inf, _sum and _count', async () => {
    const { reader, provider, meter } = setup();
    const h = meter.createHistogram('op.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
    for (const v of [0.05, 0.2, 0.3, 0.7, 3]) h.record(v, { op: 'x' });
    const text = await reader.render();
    const bucket = (le: string) =>
      sampleValue(
        text,
        `op_latency_seconds_bucket{op="x",otel_scope_name="render-scope",otel_scope_version="0.1.0",le="${le}"}`,
      );
    expect([bucket('0.1'), bucket('0.5'), bucket('1'), bucket('+Inf')]).toEqual([1, 3, 4, 5]);
    expect(sampleValue(text, 'op_latency_seconds_sum{')).toBeCloseTo(4.25);
    expect(sampleValue(text, 'op_latency_seconds_count{')).toBe(5);
    await provider.shutdown();
  });

  it('omits _sum of a histogram with negative observations (not monotonic, per the spec)', () => {
    // The SDK's Histogram instrument refuses negative values; OTLP data from elsewhere may carry them.
    const rm = {
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            {
              descriptor: { name: 'delta.value', description: '', unit: '', type: 'HISTOGRAM', valueType: 1 },
              dataPointType: DataPointType.HISTOGRAM,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPoints: [
                {
                  startTime: [0, 0],
                  endTime: [1, 0],
                  attributes: {},
                  value: { buckets: { boundaries: [0], counts: [1, 1] }, count: 2, sum: -3, min: -4, max: 1 },
                },
              ],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    const text = renderResourceMetrics(rm, { openMetrics: false, prefix: '' });
    expect(text).not.toContain('delta_value_sum');
    expect(sampleValue(text, 'delta_value_count{')).toBe(2);
  });

  it('escapes hostile label values and help text so the exposition stays parseable', async () => {
    const { reader, provider, meter } = setup();
    const hostile = 'a"b\\c\nd} x{y="1"} 2\n# EOF';
    meter
      .createCounter('hostile', { description: 'line1\nline2 \\ "q"' })
      .add(1, { v: hostile, n: 3, b: false, arr: ['x', 'y'] });
    const text = await reader.render();
    expect(text).toContain('# HELP hostile_total line1\\nline2 \\\\ "q"\n');
    expect(text).toContain(`v="${escapeLabelValue(hostile)}"`);
    expect(escapeLabelValue(hostile)).toBe('a\\"b\\\\c\\nd} x{y=\\"1\\"} 2\\n# EOF');
    expect(text).toContain('n="3",b="false",arr="[\\"x\\",\\"y\\"]"');
    // One sample line, no injected line.
    expect(samples(text).filter((l) => l.startsWith('hostile'))).toHaveLength(1);
    await provider.shutdown();
  });

  it('renames attributes that clash with labels the exposition adds (le, otel_scope_*) to exported_*', async () => {
    const { reader, provider, meter } = setup();
    meter.createHistogram('clash.hist', { advice: { explicitBucketBoundaries: [1] } }).record(0.5, { le: 'mine' });
    meter.createCounter('clash.count').add(1, { otel_scope_name: 'fake', 'otel.scope.version': 'x' });
    const text = await reader.render();
    expect(text).toContain(
      'clash_hist_bucket{exported_le="mine",otel_scope_name="render-scope",otel_scope_version="0.1.0",le="1"} 1\n',
    );
    expect(text).toContain(
      'clash_count_total{exported_otel_scope_name="fake",exported_otel_scope_version="x",otel_scope_name="render-scope"',
    );
    await provider.shutdown();
  });

  it('merges attribute keys that sanitize to one label, values joined by ; in key order', () => {
    expect(formatLabels({ 'a.b': '1', a_b: '2', 'a-b': '3', c: 'x' })).toBe('a_b="3;1;2",c="x"');
    expect(formatLabels({ a: 'x', b: 'y' })).toBe('a="x",b="y"');
  });

  it('OpenMetrics: counter family without _total, info-typed target, UNIT, # EOF', async () => {
    const { reader, provider, meter } = setup();
    meter.createCounter('net.io', { unit: 'By' }).add(7);
    const om = await reader.render(true);
    expect(om).toContain('# TYPE target info\n');
    expect(om).toContain('# TYPE net_io_bytes counter\n# UNIT net_io_bytes bytes\n');
    expect(om).toContain('net_io_bytes_total{otel_scope_name="render-scope",otel_scope_version="0.1.0"} 7\n');
    expect(om.endsWith('# EOF\n')).toBe(true);
    await provider.shutdown();
  });

  it('renders exemplars with trace and span ids in OpenMetrics only, one per bucket per the spec', () => {
    // The JS metrics SDK (2.12) does not sample exemplars yet; producers that carry OTLP data can.
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const rm = {
      resource: resourceFromAttributes({}),
      scopeMetrics: [
        {
          scope: { name: 's' },
          metrics: [
            {
              descriptor: { name: 'req', description: '', unit: '', type: 'COUNTER', valueType: 1 },
              dataPointType: DataPointType.SUM,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              isMonotonic: true,
              dataPoints: [
                {
                  startTime: [0, 0],
                  endTime: [1, 0],
                  attributes: {},
                  value: 3,
                  exemplars: [
                    { value: 1, traceId: 'aa', spanId: 'bb', timestamp: [1700000000, 500000000] },
                    {
                      value: 2,
                      traceId,
                      spanId: 'b7ad6b7169203331',
                      timestamp: [1700000001, 0],
                      filteredAttributes: { user: 'u1' },
                    },
                  ],
                },
              ],
            },
            {
              descriptor: { name: 'lat', description: '', unit: '', type: 'HISTOGRAM', valueType: 1 },
              dataPointType: DataPointType.HISTOGRAM,
              aggregationTemporality: AggregationTemporality.CUMULATIVE,
              dataPoints: [
                {
                  startTime: [0, 0],
                  endTime: [1, 0],
                  attributes: {},
                  value: {
                    buckets: { boundaries: [1, 10], counts: [1, 0, 1] },
                    count: 2,
                    sum: 20.5,
                    min: 0.5,
                    max: 20,
                  },
                  exemplars: [
                    { value: 0.5, traceId: 'a1', spanId: 's1', timestamp: [1700000000, 0] },
                    { value: 20, traceId: 'a2', spanId: 's2', timestamp: [1700000002, 0] },
                  ],
                },
              ],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    const om = renderResourceMetrics(rm, { openMetrics: true, prefix: '' });
    expect(om).toContain(
      `req_total{otel_scope_name="s"} 3 # {trace_id="${traceId}",span_id="b7ad6b7169203331",user="u1"} 2 1700000001.000\n`,
    );
    expect(om).toContain(
      'lat_bucket{otel_scope_name="s",le="1"} 1 # {trace_id="a1",span_id="s1"} 0.5 1700000000.000\n',
    );
    // No exemplar fell in (1, 10]: the one from the lower bucket is repeated.
    expect(om).toContain(
      'lat_bucket{otel_scope_name="s",le="10"} 1 # {trace_id="a1",span_id="s1"} 0.5 1700000000.000\n',
    );
    expect(om).toContain(
      'lat_bucket{otel_scope_name="s",le="+Inf"} 2 # {trace_id="a2",span_id="s2"} 20 1700000002.000\n',
    );
    const text = renderResourceMetrics(rm, { openMetrics: false, prefix: '' });
    expect(text).not.toContain('trace_id');
  });

  it('converts delta sums and histograms from producers to cumulative', async () => {
    let call = 0;
    const delta = (value: number, counts: number[]) =>
      ({
        resource: resourceFromAttributes({}),
        scopeMetrics: [
          {
            scope: { name: 'relay' },
            metrics: [
              {
                descriptor: { name: 'relayed', description: '', unit: '', type: 'COUNTER', valueType: 1 },
                dataPointType: DataPointType.SUM,
                aggregationTemporality: AggregationTemporality.DELTA,
                isMonotonic: true,
                dataPoints: [{ startTime: [call, 0], endTime: [call + 1, 0], attributes: { k: 'v' }, value }],
              },
              {
                descriptor: { name: 'relayed.size', description: '', unit: '', type: 'HISTOGRAM', valueType: 1 },
                dataPointType: DataPointType.HISTOGRAM,
                aggregationTemporality: AggregationTemporality.DELTA,
                dataPoints: [
                  {
                    startTime: [call, 0],
                    endTime: [call + 1, 0],
                    attributes: {},
                    value: {
                      buckets: { boundaries: [10], counts },
                      count: counts[0]! + counts[1]!,
                      sum: value,
                      min: 1,
                      max: 20,
                    },
                  },
                ],
              },
              {
                descriptor: {
                  name: 'relayed.updown',
                  description: '',
                  unit: '',
                  type: 'UP_DOWN_COUNTER',
                  valueType: 1,
                },
                dataPointType: DataPointType.SUM,
                aggregationTemporality: AggregationTemporality.DELTA,
                isMonotonic: false,
                dataPoints: [{ startTime: [call, 0], endTime: [call + 1, 0], attributes: {}, value: 1 }],
              },
            ],
          },
        ],
      }) as unknown as ResourceMetrics;
    const deltas = [delta(2, [1, 1]), delta(3, [0, 2]), delta(0, [0, 0])];
    const producer: MetricProducer = {
      async collect() {
        return { resourceMetrics: deltas[call++]!, errors: [] };
      },
    };
    const drops: string[] = [];
    const reader = new PrometheusPullReader({
      port: 0,
      metricProducers: [producer],
      logger: { debug() {}, info() {}, warn: (m) => drops.push(m), error() {} },
    });
    const provider = new MeterProvider({ readers: [reader] });
    const first = await reader.render();
    expect(sampleValue(first, 'relayed_total{k="v"')).toBe(2);
    const second = await reader.render();
    expect(sampleValue(second, 'relayed_total{k="v"')).toBe(5);
    expect(sampleValue(second, 'relayed_size_bucket{otel_scope_name="relay",le="10"}')).toBe(1);
    expect(sampleValue(second, 'relayed_size_bucket{otel_scope_name="relay",le="+Inf"}')).toBe(4);
    expect(sampleValue(second, 'relayed_size_count{')).toBe(4);
    const third = await reader.render();
    expect(sampleValue(third, 'relayed_total{k="v"')).toBe(5);
    // A delta up-down counter cannot become a Prometheus type: dropped with one warning.
    expect(third).not.toContain('relayed_updown');
    expect(drops.filter((m) => m.includes('relayed.updown'))).toHaveLength(1);
    await provider.shutdown();
  });

  it('DeltaToCumulative leaves cumulative data untouched', () => {
    const rm = { resource: resourceFromAttributes({}), scopeMetrics: [] } as unknown as ResourceMetrics;
    expect(new DeltaToCumulative().convert(rm)).toBe(rm);
  });

  it('merges same-named metrics of two scopes into one family and drops a type conflict with a warning', async () => {
    const warnings: string[] = [];
    const reader = new PrometheusPullReader({
      port: 0,
      logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    const provider = new MeterProvider({ readers: [reader] });
    provider.getMeter('one').createCounter('shared').add(1);
    provider.getMeter('two').createCounter('shared').add(2);
    provider.getMeter('three').createHistogram('shared_total').record(1);
    const text = await reader.render();
    expect(text.match(/# TYPE shared_total /g)).toHaveLength(1);
    expect(sampleValue(text, 'shared_total{otel_scope_name="one"}')).toBe(1);
    expect(sampleValue(text, 'shared_total{otel_scope_name="two"}')).toBe(2);
    expect(warnings.some((w) => w.includes('shared_total') && w.includes('counter'))).toBe(true);
    await provider.shutdown();
  });
});

describe('cardinality', () => {
  it('exposes 10,000 series of one metric when the limit allows it', async () => {
    const { reader, provider, meter } = setup({ cardinalityLimit: 20_000 });
    const c = meter.createCounter('wide');
    for (let i = 0; i < 10_000; i++) c.add(1, { id: String(i) });
    const text = await reader.render();
    const lines = samples(text).filter((l) => l.startsWith('wide_total{'));
    expect(lines).toHaveLength(10_000);
    expect(text).not.toContain('otel_metric_overflow');
    await provider.shutdown();
  });

  it('folds beyond the limit into the overflow series and reports the metric once', async () => {
    const overflowed: string[] = [];
    const { reader, provider, meter } = setup({ cardinalityLimit: 100, onOverflow: (name) => overflowed.push(name) });
    const c = meter.createCounter('narrow');
    const g = meter.createHistogram('narrow.hist');
    for (let i = 0; i < 150; i++) c.add(1, { id: String(i) });
    for (let i = 0; i < 50; i++) g.record(1, { id: String(i) });
    const text = await reader.render();
    expect(samples(text).filter((l) => l.startsWith('narrow_total{'))).toHaveLength(100);
    expect(sampleValue(text, 'narrow_total{otel_metric_overflow="true"')).toBe(51);
    await reader.render();
    c.add(1, { id: 'more' });
    await reader.render();
    expect(overflowed).toEqual(['narrow']);
    await provider.shutdown();
  });

  it('logs the overflow as a warning naming the metric when no callback is given', async () => {
    const warnings: string[] = [];
    const { reader, provider, meter } = setup({
      cardinalityLimit: 10,
      logger: { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} },
    });
    const c = meter.createCounter('some.metric');
    for (let i = 0; i < 20; i++) c.add(1, { id: String(i) });
    await reader.render();
    await reader.render();
    expect(warnings.filter((w) => w.includes('some.metric'))).toHaveLength(1);
    expect(warnings[0]).toMatch(/^\[rohas-telemetry\] \[prometheus\] metric some\.metric /);
    await provider.shutdown();
  });
});
