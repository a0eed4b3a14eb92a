/*
 * Compatibility with the OpenTelemetry Collector's ClickHouse exporter: tables created as the exporter creates them
 * (its columns only, MergeTree), rows inserted as the exporter inserts them, then rohas pointed at that database.
 * The fixtures follow opentelemetry-collector-contrib exporter/clickhouseexporter:
 *   traces: internal/sqltemplates/traces_insert.sql @ 61540ced55e993255df9bcfca48ed89a87d3914f, and exporter_traces.go
 *     (kind and status as traceutil.SpanKindStr / StatusCodeStr: SPAN_KIND_SERVER, STATUS_CODE_ERROR; attributes
 *     through AttributesToMap, i.e. pcommon.Value.AsString(): 500 -> "500", true -> "true"; Duration in ns)
 *   logs: internal/sqltemplates/logs_insert.sql @ 2cbebc60540726748bb22ebb25c969e733761416 (Body = AsString())
 *   metrics: internal/metrics/sum_metrics.go @ 1c7d775d570f02d91bf4a0689f5f65d93ec2a11b (AggregationTemporality as
 *     the OTLP number, IsMonotonic), gauge/histogram the same way.
 */
import type { TelemetryAdapter } from '@rohas/telemetry';
import { normalizeLogQuery, normalizeMetricQuery, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { TABLES } from '@rohas/telemetry-clickhouse';
import { makeSpan, newSpanId, newTraceId, nowNano, runId, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { chQuery, makeClickHouseAdapter } from './clickhouse-helpers.js';

/** The exporter's own sort keys (rohas uses ReplacingMergeTree with (TraceId, SpanId) appended for spans). */
const COLLECTOR_KEYS: Record<string, string> = {
  otel_traces:
    'PARTITION BY toDate(Timestamp) PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp)) ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
};

describeBackend('clickhouse', 'clickhouse adapter over tables and rows the OTel Collector exporter wrote', (ch) => {
  const db = `rt_collector_${process.pid}`;
  const service = `collector-${runId()}`;
  const traceId = newTraceId();
  const rootId = newSpanId();
  const childId = newSpanId();
  const t0 = nowNano() - 30n * SECOND;
  let adapter: TelemetryAdapter;

  beforeAll(async () => {
    await chQuery(ch, `CREATE DATABASE IF NOT EXISTS ${db}`);
    for (const name of [
      'otel_traces',
      'otel_traces_trace_id_ts',
      'otel_logs',
      'otel_metrics_gauge',
      'otel_metrics_sum',
      'otel_metrics_histogram',
    ]) {
      const spec = TABLES[name]!;
      const cols = [...spec.columns.map(([n, t]) => `${n} ${t}`), ...spec.indexes].join(', ');
      const engine = name === 'otel_traces_trace_id_ts' ? 'AggregatingMergeTree' : 'MergeTree';
      await chQuery(ch, `CREATE TABLE ${db}.${name} (${cols}) ENGINE = ${engine} ${COLLECTOR_KEYS[name] ?? spec.keys}`);
    }
    await chQuery(
      ch,
      `CREATE MATERIALIZED VIEW ${db}.otel_traces_trace_id_ts_mv TO ${db}.otel_traces_trace_id_ts AS SELECT TraceId, min(Timestamp) AS Start, max(Timestamp) AS End FROM ${db}.otel_traces WHERE TraceId != '' GROUP BY TraceId`,
    );
    const spans = [
      {
        Timestamp: t0.toString(),
        TraceId: traceId,
        SpanId: rootId,
        ParentSpanId: '',
        TraceState: '',
        SpanName: 'POST /pay',
        SpanKind: 'SPAN_KIND_SERVER',
        ServiceName: service,
        ResourceAttributes: { 'service.name': service, 'host.name': 'node-7' },
        ScopeName: 'io.opentelemetry.http',
        ScopeVersion: '1.2.0',
        SpanAttributes: { 'http.status_code': '500', 'http.route': '/pay', retry: 'true' },
        Duration: '1500000123',
        StatusCode: 'STATUS_CODE_ERROR',
        StatusMessage: 'card declined',
        'Events.Timestamp': [(t0 + 7n).toString()],
        'Events.Name': ['exception'],
        'Events.Attributes': [{ 'exception.message': 'declined' }],
        'Links.TraceId': [newTraceId()],
        'Links.SpanId': [newSpanId()],
        'Links.TraceState': ['k=v'],
        'Links.Attributes': [{ kind: 'follows' }],
      },
      {
        Timestamp: (t0 + 1_000_001n).toString(),
        TraceId: traceId,
        SpanId: childId,
        ParentSpanId: rootId,
        TraceState: '',
        SpanName: 'SELECT',
        SpanKind: 'SPAN_KIND_CLIENT',
        ServiceName: '',
        ResourceAttributes: {},
        ScopeName: '',
        ScopeVersion: '',
        SpanAttributes: { 'db.system': 'postgresql' },
        Duration: '999',
        StatusCode: 'STATUS_CODE_UNSET',
        StatusMessage: '',
        'Events.Timestamp': [],
        'Events.Name': [],
        'Events.Attributes': [],
        'Links.TraceId': [],
        'Links.SpanId': [],
        'Links.TraceState': [],
        'Links.Attributes': [],
      },
    ];
    const cols = Object.keys(spans[0]!).join(', ');
    await chQuery(
      ch,
      `INSERT INTO ${db}.otel_traces (${cols}) FORMAT JSONEachRow`,
      {},
      spans.map((s) => JSON.stringify(s)).join('\n'),
    );
    const log = {
      Timestamp: (t0 + 5n).toString(),
      TraceId: traceId,
      SpanId: rootId,
      TraceFlags: 1,
      SeverityText: 'ERROR',
      SeverityNumber: 17,
      ServiceName: service,
      Body: 'payment failed for order 42',
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      ResourceAttributes: { 'service.name': service },
      ScopeSchemaUrl: '',
      ScopeName: 'payments',
      ScopeVersion: '',
      ScopeAttributes: {},
      LogAttributes: { 'order.id': '42' },
    };
    await chQuery(
      ch,
      `INSERT INTO ${db}.otel_logs (${Object.keys(log).join(', ')}) FORMAT JSONEachRow`,
      {},
      JSON.stringify(log),
    );
    const metric = (name: string, extra: Record<string, unknown>, i: number) => ({
      ResourceAttributes: { 'service.name': service },
      ResourceSchemaUrl: '',
      ScopeName: 'meter',
      ScopeVersion: '',
      ScopeAttributes: {},
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: '',
      ServiceName: service,
      MetricName: name,
      MetricDescription: `${name} description`,
      MetricUnit: 'ms',
      Attributes: { route: '/pay' },
      StartTimeUnix: (t0 - 10n * SECOND).toString(),
      TimeUnix: (t0 + BigInt(i) * SECOND).toString(),
      Flags: 0,
      'Exemplars.FilteredAttributes': [],
      'Exemplars.TimeUnix': [],
      'Exemplars.Value': [],
      'Exemplars.SpanId': [],
      'Exemplars.TraceId': [],
      ...extra,
    });
    const insert = async (table: string, rowsToInsert: Record<string, unknown>[]) =>
      chQuery(
        ch,
        `INSERT INTO ${db}.${table} (${Object.keys(rowsToInsert[0]!).join(', ')}) FORMAT JSONEachRow`,
        {},
        rowsToInsert.map((r) => JSON.stringify(r)).join('\n'),
      );
    await insert(
      'otel_metrics_sum',
      [0, 1, 2].map((i) =>
        metric(`${service}.requests`, { Value: 10 * (i + 1), AggregationTemporality: 2, IsMonotonic: true }, i),
      ),
    );
    await insert('otel_metrics_gauge', [metric(`${service}.queue`, { Value: 3.5 }, 0)]);
    await insert('otel_metrics_histogram', [
      metric(
        `${service}.latency`,
        {
          Count: '10',
          Sum: 250,
          BucketCounts: ['2', '5', '3'],
          ExplicitBounds: [10, 50],
          Min: 1,
          Max: 90,
          AggregationTemporality: 1,
        },
        0,
      ),
    ]);
    // rohas on top: its migrations add their columns to the Collector's tables and keep every row.
    adapter = makeClickHouseAdapter(ch, { database: db });
    await adapter.init();
  }, 120_000);
  afterAll(async () => {
    await adapter?.close();
  });

  it('getTrace returns the Collector spans with exact nanosecond times, kinds, status, events and links', async () => {
    const got = (await adapter.traces!.getTrace(traceId))!;
    expect(got.map((s) => s.spanId)).toEqual([rootId, childId]);
    const root = got[0]!;
    expect(root.startTimeUnixNano).toBe(t0);
    expect(root.endTimeUnixNano).toBe(t0 + 1_500_000_123n);
    expect(root.kind).toBe(2);
    expect(root.status).toEqual({ code: 2, message: 'card declined' });
    // The layout keeps text: the values come back as the strings the Collector stored.
    expect(root.attributes).toEqual({ 'http.status_code': '500', 'http.route': '/pay', retry: 'true' });
    expect(root.resource.attributes).toEqual({ 'service.name': service, 'host.name': 'node-7' });
    expect(root.scope).toEqual({ name: 'io.opentelemetry.http', version: '1.2.0' });
    expect(root.events).toEqual([
      { name: 'exception', timeUnixNano: t0 + 7n, attributes: { 'exception.message': 'declined' } },
    ]);
    expect(root.links[0]).toMatchObject({ traceState: 'k=v', attributes: { kind: 'follows' } });
    expect(got[1]!.parentSpanId).toBe(rootId);
    expect(got[1]!.kind).toBe(3);
  });

  it('findTraces finds them by service, attribute text and status, and summarises the trace', async () => {
    const caps = adapter.traces!.capabilities;
    const byService = await adapter.traces!.findTraces(normalizeTraceQuery({ service }, caps));
    expect(byService.items).toEqual([
      {
        traceId,
        rootServiceName: service,
        rootSpanName: 'POST /pay',
        startTimeUnixNano: t0,
        durationNano: 1_500_000_123n,
        spanCount: 2,
        errorCount: 1,
        services: [service, 'unknown_service'].sort(),
      },
    ]);
    const byAttr = await adapter.traces!.findTraces(
      normalizeTraceQuery({ attributes: { 'http.status_code': '500', 'host.name': 'node-7' }, status: 'error' }, caps),
    );
    expect(byAttr.items.map((t) => t.traceId)).toEqual([traceId]);
    expect(await adapter.traces!.listServices()).toEqual(expect.arrayContaining([service, 'unknown_service']));
    expect(await adapter.traces!.listOperations('unknown_service')).toEqual(['SELECT']);
  });

  it('queryLogs reads the Collector log record', async () => {
    const r = await adapter.logs!.queryLogs(
      normalizeLogQuery({ service, text: 'order 42' }, adapter.logs!.capabilities),
    );
    expect(r.items.length).toBe(1);
    expect(r.items[0]).toMatchObject({
      timeUnixNano: t0 + 5n,
      severityNumber: 17,
      severityText: 'ERROR',
      body: 'payment failed for order 42',
      traceId,
      spanId: rootId,
      flags: 1,
      attributes: { 'order.id': '42' },
      resource: { attributes: { 'service.name': service }, schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' },
    });
  });

  it('queryMetrics and listMetrics read the Collector sum, gauge and histogram tables', async () => {
    const caps = adapter.metrics!.capabilities;
    const sum = await adapter.metrics!.queryMetrics(
      normalizeMetricQuery(
        { name: `${service}.requests`, start: t0 - SECOND, end: t0 + 10n * SECOND, aggregation: 'max', groupBy: [] },
        caps,
      ),
    );
    expect(sum).toEqual([
      {
        name: `${service}.requests`,
        type: 'counter',
        unit: 'ms',
        labels: {},
        points: [{ timeUnixNano: t0 - SECOND, value: 30 }],
      },
    ]);
    const p90 = await adapter.metrics!.queryMetrics(
      normalizeMetricQuery(
        { name: `${service}.latency`, start: t0, end: t0 + SECOND, aggregation: 'count', service },
        caps,
      ),
    );
    expect(p90[0]!.points[0]!.value).toBe(10);
    expect(p90[0]!.labels).toEqual({ route: '/pay' });
    const list = await adapter.metrics!.listMetrics();
    expect(list).toEqual(
      expect.arrayContaining([
        { name: `${service}.requests`, description: `${service}.requests description`, unit: 'ms', type: 'counter' },
        { name: `${service}.queue`, description: `${service}.queue description`, unit: 'ms', type: 'gauge' },
        { name: `${service}.latency`, description: `${service}.latency description`, unit: 'ms', type: 'histogram' },
      ]),
    );
  });

  it('what rohas writes reads as the Collector writes it (enum names, text attributes, the lookup table)', async () => {
    const span = makeSpan({
      service: `rohas-${runId()}`,
      status: 2,
      attributes: { 'http.status_code': 503, ok: false, tags: ['a', 'b'] },
    });
    expect((await adapter.traces!.write([span])).ok).toBe(true);
    const [row] = await chQuery<Record<string, unknown>>(
      ch,
      `SELECT SpanKind, StatusCode, ServiceName, SpanAttributes, toString(Duration) AS d, toString(toUnixTimestamp64Nano(Timestamp)) AS ts
       FROM ${db}.otel_traces WHERE TraceId = {id:String}`,
      { id: span.traceId },
    );
    expect(row).toEqual({
      SpanKind: 'SPAN_KIND_SERVER',
      StatusCode: 'STATUS_CODE_ERROR',
      ServiceName: span.resource.attributes['service.name'],
      SpanAttributes: { 'http.status_code': '503', ok: 'false', tags: '["a","b"]' },
      d: (span.endTimeUnixNano - span.startTimeUnixNano).toString(),
      ts: span.startTimeUnixNano.toString(),
    });
    const lookup = await chQuery<{ n: string }>(
      ch,
      `SELECT count() AS n FROM ${db}.otel_traces_trace_id_ts WHERE TraceId = {id:String}`,
      { id: span.traceId },
    );
    expect(lookup[0]!.n).toBe('1');
  });
});
