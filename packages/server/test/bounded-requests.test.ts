// Bounded requests (issue 12): the OpenTelemetry attribute, event and link limits applied by the receiver to what it
// takes (protobuf and JSON, HTTP and gRPC), with dropped_*_count kept honest, and the per-request bounds: a gzip body
// expanding past max_decoded_bytes and a protobuf with millions of tiny attributes are refused with 413 /
// RESOURCE_EXHAUSTED naming the key, and the server keeps serving.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { limitsFromConfig } from '@rohas/telemetry';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcSchema } from '../src/grpc/services.js';
import { otlpTypes, type RunningServer, type ServerStorage, startServer } from '../src/index.js';
import { decodeExportRequest } from '../src/otlp/decode.js';
import { INLINE_MAX_BYTES } from '../src/otlp/decode-pool.js';
import { openMemory } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };
const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

function kv(n: number, prefix = 'k', value: (i: number) => unknown = (i) => ({ intValue: String(i) })) {
  return Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: value(i) }));
}

/** One trace: a span over every limit and a neighbour span within them. */
function hostileTrace(traceId: Buffer) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const linkTo = { traceId: randomBytes(16), spanId: randomBytes(8), attributes: kv(130, 'l') };
  const span = (name: string, extra: Record<string, unknown>) => ({
    traceId,
    spanId: randomBytes(8),
    name,
    kind: 1,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1000n),
    ...extra,
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: kv(200, 'res.', () => ({ stringValue: 'r' })) }, // resource attributes: never limited
        scopeSpans: [
          {
            scope: { name: 'bounded' },
            spans: [
              span('over', {
                attributes: [
                  { key: 'long', value: { stringValue: 'abcdefghij' } },
                  {
                    key: 'list',
                    value: { arrayValue: { values: [{ stringValue: 'abcdefghij' }, { intValue: '7' }] } },
                  },
                  ...kv(298),
                ],
                droppedAttributesCount: 5,
                events: Array.from({ length: 200 }, (_, i) => ({
                  name: `e${i}`,
                  timeUnixNano: String(now),
                  attributes: kv(i === 0 ? 150 : 1),
                })),
                links: Array.from({ length: 140 }, () => linkTo),
              }),
              span('neighbour', { attributes: kv(3) }),
            ],
          },
        ],
      },
    ],
  };
}

function toJson(obj: unknown): string {
  return JSON.stringify(obj, (_k, v) =>
    v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : v,
  );
}

function encode(obj: unknown): Buffer {
  const t = otlpTypes().traceRequest;
  return Buffer.from(t.encode(t.fromObject(obj as Record<string, unknown>)).finish());
}

/**
 * An ExportTraceServiceRequest of `spans` spans with `attrs` tiny attributes each, built by repeating one encoded
 * span (repeated fields concatenate on the wire), so the test does not build millions of objects itself.
 */
function manyTinyAttributes(spans: number, attrs: number): Buffer {
  const types = otlpTypes();
  const scopeSpans = types.traceRequest.root.lookupType('opentelemetry.proto.trace.v1.ScopeSpans');
  const one = scopeSpans
    .encode(
      scopeSpans.fromObject({
        spans: [{ traceId: randomBytes(16), spanId: randomBytes(8), name: 's', attributes: kv(attrs, '') }],
      }),
    )
    .finish();
  const repeated = Buffer.concat(Array.from({ length: spans }, () => one));
  const resourceSpans = protobuf.Writer.create()
    .uint32((2 << 3) | 2)
    .bytes(repeated)
    .finish(); // scope_spans = 2
  return Buffer.from(
    protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(resourceSpans)
      .finish(),
  ); // resource_spans = 1
}

async function storedTrace(storage: ServerStorage, traceId: Buffer) {
  await storage.forceFlush();
  return (await storage.query.getTrace(traceId.toString('hex'))) ?? [];
}

function checkLimited(spans: Awaited<ReturnType<typeof storedTrace>>, lengthLimited: boolean) {
  expect(spans.map((s) => s.name).sort()).toEqual(['neighbour', 'over']);
  const over = spans.find((s) => s.name === 'over')!;
  const keys = Object.keys(over.attributes);
  expect(keys).toHaveLength(128);
  // The first 128 are kept, in order.
  expect(keys.slice(0, 3)).toEqual(['long', 'list', 'k0']);
  expect(keys.at(-1)).toBe('k125');
  expect(over.droppedAttributesCount).toBe(5 + 300 - 128);
  expect(over.attributes.long).toBe(lengthLimited ? 'abcd' : 'abcdefghij');
  expect(over.attributes.list).toEqual([lengthLimited ? 'abcd' : 'abcdefghij', 7]);
  expect(over.events).toHaveLength(128);
  expect(over.droppedEventsCount).toBe(72);
  expect(Object.keys(over.events[0]!.attributes)).toHaveLength(128);
  expect(over.events[0]!.droppedAttributesCount).toBe(22);
  expect(over.links).toHaveLength(128);
  expect(over.droppedLinksCount).toBe(12);
  expect(Object.keys(over.links[0]!.attributes)).toHaveLength(128);
  expect(over.links[0]!.droppedAttributesCount).toBe(2);
  expect(Object.keys(over.resource.attributes).length).toBeGreaterThanOrEqual(200);
  const neighbour = spans.find((s) => s.name === 'neighbour')!;
  expect(neighbour.attributes).toEqual({ k0: 0, k1: 1, k2: 2 });
  expect(neighbour.droppedAttributesCount ?? 0).toBe(0);
}

interface DecodedItem {
  attributes: unknown[];
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  events: DecodedItem[];
  links: DecodedItem[];
}
interface Decoded {
  resourceSpans: Array<{ resource: { attributes: unknown[] }; scopeSpans: Array<{ spans: DecodedItem[] }> }>;
}

describe('the protobuf decode applies the count limits while decoding', () => {
  it('never builds what the limits drop, and counts it', () => {
    const decoded = decodeExportRequest('traces', 'proto', encode(hostileTrace(randomBytes(16))), {
      limits: limitsFromConfig({}),
      maxValues: 1_000_000,
      maxValueBytes: 4 * 1024 * 1024,
    }) as Decoded;
    const [over, neighbour] = decoded.resourceSpans[0]!.scopeSpans[0]!.spans as [DecodedItem, DecodedItem];
    expect(over.attributes).toHaveLength(128);
    expect(over.droppedAttributesCount).toBe(5 + 172);
    expect(over.events).toHaveLength(128);
    expect(over.droppedEventsCount).toBe(72);
    expect(over.events[0]!.attributes).toHaveLength(128);
    expect(over.links).toHaveLength(128);
    expect(neighbour.attributes).toHaveLength(3);
    expect(decoded.resourceSpans[0]!.resource.attributes).toHaveLength(200);
    // Outside a bounded decode the same types decode everything (responses, tests, other callers).
    const whole = otlpTypes().traceRequest.decode(encode(hostileTrace(randomBytes(16)))) as unknown as Decoded;
    expect(whole.resourceSpans[0]!.scopeSpans[0]!.spans[0]!.attributes).toHaveLength(300);
  });
});

describe('the receiver applies the OpenTelemetry limits (defaults: 128 attributes, events, links)', () => {
  let storage: ServerStorage;
  let server: RunningServer;
  beforeAll(async () => {
    storage = await openMemory();
    server = await startServer({ storage, port: 0, grpcPort: 'any', logger: quiet });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.shutdown();
  });

  it('protobuf over HTTP: keeps the first N, counts the rest in dropped_*_count, neighbours untouched', async () => {
    const traceId = randomBytes(16);
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: encode(hostileTrace(traceId)),
      headers: PROTO,
    });
    expect(res.status).toBe(200);
    checkLimited(await storedTrace(storage, traceId), false);
  });

  it('JSON over HTTP: the same result', async () => {
    const traceId = randomBytes(16);
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: toJson(hostileTrace(traceId)),
      headers: JSON_CT,
    });
    expect(res.status).toBe(200);
    checkLimited(await storedTrace(storage, traceId), false);
  });

  it('protobuf over gRPC: the same result', async () => {
    const traceId = randomBytes(16);
    const client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure());
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        grpcSchema().paths.traces,
        (b: Buffer) => b,
        (b: Buffer) => b,
        encode(hostileTrace(traceId)),
        new grpc.Metadata(),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(error).toBeNull();
    checkLimited(await storedTrace(storage, traceId), false);
  });

  it('log records: the first 128 attributes, the body never cut', async () => {
    const traceId = randomBytes(16);
    const body = {
      resourceLogs: [
        {
          resource: { attributes: kv(1, 'service.name', () => ({ stringValue: 'limits-logs' })) },
          scopeLogs: [
            {
              logRecords: [
                {
                  timeUnixNano: String(Date.now() * 1e6),
                  traceId,
                  body: { stringValue: 'x'.repeat(500) },
                  attributes: kv(200),
                },
              ],
            },
          ],
        },
      ],
    };
    const t = otlpTypes().logsRequest;
    const res = await fetch(`${server.url}/v1/logs`, {
      method: 'POST',
      body: Buffer.from(t.encode(t.fromObject(body)).finish()),
      headers: PROTO,
    });
    expect(res.status).toBe(200);
    await storage.forceFlush();
    const logs = await storage.query.queryLogs({ traceId: traceId.toString('hex') });
    expect(logs.items).toHaveLength(1);
    expect(Object.keys(logs.items[0]!.attributes)).toHaveLength(128);
    expect(logs.items[0]!.droppedAttributesCount).toBe(72);
    expect(logs.items[0]!.body).toBe('x'.repeat(500));
  });
});

describe('limits from the config, and the per-request bounds', () => {
  let storage: ServerStorage;
  let server: RunningServer;
  beforeAll(async () => {
    storage = await openMemory({ attribute_value_length_limit: 4 });
    server = await startServer({
      storage,
      port: 0,
      grpcPort: 'any',
      logger: quiet,
      maxBodyBytes: 64 * 1024 * 1024,
      maxDecodedBytes: 32 * 1024 * 1024,
    });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.shutdown();
  });

  async function stillServing() {
    const traceId = randomBytes(16);
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: encode(hostileTrace(traceId)),
      headers: PROTO,
    });
    expect(res.status).toBe(200);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    return traceId;
  }

  it('attribute_value_length_limit cuts strings and string array members (protobuf and JSON)', async () => {
    checkLimited(await storedTrace(storage, await stillServing()), true);
    const traceId = randomBytes(16);
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: toJson(hostileTrace(traceId)),
      headers: JSON_CT,
    });
    expect(res.status).toBe(200);
    checkLimited(await storedTrace(storage, traceId), true);
  });

  it('a gzip body that expands past max_decoded_bytes gets 413 naming the key', async () => {
    const bomb = gzipSync(Buffer.alloc(40 * 1024 * 1024)); // ~40 KB on the wire
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: bomb,
      headers: { ...PROTO, 'content-encoding': 'gzip' },
    });
    expect(res.status).toBe(413);
    const status = otlpTypes().status.decode(new Uint8Array(await res.arrayBuffer())) as unknown as { message: string };
    expect(status.message).toMatch(/max_decoded_bytes/);
    await stillServing();
  });

  it('a protobuf with 2,000,000 tiny attributes (each span within the limits) gets 413 / RESOURCE_EXHAUSTED naming max_request_values', async () => {
    const body = manyTinyAttributes(20_000, 100);
    expect(body.length).toBeLessThan(32 * 1024 * 1024);
    const res = await fetch(`${server.url}/v1/traces`, { method: 'POST', body, headers: PROTO });
    expect(res.status).toBe(413);
    const status = otlpTypes().status.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      code: number;
      message: string;
    };
    expect(status.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(status.message).toMatch(/max_request_values = 1000000/);

    const client = new grpc.Client(`127.0.0.1:${server.grpcPort}`, grpc.credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
    });
    const error = await new Promise<grpc.ServiceError | null>((resolve) =>
      client.makeUnaryRequest(
        grpcSchema().paths.traces,
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new grpc.Metadata(),
        (e) => resolve(e),
      ),
    );
    client.close();
    expect(error?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(error?.details).toMatch(/max_request_values/);
    await stillServing();
  }, 60_000);
});

/** `good` good spans and one whose start is 2^63 (a valid fixed64 no backend stores), padded to about `bytes`. */
function poisonedTrace(traceId: Buffer, good: number, padBytes: number) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (name: string, start: bigint, attributes: unknown[] = []) => ({
    traceId,
    spanId: randomBytes(8),
    name,
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 1000n),
    attributes,
  });
  const pad = padBytes > 0 ? [{ key: 'pad', value: { stringValue: 'p'.repeat(padBytes) } }] : [];
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'door' } }] },
        scopeSpans: [
          {
            scope: { name: 'door' },
            spans: [
              ...Array.from({ length: good }, (_, i) => span(`good-${i}`, now, i === 0 ? pad : [])),
              span('poison', 1n << 63n),
            ],
          },
        ],
      },
    ],
  };
}

/** POSTs with node:http: `chunked` sends no Content-Length (Transfer-Encoding: chunked, in two writes). */
function post(url: string, body: Buffer, headers: Record<string, string>, chunked: boolean) {
  return new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent: false, headers: chunked ? headers : { ...headers, 'content-length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (chunked) {
      req.write(body.subarray(0, body.length >> 1));
      req.end(body.subarray(body.length >> 1));
    } else req.end(body);
  });
}

describe('the door checks give the same answer wherever a body is decoded (inline or in a decode thread)', () => {
  let storage: ServerStorage;
  let server: RunningServer;
  beforeAll(async () => {
    storage = await openMemory();
    server = await startServer({ storage, port: 0, logger: quiet });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.shutdown();
  });

  const cases: Array<[string, number, boolean, boolean]> = [
    ['a tiny body (decoded inline)', 0, false, false],
    ['a large body (decoded in a thread)', 256 * 1024, false, false],
    ['a large gzip body', 256 * 1024, true, false],
    ['a large body sent chunked, without Content-Length', 3 * 1024 * 1024, false, true],
    ['a large gzip body sent chunked', 256 * 1024, true, true],
  ];
  for (const [name, pad, gzip, chunked] of cases) {
    it(`${name}: the poison span refused by name in partial_success, its neighbours stored and readable`, async () => {
      const traceId = randomBytes(16);
      const plain = encode(poisonedTrace(traceId, 20, pad));
      if (pad === 0) expect(plain.length).toBeLessThan(INLINE_MAX_BYTES);
      else expect(plain.length).toBeGreaterThan(INLINE_MAX_BYTES);
      const before =
        (storage.stats() as { traces: { rejectedByReason: Record<string, number> } }).traces.rejectedByReason
          .timestamp_out_of_range ?? 0;
      const res = await post(
        `${server.url}/v1/traces`,
        gzip ? gzipSync(plain) : plain,
        gzip ? { ...PROTO, 'content-encoding': 'gzip' } : PROTO,
        chunked,
      );
      expect(res.status).toBe(200);
      const answer = otlpTypes().traceResponse.decode(res.body) as unknown as {
        partialSuccess?: { rejectedSpans: { toString(): string }; errorMessage: string };
      };
      expect(String(answer.partialSuccess?.rejectedSpans)).toBe('1');
      expect(answer.partialSuccess?.errorMessage).toMatch(/startTimeUnixNano/);
      const after = (storage.stats() as { traces: { rejectedByReason: Record<string, number> } }).traces
        .rejectedByReason.timestamp_out_of_range;
      expect(after).toBe(before + 1);
      // Acknowledged after commit: readable at once, every good span, the padding whole.
      const spans = (await storage.query.getTrace(traceId.toString('hex'))) ?? [];
      expect(spans).toHaveLength(20);
      expect(spans.some((s) => s.name === 'poison')).toBe(false);
      if (pad > 0) expect((spans.find((s) => s.name === 'good-0')!.attributes.pad as string).length).toBe(pad);
    }, 30_000);
  }

  it('a body shorter than its Content-Length (client gone) or a truncated gzip body is refused, and the server keeps serving', async () => {
    const plain = encode(poisonedTrace(randomBytes(16), 5, 64 * 1024));
    const zipped = gzipSync(plain);
    const cut = zipped.subarray(0, zipped.length >> 1);
    const res = await post(`${server.url}/v1/traces`, cut, { ...PROTO, 'content-encoding': 'gzip' }, false);
    expect(res.status).toBe(400);
    expect((otlpTypes().status.decode(res.body) as unknown as { message: string }).message).toMatch(/gzip/);
    // Declares more than it sends, then hangs up.
    await new Promise<void>((resolve) => {
      const req = http.request(`${server.url}/v1/traces`, {
        method: 'POST',
        agent: false,
        headers: { ...PROTO, 'content-length': String(plain.length) },
      });
      req.on('error', () => resolve());
      req.write(plain.subarray(0, 10_000), () => setTimeout(() => req.destroy(), 50));
      req.on('close', () => resolve());
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  }, 30_000);
});
