// The exporter round trip, reusable for every backend: the official OpenTelemetry JS exporters (protobuf and JSON over
// HTTP, and OTLP/gRPC plain and gzip) send spans, metrics and logs to a running server; every field is read back through GET /telemetry/... and
// compared with what the SDK produced. packages/server runs it over SQLite; integration tests can run it over any
// backend they start:
//
//   import { exporterRoundTrip } from '../../packages/server/test/support/exporter-round-trip.js';
//   exporterRoundTrip({ name: 'timescaledb', open: async () => { const storage = await openStorage(config); return { storage, cleanup: () => storage.shutdown() }; } });
import { randomBytes } from 'node:crypto';
import { SpanKind as ApiSpanKind, context, SpanStatusCode, TraceFlags, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsHttp } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TracesHttp } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  AggregationType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type RunningServer, startServer } from '../../src/index.js';
import { validateResponse } from './schemas.js';
import { type StorageFactory, withRecording } from './storages.js';

// The JSON exporters send gzip-compressed bodies, so the receiver's Content-Encoding path is covered by the official client too.
const GZIP = 'gzip' as never;

export interface RoundTripOptions {
  /** Backend name shown in test titles. */
  name: string;
  /** Opens a fresh storage (its data may be shared with other runs: every test uses random names). */
  open: StorageFactory['open'];
  /** Signals the backend stores (default all three). */
  signals?: { traces?: boolean; metrics?: boolean; logs?: boolean };
}

export function exporterRoundTrip(options: RoundTripOptions): void {
  const signals = { traces: true, metrics: true, logs: true, ...options.signals };
  let storage: ReturnType<typeof withRecording>;
  let cleanup: () => Promise<void>;
  let server: RunningServer;

  beforeAll(async () => {
    const opened = await options.open();
    storage = withRecording(opened.storage);
    cleanup = opened.cleanup;
    server = await startServer({ storage, port: 0, grpcPort: 'any', logger: { info() {}, warn() {}, error() {} } });
  });
  afterAll(async () => {
    await server?.close();
    await cleanup?.();
  });

  async function get(path: string): Promise<any> {
    const res = await fetch(server.url + path);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  }

  const ns = (hr: [number, number]) => (BigInt(hr[0]) * 1_000_000_000n + BigInt(hr[1])).toString();

  // OTLP/gRPC: the official gRPC exporters to the server's gRPC port, plain and gzip-compressed.
  const grpcUrl = () => `http://127.0.0.1:${server.grpcPort}`;
  const grpcCompression = (encoding: string) => (encoding === 'grpc-gzip' ? GZIP : ('none' as never));

  for (const encoding of ['protobuf', 'json', 'grpc', 'grpc-gzip'] as const) {
    describe(`official OTLP ${encoding} exporters -> ${options.name}`, () => {
      const service = `svc-${encoding}-${randomBytes(4).toString('hex')}`;
      const resource = resourceFromAttributes({
        'service.name': service,
        'host.name': 'test-host',
        'process.pid': 4242,
        'deployment.tags': ['a', 'b'],
      });

      it.skipIf(!signals.traces)('sends spans whose every field reads back from /telemetry/traces', async () => {
        const memory = new InMemorySpanExporter();
        const url = `${server.url}/v1/traces`;
        const exporter =
          encoding === 'protobuf'
            ? new TracesProto({ url })
            : encoding === 'json'
              ? new TracesHttp({ url, compression: GZIP })
              : new TracesGrpc({ url: grpcUrl(), compression: grpcCompression(encoding) });
        const provider = new BasicTracerProvider({
          resource,
          spanLimits: { attributeCountLimit: 6, eventCountLimit: 2, linkCountLimit: 1 },
          spanProcessors: [new SimpleSpanProcessor(exporter), new SimpleSpanProcessor(memory)],
        });
        const tracer = provider.getTracer('exporter-test', '1.2.3', {
          schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        });
        const linkedTrace = randomBytes(16).toString('hex');
        const linkedSpan = randomBytes(8).toString('hex');
        const root = tracer.startSpan('GET /users', {
          kind: ApiSpanKind.SERVER,
          attributes: {
            'http.route': '/users',
            'http.status_code': 500,
            ratio: 0.25,
            ok: false,
            tags: ['x', 'y'],
            nums: [1, 2, 3],
          },
          links: [
            {
              context: {
                traceId: linkedTrace,
                spanId: linkedSpan,
                traceFlags: TraceFlags.SAMPLED,
                traceState: undefined,
              },
              attributes: { 'link.kind': 'retry', n: 2 },
            },
            {
              context: {
                traceId: randomBytes(16).toString('hex'),
                spanId: randomBytes(8).toString('hex'),
                traceFlags: 0,
              },
            },
          ],
        });
        root.setAttribute('extra.1', 'a');
        root.setAttribute('extra.2', 'dropped'); // 7th attribute: over the limit of 6 -> droppedAttributesCount 1
        root.addEvent('cache miss', { key: 'user:1', size: 12 });
        root.addEvent('retry', { attempt: 1 });
        root.addEvent('third'); // over the event limit of 2 -> droppedEventsCount 1
        root.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
        const child = tracer.startSpan(
          'SELECT users',
          { kind: ApiSpanKind.CLIENT, attributes: { 'db.system': 'sqlite' } },
          trace.setSpan(context.active(), root),
        );
        child.end();
        root.end();
        await provider.forceFlush();
        await storage.forceFlush();

        const expected = memory.getFinishedSpans();
        expect(expected).toHaveLength(2);
        const traceId = root.spanContext().traceId;
        const body = await get(`/telemetry/traces/${traceId}`);
        validateResponse('trace', body);
        expect(body.spans).toHaveLength(2);
        for (const sdkSpan of expected) {
          const got = body.spans.find((s: any) => s.spanId === sdkSpan.spanContext().spanId);
          expect(got, sdkSpan.name).toBeDefined();
          expect(got.traceId).toBe(sdkSpan.spanContext().traceId);
          expect(got.parentSpanId).toBe(sdkSpan.parentSpanContext?.spanId);
          expect(got.name).toBe(sdkSpan.name);
          expect(got.kind).toBe(sdkSpan.kind + 1); // API SpanKind is 0-based INTERNAL; OTLP adds UNSPECIFIED = 0
          expect(got.startTimeUnixNano).toBe(ns(sdkSpan.startTime));
          expect(got.endTimeUnixNano).toBe(ns(sdkSpan.endTime));
          expect(got.attributes).toEqual(sdkSpan.attributes);
          expect(got.droppedAttributesCount ?? 0).toBe(sdkSpan.droppedAttributesCount);
          expect(got.droppedEventsCount ?? 0).toBe(sdkSpan.droppedEventsCount);
          expect(got.droppedLinksCount ?? 0).toBe(sdkSpan.droppedLinksCount);
          expect(got.status).toEqual(
            sdkSpan.status.message
              ? { code: sdkSpan.status.code, message: sdkSpan.status.message }
              : { code: sdkSpan.status.code },
          );
          expect(got.events).toEqual(
            sdkSpan.events.map((e) => ({
              name: e.name,
              timeUnixNano: ns(e.time),
              attributes: e.attributes ?? {},
              ...(e.droppedAttributesCount ? { droppedAttributesCount: e.droppedAttributesCount } : {}),
            })),
          );
          expect(got.links).toEqual(
            sdkSpan.links.map((l) => ({
              traceId: l.context.traceId,
              spanId: l.context.spanId,
              attributes: l.attributes ?? {},
            })),
          );
          expect(got.resource.attributes).toEqual(resource.attributes);
          expect(got.scope).toEqual({
            name: 'exporter-test',
            version: '1.2.3',
            schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
          });
          // OTLP span flags: the W3C flags plus bit 8 "has is_remote" (the JS exporter sets it).
          expect((got.flags ?? 0) & 0xff).toBe(sdkSpan.spanContext().traceFlags);
        }
        const root2 = body.spans.find((s: any) => s.name === 'GET /users');
        expect(root2.droppedAttributesCount).toBe(2); // extra.1 and extra.2 are the 7th and 8th
        expect(root2.droppedEventsCount).toBe(1);
        expect(root2.droppedLinksCount).toBe(1);
        expect(root2.attributes['http.status_code']).toBe(500);
        expect(root2.attributes.ratio).toBe(0.25);

        const search = await get(`/telemetry/traces?service=${service}&attr=http.status_code=500&status=error`);
        validateResponse('traces', search);
        expect(search.traces.map((t: any) => t.traceId)).toEqual([traceId]);
        expect(search.traces[0]).toMatchObject({
          rootServiceName: service,
          rootSpanName: 'GET /users',
          spanCount: 2,
          errorCount: 1,
          services: [service],
        });
        const services = await get('/telemetry/services');
        validateResponse('services', services);
        expect(services.services).toContain(service);
        const ops = await get(`/telemetry/services/${service}/operations`);
        expect(ops.operations).toEqual(['GET /users', 'SELECT users']);
        await provider.shutdown();
      });

      it.skipIf(!signals.metrics)(
        'sends metrics of every instrument type whose fields read back from /telemetry/metrics',
        async () => {
          const url = `${server.url}/v1/metrics`;
          const exporter =
            encoding === 'protobuf'
              ? new MetricsProto({ url, temporalityPreference: AggregationTemporality.CUMULATIVE } as never)
              : encoding === 'json'
                ? new MetricsHttp({ url, compression: GZIP } as never)
                : new MetricsGrpc({
                    url: grpcUrl(),
                    compression: grpcCompression(encoding),
                    temporalityPreference: AggregationTemporality.CUMULATIVE,
                  } as never);
          const memory = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
          // One reader feeds both the OTLP exporter and the in-memory copy, so both see the very same collection.
          const tee = {
            export(batch: any, done: (r: any) => void) {
              memory.export(batch, () => {});
              (exporter as any).export(batch, done);
            },
            forceFlush: () => exporter.forceFlush(),
            shutdown: () => exporter.shutdown(),
            selectAggregationTemporality: (exporter as any).selectAggregationTemporality?.bind(exporter),
          };
          const readers = [
            new PeriodicExportingMetricReader({ exporter: tee as never, exportIntervalMillis: 3_600_000 }),
          ];
          const prefix = `m_${encoding}_${randomBytes(3).toString('hex')}`;
          const provider = new MeterProvider({
            resource,
            readers,
            views: [{ instrumentName: `${prefix}.exp`, aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
          });
          const meter = provider.getMeter('metrics-test', '0.1.0');
          const counter = meter.createCounter(`${prefix}.requests`, {
            description: 'requests served',
            unit: '{request}',
          });
          counter.add(3, { route: '/a' });
          counter.add(4, { route: '/b' });
          meter.createUpDownCounter(`${prefix}.inflight`).add(-2, { pool: 'p1' });
          const hist = meter.createHistogram(`${prefix}.latency`, {
            unit: 'ms',
            advice: { explicitBucketBoundaries: [10, 100] },
          });
          for (const v of [5, 50, 500, 60]) hist.record(v, { route: '/a' });
          meter.createGauge(`${prefix}.temp`, { unit: 'Cel' }).record(21.5, { room: 'lab' });
          const exp = meter.createHistogram(`${prefix}.exp`);
          for (const v of [1, 2, 4, 8]) exp.record(v);
          await Promise.all(readers.map((r) => r.forceFlush()));
          await storage.forceFlush();

          const list = await get('/telemetry/metrics');
          validateResponse('metricList', list);
          const byName = new Map(list.metrics.map((m: any) => [m.name, m]));
          expect(byName.get(`${prefix}.requests`)).toEqual({
            name: `${prefix}.requests`,
            description: 'requests served',
            unit: '{request}',
            type: 'counter',
          });
          expect(byName.get(`${prefix}.inflight`)).toMatchObject({ type: 'up_down_counter' });
          expect(byName.get(`${prefix}.latency`)).toMatchObject({ type: 'histogram', unit: 'ms' });
          expect(byName.get(`${prefix}.temp`)).toMatchObject({ type: 'gauge', unit: 'Cel' });
          expect(byName.get(`${prefix}.exp`)).toMatchObject({ type: 'exponential_histogram' });

          const sums = await get(
            `/telemetry/metrics?name=${prefix}.requests&start=now-1h&end=now%2B1m&aggregation=last&groupBy=route`,
          );
          validateResponse('metricSeries', sums);
          expect(sums.series.map((s: any) => [s.labels.route, s.points.at(-1).value]).sort()).toEqual([
            ['/a', 3],
            ['/b', 4],
          ]);
          const p50 = await get(
            `/telemetry/metrics?name=${prefix}.latency&start=now-1h&end=now%2B1m&aggregation=count`,
          );
          expect(p50.series[0].points[0].value).toBe(4);
          const gauge = await get(
            `/telemetry/metrics?name=${prefix}.temp&start=now-1h&end=now%2B1m&aggregation=max&attr=room=lab`,
          );
          expect(gauge.series[0].points[0].value).toBe(21.5);

          // Every field of every point, against the SDK's own export of the same collection.
          const sdk = memory.getMetrics().at(-1)!;
          for (const scopeMetrics of sdk.scopeMetrics) {
            for (const m of scopeMetrics.metrics) {
              for (const dp of m.dataPoints) {
                const got = storage.received.points.find(
                  (p) => p.name === m.descriptor.name && JSON.stringify(p.attributes) === JSON.stringify(dp.attributes),
                );
                expect(got, m.descriptor.name).toBeDefined();
                expect(got!.startTimeUnixNano).toBe(BigInt(ns(dp.startTime)));
                expect(got!.timeUnixNano).toBe(BigInt(ns(dp.endTime)));
                expect(got!.resource.attributes).toEqual(resource.attributes);
                expect(got!.scope).toEqual({ name: 'metrics-test', version: '0.1.0' });
                expect(got!.description).toBe(m.descriptor.description || undefined);
                expect(got!.unit).toBe(m.descriptor.unit || undefined);
                const v = dp.value as any;
                if (typeof v === 'number') expect(got!.value).toBe(v);
                else if (got!.type === 'histogram') {
                  expect(got!.histogram).toEqual({
                    count: v.count,
                    sum: v.sum,
                    min: v.min,
                    max: v.max,
                    bounds: v.buckets.boundaries,
                    counts: v.buckets.counts,
                  });
                } else {
                  expect(got!.exponentialHistogram).toEqual({
                    count: v.count,
                    sum: v.sum,
                    min: v.min,
                    max: v.max,
                    scale: v.scale,
                    zeroCount: v.zeroCount,
                    positive: { offset: v.positive.offset, bucketCounts: v.positive.bucketCounts },
                    negative: { offset: v.negative.offset, bucketCounts: v.negative.bucketCounts },
                  });
                }
              }
            }
          }
          await provider.shutdown();
        },
      );

      it.skipIf(!signals.logs)('sends logs whose every field reads back from /telemetry/logs', async () => {
        const url = `${server.url}/v1/logs`;
        const exporter =
          encoding === 'protobuf'
            ? new LogsProto({ url })
            : encoding === 'json'
              ? new LogsHttp({ url, compression: GZIP })
              : new LogsGrpc({ url: grpcUrl(), compression: grpcCompression(encoding) });
        const memory = new InMemoryLogRecordExporter();
        const provider = new LoggerProvider({
          resource,
          processors: [new SimpleLogRecordProcessor({ exporter }), new SimpleLogRecordProcessor({ exporter: memory })],
        });
        const logger = provider.getLogger('logs-test', '2.0.0');
        const traceId = randomBytes(16).toString('hex');
        const spanId = randomBytes(8).toString('hex');
        const ctx = trace.setSpanContext(context.active(), { traceId, spanId, traceFlags: TraceFlags.SAMPLED });
        logger.emit({
          severityNumber: SeverityNumber.WARN,
          severityText: 'WARN',
          body: 'disk almost full',
          attributes: { 'disk.free': 12.5, mount: '/' },
          context: ctx,
        });
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          body: { msg: 'structured', code: 7, nested: { ok: true, list: [1, 'two'] } },
          attributes: { big: 1 },
          eventName: 'app.failure',
          context: ctx,
        });
        await provider.forceFlush();
        await storage.forceFlush();

        // SimpleLogRecordProcessor.forceFlush does not wait for the exporter's HTTP request: wait for it to land.
        await vi.waitFor(() => expect(storage.received.logs.filter((l) => l.traceId === traceId)).toHaveLength(2), {
          timeout: 5000,
        });
        await storage.forceFlush();
        const body = await get(`/telemetry/logs?traceId=${traceId}&order=asc`);
        validateResponse('logs', body);
        const sdkLogs = memory.getFinishedLogRecords();
        expect(body.logs).toHaveLength(2);
        // order=asc sorts by time; two records emitted in the same instant go out in two concurrent requests and
        // may be stored in either order, so each is found by its severity (distinct here), not by its index.
        expect(BigInt(body.logs[0].timeUnixNano) <= BigInt(body.logs[1].timeUnixNano)).toBe(true);
        for (const sdkLog of sdkLogs) {
          const got = body.logs.find((l: { severityNumber: number }) => l.severityNumber === sdkLog.severityNumber);
          expect(got).toBeDefined();
          expect(got.timeUnixNano).toBe(ns(sdkLog.hrTime));
          expect(got.observedTimeUnixNano).toBe(ns(sdkLog.hrTimeObserved));
          expect(got.severityNumber).toBe(sdkLog.severityNumber);
          expect(got.severityText).toBe(sdkLog.severityText);
          expect(got.body).toEqual(sdkLog.body);
          expect(got.attributes).toEqual(sdkLog.attributes);
          expect(got.traceId).toBe(traceId);
          expect(got.spanId).toBe(spanId);
          expect(got.flags).toBe(TraceFlags.SAMPLED);
          expect(got.eventName).toBe(sdkLog.eventName);
          expect(got.resource.attributes).toEqual(resource.attributes);
          expect(got.scope).toEqual({ name: 'logs-test', version: '2.0.0' });
        }
        const warn = await get(`/telemetry/logs?service=${service}&minSeverity=ERROR&text=structured`);
        expect(warn.logs).toHaveLength(1);
        await provider.shutdown();
      });
    });
  }
}
