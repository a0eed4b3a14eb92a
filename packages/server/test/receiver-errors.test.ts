// Bad OTLP requests get the documented status, in the request's encoding, and the server keeps serving.
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DEFAULT_BATCH } from '@rohas/telemetry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { otlpTypes, type RunningServer, startServer } from '../src/index.js';
import { encodeTraces, traceRequestJson, traceRequestObject } from './support/payloads.js';
import { openMemory, withRecording } from './support/storages.js';

let storage: ReturnType<typeof withRecording>;
let server: RunningServer;
const quiet = { info() {}, warn() {}, error() {} };

beforeAll(async () => {
  storage = withRecording(await openMemory());
  server = await startServer({ storage, port: 0, logger: quiet, maxBodyBytes: 4 * 1024 * 1024 });
});
afterAll(async () => {
  await server?.close();
  await storage?.shutdown();
});

function post(path: string, body: Buffer | Uint8Array | string, headers: Record<string, string>) {
  return fetch(server.url + path, { method: 'POST', body, headers });
}
const PROTO = { 'content-type': 'application/x-protobuf' };
const JSON_CT = { 'content-type': 'application/json' };

async function protoStatus(res: Response) {
  expect(res.headers.get('content-type')).toBe('application/x-protobuf');
  return otlpTypes().status.decode(new Uint8Array(await res.arrayBuffer())) as unknown as {
    code: number;
    message: string;
  };
}

async function stillServing() {
  const res = await post('/v1/traces', encodeTraces(traceRequestObject('alive')), PROTO);
  expect(res.status).toBe(200);
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
}

describe('OTLP receiver error handling', () => {
  it('accepts a valid protobuf and JSON export with an empty success response', async () => {
    const p = await post('/v1/traces', encodeTraces(traceRequestObject('ok-svc')), PROTO);
    expect(p.status).toBe(200);
    expect(p.headers.get('content-type')).toBe('application/x-protobuf');
    expect((await p.arrayBuffer()).byteLength).toBe(0);
    const j = await post('/v1/traces', JSON.stringify(traceRequestJson('ok-svc')), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(j.status).toBe(200);
    expect(await j.json()).toEqual({});
  });

  it('keeps int64 beyond 2^53 exact (bigint), from protobuf and JSON', async () => {
    const before = storage.received.spans.length;
    await post('/v1/traces', encodeTraces(traceRequestObject('big-svc', 1)), PROTO);
    await post('/v1/traces', JSON.stringify(traceRequestJson('big-svc', 1)), JSON_CT);
    const got = storage.received.spans.slice(before);
    expect(got).toHaveLength(2);
    for (const s of got) expect(s.attributes.big).toBe(9007199254740993n);
  });

  it('answers malformed protobuf with 400 and a google.rpc.Status', async () => {
    const res = await post('/v1/traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO);
    expect(res.status).toBe(400);
    const status = await protoStatus(res);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/malformed protobuf/);
    await stillServing();
  });

  it('answers malformed JSON and wrongly typed JSON with 400 naming the problem', async () => {
    const a = await post('/v1/logs', '{"resourceLogs": [', JSON_CT);
    expect(a.status).toBe(400);
    expect(((await a.json()) as any).message).toMatch(/malformed JSON/);
    const b = await post(
      '/v1/traces',
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              { spans: [{ traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), startTimeUnixNano: 'yesterday' }] },
            ],
          },
        ],
      }),
      JSON_CT,
    );
    expect(b.status).toBe(400);
    expect(((await b.json()) as any).message).toContain('resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano');
    const c = await post('/v1/metrics', '[1,2,3]', JSON_CT);
    expect(c.status).toBe(400);
    const d = await post('/v1/metrics', '', JSON_CT);
    expect(d.status).toBe(400);
    await stillServing();
  });

  it('refuses AnyValue nesting deeper than 64 levels with 400', async () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 1000; i++) value = { arrayValue: { values: [value] } };
    const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ timeUnixNano: '1', body: value }] }] }] };
    const res = await post('/v1/logs', JSON.stringify(body), JSON_CT);
    expect(res.status).toBe(400);
    await stillServing();
  });

  it('decompresses gzip and answers a truncated gzip body with 400', async () => {
    const zipped = gzipSync(encodeTraces(traceRequestObject('gz-svc')));
    const ok = await post('/v1/traces', zipped, { ...PROTO, 'content-encoding': 'gzip' });
    expect(ok.status).toBe(200);
    const cut = await post('/v1/traces', zipped.subarray(0, Math.floor(zipped.length / 2)), {
      ...PROTO,
      'content-encoding': 'gzip',
    });
    expect(cut.status).toBe(400);
    expect((await protoStatus(cut)).message).toMatch(/gzip/);
    await stillServing();
  });

  it('answers a 50 MiB body and a gzip bomb with 413', async () => {
    const big = await post('/v1/traces', Buffer.alloc(50 * 1024 * 1024, 1), PROTO);
    expect(big.status).toBe(413);
    expect((await protoStatus(big)).message).toMatch(/max_body_bytes/);
    const bomb = gzipSync(Buffer.alloc(30 * 1024 * 1024));
    const b = await post('/v1/traces', bomb, { ...JSON_CT, 'content-encoding': 'gzip' });
    expect(b.status).toBe(413);
    await stillServing();
  });

  it('answers other content types with 415 and unknown encodings with 415', async () => {
    const a = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    expect(a.status).toBe(415);
    expect(((await a.json()) as any).message).toMatch(/application\/x-protobuf/);
    const b = await fetch(`${server.url}/v1/traces`, { method: 'POST', body: new Uint8Array([1]) });
    expect(b.status).toBe(415);
    const c = await post('/v1/traces', 'x', { ...PROTO, 'content-encoding': 'br' });
    expect(c.status).toBe(415);
    expect((await fetch(`${server.url}/v1/traces`)).status).toBe(405);
    await stillServing();
  });

  it('reports refused items as partial success in the request encoding', async () => {
    const obj = traceRequestObject('partial-svc', 3);
    obj.resourceSpans[0]!.scopeSpans[0]!.spans[1]!.traceId = randomBytes(8); // 8 bytes: not a trace id
    const res = await post('/v1/traces', encodeTraces(obj), PROTO);
    expect(res.status).toBe(200);
    const body = otlpTypes().traceResponse.decode(new Uint8Array(await res.arrayBuffer())) as any;
    expect(Number(body.partialSuccess.rejectedSpans)).toBe(1);
    expect(body.partialSuccess.errorMessage).toMatch(/spans\[1\]/);
    const json = traceRequestJson('partial-svc', 2);
    json.resourceSpans[0].scopeSpans[0].spans[0].spanId = 'not-hex!';
    const j = await post('/v1/traces', JSON.stringify(json), JSON_CT);
    expect(await j.json()).toMatchObject({ partialSuccess: { rejectedSpans: '1' } });
  });

  it('answers 429 with Retry-After when the write queue is full, then accepts again', async () => {
    // A real core queue of 10 items with writes held back by a long flush interval.
    const small = await openMemory({
      batch: { ...DEFAULT_BATCH, max_queue_size: 10, max_batch_size: 1000, flush_interval_ms: 60_000 },
    });
    // ack = "queued": answered once queued, so the queue fills up (with the default, each request waits for its commit).
    const tiny = await startServer({ storage: small, port: 0, logger: quiet, ack: 'queued' });
    const send = (n: number) =>
      fetch(`${tiny.url}/v1/traces`, {
        method: 'POST',
        body: encodeTraces(traceRequestObject('full-svc', n)),
        headers: PROTO,
      });
    try {
      expect((await send(6)).status).toBe(200);
      const res = await send(6); // 6 + 6 > 10
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect((await protoStatus(res)).code).toBe(8);
      expect((await send(4)).status).toBe(200); // 6 + 4 fits
      expect(small.stats()).toMatchObject({ traces: { rejected: 6 } });
      // More items than the whole queue holds could never be taken: 413, not an endless 429.
      expect((await send(11)).status).toBe(413);
    } finally {
      await tiny.close();
      await small.shutdown();
    }
    await stillServing();
  });

  it('answers a disabled signal with partial success saying why, so exporters do not retry', async () => {
    const off = await openMemory({ enable_traces: false });
    const srv = await startServer({ storage: off, port: 0, logger: quiet });
    try {
      const res = await fetch(`${srv.url}/v1/traces`, {
        method: 'POST',
        body: JSON.stringify(traceRequestJson('off-svc', 2)),
        headers: JSON_CT,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
      expect(body.partialSuccess.rejectedSpans).toBe('2');
      expect(body.partialSuccess.errorMessage).toMatch(/disabled/);
    } finally {
      await srv.close();
      await off.shutdown();
    }
  });

  it('survives a few thousand random mutations of a valid payload (protobuf and JSON)', async () => {
    // Seeded generator: a failure is reproducible from the printed seed.
    const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
    let state = seed;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    const proto = Buffer.from(encodeTraces(traceRequestObject('fuzz-svc', 4)));
    const json = Buffer.from(JSON.stringify(traceRequestJson('fuzz-svc', 4)));
    const statuses = new Map<number, number>();
    const started = Date.now();
    for (let i = 0; i < 3000 && Date.now() - started < 60_000; i++) {
      const base = i % 3 === 0 ? json : proto;
      const buf = Buffer.from(base);
      let mutated: Buffer = buf;
      const ops = 1 + rand(4);
      for (let k = 0; k < ops; k++) {
        const at = rand(mutated.length || 1);
        switch (rand(5)) {
          case 0:
            mutated[at] = rand(256);
            break;
          case 1:
            mutated[at] = mutated[at]! ^ (1 << rand(8));
            break;
          case 2:
            mutated = Buffer.concat([
              mutated.subarray(0, at),
              Buffer.from([rand(256), rand(256)]),
              mutated.subarray(at),
            ]);
            break;
          case 3:
            mutated = Buffer.concat([mutated.subarray(0, at), mutated.subarray(at + 1 + rand(8))]);
            break;
          default:
            mutated = mutated.subarray(0, at);
        }
      }
      const res = await post('/v1/traces', mutated, base === json ? JSON_CT : PROTO);
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status !== 200 && res.status !== 400) throw new Error(`seed ${seed} mutation ${i}: status ${res.status}`);
    }
    expect(
      [...statuses.keys()].every((s) => s === 200 || s === 400),
      `seed ${seed}`,
    ).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
    await stillServing();
  }, 120_000);
});
