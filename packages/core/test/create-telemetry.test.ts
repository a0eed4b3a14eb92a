import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTelemetry, loadConfig, type Telemetry } from '../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('createTelemetry over the embedded SQLite default', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rohas-e2e-'));
  let telemetry: Telemetry;
  beforeAll(async () => {
    writeFileSync(
      join(dir, 'rohas.toml'),
      '[telemetry]\nservice_name = "users-api"\nmetric_export_interval_ms = 60000\n',
    );
    telemetry = await createTelemetry(loadConfig(join(dir, 'rohas.toml'), { env: {} }), { logger: silent });
  });
  afterAll(() => telemetry?.shutdown());

  it('stores spans, metrics and logs made with the OpenTelemetry API and reads them back', async () => {
    const { tracer, meter, logger } = telemetry;
    const counter = meter.createCounter('handler.execution.count');
    const duration = meter.createHistogram('handler.execution.duration', { unit: 'ms' });
    let traceId = '';
    await tracer.startActiveSpan('GET /users', async (root) => {
      traceId = root.spanContext().traceId;
      root.setAttribute('http.route', '/users');
      root.setAttribute('http.status_code', 200);
      await tracer.startActiveSpan('db.query', async (child) => {
        child.addEvent('rows', { count: 3 });
        child.setStatus({ code: SpanStatusCode.ERROR, message: 'slow' });
        logger.emit({
          severityNumber: SeverityNumber.WARN,
          severityText: 'WARN',
          body: 'slow query',
          attributes: { table: 'users' },
        });
        child.end();
      });
      counter.add(1, { handler_name: 'ListUsers', status: 'success' });
      duration.record(45, { handler_name: 'ListUsers' });
      root.end();
    });
    await telemetry.forceFlush();

    // No file was configured beyond the service: data lives under the default .rohas/telemetry next to the config.
    expect(telemetry.storage.backends).toEqual({ traces: 'sqlite', metrics: 'sqlite', logs: 'sqlite' });
    const found = await telemetry.query.findTraces({
      service: 'users-api',
      attributes: { 'http.route': '/users' },
      limit: 20,
    });
    expect(found.items.map((t) => t.traceId)).toEqual([traceId]);
    expect(found.items[0]).toMatchObject({ rootSpanName: 'GET /users', spanCount: 2, errorCount: 1 });

    const spans = (await telemetry.query.getTrace(traceId))!;
    // Root and child may start in the same nanosecond tick; getTrace then orders them by span id.
    expect(spans.map((s) => s.name).sort()).toEqual(['GET /users', 'db.query']);
    const root = spans.find((s) => s.name === 'GET /users')!;
    const child = spans.find((s) => s.name === 'db.query')!;
    expect(child.parentSpanId).toBe(root.spanId);
    expect(root.parentSpanId).toBeUndefined();
    expect(root.kind).toBe(1);
    expect(root.attributes).toEqual({ 'http.route': '/users', 'http.status_code': 200 });
    expect(child.events[0]).toMatchObject({ name: 'rows', attributes: { count: 3 } });
    expect(child.status).toEqual({ code: 2, message: 'slow' });
    expect(root.resource.attributes['service.name']).toBe('users-api');
    expect(root.resource.attributes['telemetry.sdk.language']).toBe('nodejs');
    expect(typeof root.startTimeUnixNano).toBe('bigint');

    const logs = await telemetry.query.queryLogs({ traceId });
    expect(logs.items.length).toBe(1);
    expect(logs.items[0]).toMatchObject({
      body: 'slow query',
      severityNumber: 13,
      spanId: child.spanId,
      attributes: { table: 'users' },
    });

    const now = BigInt(Date.now()) * 1_000_000n;
    const count = await telemetry.query.queryMetrics({
      name: 'handler.execution.count',
      start: now - 60_000_000_000n,
      end: now + 60_000_000_000n,
      aggregation: 'last',
    });
    expect(count).toEqual([
      expect.objectContaining({
        type: 'counter',
        labels: { handler_name: 'ListUsers', status: 'success' },
        points: [expect.objectContaining({ value: 1 })],
      }),
    ]);
    const p50 = await telemetry.query.queryMetrics({
      name: 'handler.execution.duration',
      start: now - 60_000_000_000n,
      end: now + 60_000_000_000n,
      aggregation: 'p50',
      groupBy: [],
    });
    expect(p50[0]!.points[0]!.value).toBeGreaterThan(25);
    expect(p50[0]!.points[0]!.value).toBeLessThanOrEqual(50);
    expect(telemetry.stats().traces).toMatchObject({ written: 2, dropped: 0, queued: 0 });
    expect(telemetry.stats().spansEnded).toBe(2);
  });

  it('rejects a query the backend cannot answer, naming the field', async () => {
    await expect(telemetry.query.findTraces({ limit: 0 })).rejects.toThrow(/limit must be an integer/);
    await expect(telemetry.query.getTrace('not-hex')).rejects.toThrow(/traceId must be 32 lowercase hex/);
  });

  it('keeps every span produced in a tight loop (no silent drops)', async () => {
    const before = telemetry.stats();
    for (let i = 0; i < 20_000; i++) telemetry.tracer.startSpan(`burst ${i % 10}`).end();
    await telemetry.forceFlush();
    const after = telemetry.stats();
    expect(after.spansEnded - before.spansEnded).toBe(20_000);
    expect(after.traces!.written - before.traces!.written).toBe(20_000);
    expect(after.traces!.dropped).toBe(0);
    // 20,000 spans written through SQLite: seconds on a loaded shared machine, so more than the 5 s default.
  }, 20_000);
});

describe('per-signal routing', () => {
  it('sends each signal to its own backend and says which are not stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rohas-route-'));
    writeFileSync(
      join(dir, 'rohas.toml'),
      '[telemetry]\ntype = "memory"\n[telemetry.traces]\ntype = "sqlite"\npath = "spans"\n[telemetry.logs]\nenabled = false\n',
    );
    const warnings: string[] = [];
    const t = await createTelemetry(loadConfig(join(dir, 'rohas.toml'), { env: {} }), {
      logger: { ...silent, warn: (m) => warnings.push(m) },
      registerGlobal: false,
    });
    try {
      expect(t.storage.backends).toEqual({ traces: 'sqlite', metrics: 'memory', logs: undefined });
      await expect(t.query.queryLogs({})).rejects.toThrow(/logs are disabled/);
    } finally {
      await t.shutdown();
    }
  });
});
