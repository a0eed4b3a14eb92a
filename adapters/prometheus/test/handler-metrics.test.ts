// Tests the core's reference-metric helpers (packages/core/src/handler-metrics.ts) through the SDK and through this
// adapter's exposition. Imported by path until the core's index exports it; then `from '@rohas/telemetry'`.
import { DataPointType, MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { createHandlerMetrics } from '../../../packages/core/src/handler-metrics.js';
import { PrometheusPullReader } from '../src/reader.js';
import { sampleValue, TestReader } from './helpers.js';

const api = { handlerName: 'CreateUser', handlerType: 'api', language: 'typescript' } as const;
const cron = { handlerName: 'Nightly', handlerType: 'cron', language: 'python' } as const;

async function collect(reader: TestReader): Promise<Map<string, MetricData>> {
  const { resourceMetrics } = await reader.collect();
  const out = new Map<string, MetricData>();
  for (const sm of resourceMetrics.scopeMetrics) for (const m of sm.metrics) out.set(m.descriptor.name, m);
  return out;
}

function points(m: MetricData | undefined) {
  return (m?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value }));
}

describe('createHandlerMetrics (Rohas reference metrics)', () => {
  it('records executions with the reference labels and names', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const hm = createHandlerMetrics(provider.getMeter('rohas'), { systemMetrics: false });
    hm.recordExecution(api, 12, 'success');
    hm.recordExecution(api, 30, 'error');
    hm.recordExecution(cron, 400, 'success');
    const m = await collect(reader);
    expect(points(m.get('handler.execution.count'))).toEqual(
      expect.arrayContaining([
        {
          attributes: { handler_name: 'CreateUser', handler_type: 'api', language: 'typescript', status: 'success' },
          value: 1,
        },
        {
          attributes: { handler_name: 'CreateUser', handler_type: 'api', language: 'typescript', status: 'error' },
          value: 1,
        },
        {
          attributes: { handler_name: 'Nightly', handler_type: 'cron', language: 'python', status: 'success' },
          value: 1,
        },
      ]),
    );
    expect(points(m.get('handler.execution.errors'))).toEqual([
      { attributes: { handler_name: 'CreateUser', handler_type: 'api', language: 'typescript' }, value: 1 },
    ]);
    expect(points(m.get('handler.execution.success'))).toHaveLength(2);
    const duration = m.get('handler.execution.duration')!;
    expect(duration.dataPointType).toBe(DataPointType.HISTOGRAM);
    expect(duration.descriptor.unit).toBe('ms');
    const cronPoint = duration.dataPoints.find((p) => p.attributes.handler_name === 'Nightly')!;
    expect(cronPoint.value).toMatchObject({ count: 1, sum: 400 });
    await provider.shutdown();
  });

  it('track() times a call, counts errors, rethrows, and keeps system.active.handlers right', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const hm = createHandlerMetrics(provider.getMeter('rohas'), { systemMetrics: false });
    let during: unknown;
    const result = await hm.track(api, async () => {
      during = points((await collect(reader)).get('system.active.handlers'));
      return 42;
    });
    expect(result).toBe(42);
    expect(during).toEqual([
      { attributes: { handler_name: 'CreateUser', handler_type: 'api', language: 'typescript' }, value: 1 },
    ]);
    await expect(hm.track(api, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const end = hm.handlerStarted(cron);
    end();
    end(); // a second call must not decrement again
    const m = await collect(reader);
    expect(points(m.get('system.active.handlers')).map((p) => p.value)).toEqual([0, 0]);
    expect(points(m.get('handler.execution.errors'))[0]?.value).toBe(1);
    expect(points(m.get('handler.execution.success'))[0]?.value).toBe(1);
    await provider.shutdown();
  });

  it('records events and observes memory and CPU', async () => {
    const reader = new TestReader();
    const provider = new MeterProvider({ readers: [reader] });
    const hm = createHandlerMetrics(provider.getMeter('rohas'));
    hm.recordEventPublished('UserCreated', api);
    hm.recordEventPublished('UserCreated');
    hm.recordEventHandled(
      'UserCreated',
      { handlerName: 'SendMail', handlerType: 'event', language: 'rust' },
      8,
      'success',
    );
    let spin = 0;
    for (let i = 0; i < 1e6; i++) spin += i;
    expect(spin).toBeGreaterThan(0);
    const m = await collect(reader);
    expect(points(m.get('event.published.count'))).toHaveLength(2);
    expect(points(m.get('event.handled.count'))).toEqual([
      {
        attributes: {
          event_name: 'UserCreated',
          handler_name: 'SendMail',
          handler_type: 'event',
          language: 'rust',
          status: 'success',
        },
        value: 1,
      },
    ]);
    expect(m.get('event.handled.duration')?.dataPoints[0]?.value).toMatchObject({ count: 1, sum: 8 });
    const memory = points(m.get('system.memory.usage'));
    const rss = memory.find((p) => p.attributes.type === 'rss')?.value as number;
    expect(rss).toBeGreaterThan(1024 * 1024);
    const cpu = points(m.get('system.cpu.usage'))[0]?.value as number;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThan(64);
    hm.close();
    await provider.shutdown();
  });

  it('shows up in Prometheus form with _total and unit suffixes', async () => {
    const reader = new PrometheusPullReader({ port: 0 });
    const provider = new MeterProvider({ readers: [reader] });
    const hm = createHandlerMetrics(provider.getMeter('rohas'));
    hm.recordExecution(api, 12, 'success');
    hm.handlerStarted(api);
    const text = await reader.render();
    expect(
      sampleValue(
        text,
        'handler_execution_count_total{handler_name="CreateUser",handler_type="api",language="typescript",status="success"',
      ),
    ).toBe(1);
    expect(text).toContain('# TYPE handler_execution_duration_milliseconds histogram');
    expect(
      sampleValue(
        text,
        'handler_execution_duration_milliseconds_bucket{handler_name="CreateUser",handler_type="api",language="typescript",status="success",otel_scope_name="rohas",le="25"}',
      ),
    ).toBe(1);
    expect(text).toContain('# TYPE system_memory_usage_bytes gauge');
    expect(text).toContain('# TYPE system_cpu_usage_ratio gauge');
    expect(text).toContain('# TYPE system_active_handlers gauge');
    expect(sampleValue(text, 'system_active_handlers{handler_name="CreateUser"')).toBe(1);
    await provider.shutdown();
  });
});
