// `[telemetry.server] max_value_bytes` (issue 12, bounded requests): a record carrying one string or bytes value
// longer than the bound — an attribute at any depth, an event attribute, a log body — is refused on its own in
// partial_success, naming the field and the key; its neighbours in the same request are stored whole (a value just
// under the bound included). The bound exists because a string cannot be transferred between threads: each one is
// copied on the event loop once per thread it crosses (the hostile-requests test prints what a 50 MiB one costs).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTypes, type RunningServer, type ServerStorage, startServer } from '../src/index.js';
import { openMemory } from './support/storages.js';

const quiet = { info() {}, warn() {}, error() {} };
const BOUND = 64 * 1024;

type Stats = Record<'traces' | 'logs', { rejectedByReason: Record<string, number> }>;

function traceRequest(traceId: Buffer) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const span = (name: string, extra: Record<string, unknown>) => ({
    traceId,
    spanId: randomBytes(8),
    name,
    kind: 2,
    startTimeUnixNano: String(now),
    endTimeUnixNano: String(now + 1000n),
    ...extra,
  });
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bound' } }] },
        scopeSpans: [
          {
            scope: { name: 'bound' },
            spans: [
              // Just under the bound (UTF-8 bytes: 'é' is two): stored whole.
              span('under', { attributes: [{ key: 'payload', value: { stringValue: 'é'.repeat(BOUND / 2) } }] }),
              // Over it in UTF-8 bytes though not in UTF-16 units.
              span('over-utf8', {
                attributes: [{ key: 'http.request.body', value: { stringValue: 'é'.repeat(BOUND / 2 + 1) } }],
              }),
              // Over it deep inside a kvlist of an event's attributes.
              span('over-event', {
                events: [
                  {
                    name: 'e',
                    timeUnixNano: String(now),
                    attributes: [
                      {
                        key: 'm',
                        value: {
                          kvlistValue: { values: [{ key: 'b', value: { bytesValue: randomBytes(BOUND + 1) } }] },
                        },
                      },
                    ],
                  },
                ],
              }),
            ],
          },
        ],
      },
    ],
  };
}

describe('max_value_bytes: a record with one over-long value is refused on its own', () => {
  let storage: ServerStorage;
  let server: RunningServer;
  beforeAll(async () => {
    storage = await openMemory();
    server = await startServer({ storage, port: 0, logger: quiet, maxValueBytes: BOUND });
  });
  afterAll(async () => {
    await server?.close();
    await storage?.shutdown();
  });

  const rejected = () => (storage.stats() as unknown as Stats).traces.rejectedByReason.value_too_large ?? 0;

  it('protobuf over HTTP: two spans refused, naming their fields and the key; the neighbour stored whole', async () => {
    const traceId = randomBytes(16);
    const t = otlpTypes().traceRequest;
    const body = Buffer.from(t.encode(t.fromObject(traceRequest(traceId))).finish());
    const before = rejected();
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
    const answer = otlpTypes().traceResponse.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      partialSuccess?: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(String(answer.partialSuccess?.rejectedSpans)).toBe('2');
    // One message per reason: the first refused span's field.
    expect(answer.partialSuccess?.errorMessage).toMatch(/attributes\["http\.request\.body"\].*max_value_bytes/);
    expect(rejected()).toBe(before + 2);
    const spans = (await storage.query.getTrace(traceId.toString('hex'))) ?? [];
    expect(spans.map((s) => s.name)).toEqual(['under']);
    expect(spans[0]!.attributes.payload).toBe('é'.repeat(BOUND / 2));
  });

  it('a resource with an over-long attribute: every span that shares it is refused, naming the resource field', async () => {
    const traceId = randomBytes(16);
    const request = traceRequest(traceId);
    request.resourceSpans[0]!.resource.attributes.push({
      key: 'process.command_line',
      value: { stringValue: 'x'.repeat(BOUND + 1) },
    });
    const t = otlpTypes().traceRequest;
    const before = rejected();
    const res = await fetch(`${server.url}/v1/traces`, {
      method: 'POST',
      body: Buffer.from(t.encode(t.fromObject(request)).finish()),
      headers: { 'content-type': 'application/x-protobuf' },
    });
    expect(res.status).toBe(200);
    const answer = otlpTypes().traceResponse.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
      partialSuccess?: { rejectedSpans: { toString(): string }; errorMessage: string };
    };
    expect(String(answer.partialSuccess?.rejectedSpans)).toBe('3');
    expect(rejected()).toBe(before + 3);
    expect(answer.partialSuccess?.errorMessage).toMatch(/resource\.attributes\["process\.command_line"\]/);
    expect(await storage.query.getTrace(traceId.toString('hex'))).toBeNull();
  });

  it('JSON over HTTP, a log record: the over-long body refused, its neighbour stored', async () => {
    const now = String(BigInt(Date.now()) * 1_000_000n);
    const record = (body: string) => ({ timeUnixNano: now, body: { stringValue: body } });
    const before = (storage.stats() as unknown as Stats).logs.rejectedByReason.value_too_large ?? 0;
    const marker = `kept-${randomBytes(4).toString('hex')}`;
    const res = await fetch(`${server.url}/v1/logs`, {
      method: 'POST',
      body: JSON.stringify({
        resourceLogs: [
          {
            resource: { attributes: [] },
            scopeLogs: [{ scope: { name: 'bound' }, logRecords: [record('x'.repeat(BOUND + 1)), record(marker)] }],
          },
        ],
      }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as { partialSuccess?: { rejectedLogRecords: string; errorMessage: string } };
    expect(String(answer.partialSuccess?.rejectedLogRecords)).toBe('1');
    expect(answer.partialSuccess?.errorMessage).toMatch(/field body.*max_value_bytes/);
    expect((storage.stats() as unknown as Stats).logs.rejectedByReason.value_too_large).toBe(before + 1);
    const page = await storage.query.queryLogs({ text: marker });
    expect(page.items.map((r) => r.body)).toEqual([marker]);
  });
});
