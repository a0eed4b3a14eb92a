// The OTLP/gRPC receiver: token, bad data, size limits (plain and gzip), partial success, and back-pressure with
// RetryInfo that a client following the OTLP spec retries without losing anything. The field-by-field round trip with
// the official gRPC exporters is in support/exporter-round-trip.ts (otlp-exporters.test.ts).
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { OTLPTraceExporter as TracesGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_BATCH } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGrpcReceiver } from '../src/grpc/receiver.js';
import { grpcSchema, retryDelayOf } from '../src/grpc/services.js';
import { otlpTypes, type RunningServer, type ServerStorage, startServer } from '../src/index.js';
import { encodeTraces, traceRequestObject } from './support/payloads.js';
import { openMemory } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };
const identity = (b: Buffer) => b;
/** @opentelemetry/core's ExportResultCode. */
const ExportResultCode = { SUCCESS: 0, FAILED: 1 } as const;
const TRACES = () => grpcSchema().paths.traces;

interface CallResult {
  error?: grpc.ServiceError;
  response?: Buffer;
}

function call(port: number, path: string, body: Buffer, options: { token?: string; gzip?: boolean } = {}) {
  const client = new grpc.Client(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
    options.gzip ? { 'grpc.default_compression_algorithm': 2 } : {},
  );
  const metadata = new grpc.Metadata();
  if (options.token) metadata.set('authorization', `Bearer ${options.token}`);
  return new Promise<CallResult>((resolve) =>
    client.makeUnaryRequest(path, identity, identity, body, metadata, (error, response) => {
      client.close();
      resolve({ error: error ?? undefined, response });
    }),
  );
}

describe('OTLP/gRPC receiver', () => {
  let storage: ServerStorage;
  let server: RunningServer;
  beforeAll(async () => {
    storage = await openMemory();
    server = await startServer({
      storage,
      port: 0,
      grpcPort: 'any',
      token: 'sekret',
      maxBodyBytes: 256 * 1024,
      logger: quiet,
    });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.shutdown();
  });

  it('requires the bearer token in the authorization metadata, with the official exporter too', async () => {
    const service = `grpc-auth-${randomBytes(3).toString('hex')}`;
    const send = (token?: string) =>
      new Promise<{ code: number; error?: Error }>((resolve) => {
        const metadata = new grpc.Metadata();
        if (token) metadata.set('authorization', `Bearer ${token}`);
        const exporter = new TracesGrpc({ url: `http://127.0.0.1:${server.grpcPort}`, metadata });
        const provider = new BasicTracerProvider({
          resource: resourceFromAttributes({ 'service.name': service }),
          spanProcessors: [
            new SimpleSpanProcessor({
              export: (spans, done) =>
                exporter.export(spans, (r) => {
                  resolve(r);
                  done(r);
                }),
              shutdown: () => exporter.shutdown(),
            }),
          ],
        });
        provider.getTracer('t').startSpan('op').end();
      });
    const refused = await send();
    expect(refused.code).toBe(ExportResultCode.FAILED);
    expect((refused.error as grpc.ServiceError).code).toBe(grpc.status.UNAUTHENTICATED);
    const wrong = await call(server.grpcPort!, TRACES(), encodeTraces(traceRequestObject(service, 1)), {
      token: 'nope',
    });
    expect(wrong.error?.code).toBe(grpc.status.UNAUTHENTICATED);
    const accepted = await send('sekret');
    expect(accepted.code).toBe(ExportResultCode.SUCCESS);
    await storage.forceFlush();
    expect((await storage.query.findTraces({ service })).items).toHaveLength(1);
  });

  it('answers INVALID_ARGUMENT for bytes that are not an OTLP request, and keeps serving', async () => {
    const bad = await call(server.grpcPort!, TRACES(), Buffer.from([0x0a, 0xff, 0xff, 0xff]), { token: 'sekret' });
    expect(bad.error?.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.error?.details).toMatch(/protobuf/);
    const good = await call(server.grpcPort!, TRACES(), encodeTraces(traceRequestObject('grpc-ok', 1)), {
      token: 'sekret',
    });
    expect(good.error).toBeUndefined();
  });

  it('answers partial success for the bad spans and stores the good ones', async () => {
    const service = `grpc-partial-${randomBytes(3).toString('hex')}`;
    const obj = traceRequestObject(service, 3);
    obj.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.spanId = Buffer.alloc(3);
    const res = await call(server.grpcPort!, TRACES(), encodeTraces(obj), { token: 'sekret' });
    expect(res.error).toBeUndefined();
    const t = otlpTypes().traceResponse;
    const body = t.toObject(t.decode(res.response!), { longs: Number }) as {
      partialSuccess: { rejectedSpans: number; errorMessage: string };
    };
    expect(body.partialSuccess.rejectedSpans).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(/spans\[1\]/);
    await storage.forceFlush();
    const stored = await storage.query.getTrace(obj.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.traceId.toString('hex'));
    expect(stored).toHaveLength(2);
  });

  it('refuses a message over max_body_bytes, plain or as a gzip bomb, without retry info', async () => {
    const big = encodeTraces(traceRequestObject('grpc-big', 2000));
    expect(big.length).toBeGreaterThan(256 * 1024);
    const plain = await call(server.grpcPort!, TRACES(), big, { token: 'sekret' });
    expect(plain.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(plain.error?.metadata.get('grpc-status-details-bin')).toEqual([]);
    // A request that is small on the wire but large once decompressed.
    const padded = traceRequestObject('grpc-bomb', 1);
    padded.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.name = 'x'.repeat(4 * 1024 * 1024);
    const bomb = await call(server.grpcPort!, TRACES(), encodeTraces(padded), { token: 'sekret', gzip: true });
    expect(gzipSync(encodeTraces(padded)).length).toBeLessThan(256 * 1024);
    expect(bomb.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    const after = await call(server.grpcPort!, TRACES(), encodeTraces(traceRequestObject('grpc-after', 1)), {
      token: 'sekret',
      gzip: true,
    });
    expect(after.error).toBeUndefined();
  });
});

describe('OTLP/gRPC back-pressure', () => {
  it('answers RESOURCE_EXHAUSTED with RetryInfo when the queue is full; a retrying client loses nothing', async () => {
    // A real core queue of 10 spans whose writes wait for a flush.
    const small = await openMemory({
      batch: { ...DEFAULT_BATCH, max_queue_size: 10, max_batch_size: 1000, flush_interval_ms: 60_000 },
    });
    // ack = "queued" (answered once queued) so the queue fills; with the default each request waits for its commit.
    const srv = await startServer({ storage: small, port: 0, grpcPort: 'any', logger: quiet, ack: 'queued' });
    const service = `grpc-full-${randomBytes(3).toString('hex')}`;
    try {
      const first = await call(srv.grpcPort!, TRACES(), encodeTraces(traceRequestObject(service, 6)));
      expect(first.error).toBeUndefined();
      const second = encodeTraces(traceRequestObject(service, 6));
      const refused = await call(srv.grpcPort!, TRACES(), second);
      expect(refused.error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      const [details] = refused.error!.metadata.get('grpc-status-details-bin') as Buffer[];
      const delay = retryDelayOf(details!);
      expect(delay).toBeGreaterThanOrEqual(1000);

      // The OTLP spec's client: RESOURCE_EXHAUSTED with RetryInfo is retryable after the delay. The queue drains
      // meanwhile (the flush the core would do on its interval).
      await small.forceFlush();
      await new Promise((r) => setTimeout(r, delay));
      const retried = await call(srv.grpcPort!, TRACES(), second);
      expect(retried.error).toBeUndefined();
      await small.forceFlush();
      const found = await small.query.findTraces({ service, limit: 10 });
      expect(found.items).toHaveLength(2);
      let spans = 0;
      for (const t of found.items) spans += (await small.query.getTrace(t.traceId))!.length;
      expect(spans).toBe(12);
    } finally {
      await srv.close();
      await small.shutdown();
    }
  });

  it('answers UNAVAILABLE with RetryInfo while shutting down', async () => {
    const s = await openMemory();
    const receiver = await startGrpcReceiver(s, {
      host: '127.0.0.1',
      port: 0,
      maxBodyBytes: 1024 * 1024,
      state: { closing: true },
      logger: quiet,
    });
    try {
      const res = await call(receiver.port, TRACES(), encodeTraces(traceRequestObject('closing', 1)));
      expect(res.error?.code).toBe(grpc.status.UNAVAILABLE);
      const [details] = res.error!.metadata.get('grpc-status-details-bin') as Buffer[];
      expect(retryDelayOf(details!)).toBe(5000);
    } finally {
      await receiver.close();
      await s.shutdown();
    }
  });
});
