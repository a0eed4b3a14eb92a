// Poison among good clients, reusable for every backend: 10 clients send good spans over OTLP/HTTP JSON while one
// client sends, one request each, every value a backend cannot store exactly. Every span answered 200 without being
// listed in partial_success must be readable at once (ack after commit, read-your-writes); every poison span must be
// refused in partial_success with a message naming its field.
//
//   import { poisonClients } from '../../packages/server/test/support/poison-clients.js';
//   poisonClients({ name: 'timescaledb', open: async () => { ... return { storage, cleanup } } });
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startServer } from '../../src/index.js';
import type { ServerStorage } from '../../src/types.js';

export interface PoisonClientsOptions {
  name: string;
  open(): Promise<{ storage: ServerStorage; cleanup(): Promise<void> }>;
  /** Requests per good client (default 10, 10 spans each). */
  requests?: number;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
type Json = Record<string, unknown>;

function spanJson(name: string, startNs: bigint, endNs: bigint, attributes: Json[] = []): Json {
  return {
    traceId: hex(16),
    spanId: hex(8),
    name,
    kind: 1,
    startTimeUnixNano: String(startNs),
    endTimeUnixNano: String(endNs),
    attributes,
  };
}

function request(service: string, spans: Json[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ scope: { name: 'poison-test' }, spans }],
      },
    ],
  });
}

/** Each poison value and the field the refusal must name. */
function poisons(now: bigint): Array<{ what: string; span: Json; field: RegExp }> {
  return [
    {
      what: 'start >= 2^63',
      span: spanJson('p', 1n << 63n, (1n << 63n) + 1n),
      field: /startTimeUnixNano/,
    },
    { what: 'end >= 2^63', span: spanJson('p', now, 18446744073709551615n), field: /endTimeUnixNano/ },
    { what: 'end before start', span: spanJson('p', now, now - 1000n), field: /end time before the start/ },
    { what: 'lone surrogate in the name', span: spanJson('p\ud800', now, now + 1n), field: /field name:.*surrogate/ },
    {
      what: 'lone surrogate in an attribute',
      span: spanJson('p', now, now + 1n, [{ key: 'k', value: { stringValue: 'x\udc00' } }]),
      field: /attributes\["k"\]/,
    },
    {
      what: 'lone surrogate in an attribute key',
      span: spanJson('p', now, now + 1n, [{ key: 'k\ud83d', value: { stringValue: 'v' } }]),
      field: /attributes key/,
    },
    {
      what: 'NaN attribute',
      span: spanJson('p', now, now + 1n, [{ key: 'd', value: { doubleValue: 'NaN' } }]),
      field: /attributes\["d"\].*NaN/,
    },
    {
      what: 'Infinity attribute',
      span: spanJson('p', now, now + 1n, [{ key: 'd', value: { doubleValue: '-Infinity' } }]),
      field: /attributes\["d"\]/,
    },
  ];
}

export function poisonClients(options: PoisonClientsOptions): void {
  describe(`poison among 10 good clients -> ${options.name}`, () => {
    it('stores every acknowledged good span, readable at once, and refuses each poison span by name', async () => {
      const { storage, cleanup } = await options.open();
      const server = await startServer({ storage, port: 0, logger: { info() {}, warn() {}, error() {} } });
      const service = `poison-${hex(4)}`;
      const now = BigInt(Date.now()) * 1_000_000n;
      const post = (body: string) =>
        fetch(`${server.url}/v1/traces`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      const acked: string[] = [];
      let unavailable = 0;
      try {
        const good = Array.from({ length: 10 }, async (_, client) => {
          for (let r = 0; r < (options.requests ?? 10); r++) {
            const spans = Array.from({ length: 10 }, (_, i) =>
              spanJson(`c${client}-r${r}-${i}`, now + BigInt(i), now + BigInt(i) + 1000n),
            );
            const res = await post(request(service, spans));
            const body = (await res.json()) as { partialSuccess?: { rejectedSpans?: string } };
            if (res.status === 200) {
              expect(body.partialSuccess?.rejectedSpans ?? '0').toBe('0');
              acked.push(...spans.map((s) => s.traceId as string));
            } else {
              expect(res.status).toBe(503); // not committed in time: the client retries; nothing was promised
              unavailable++;
            }
          }
        });
        const bad = (async () => {
          for (const p of poisons(now)) {
            // The poison span travels with a good span of the same request: only the poison one is refused.
            const mate = spanJson('mate', now, now + 1n);
            const res = await post(request(service, [mate, p.span]));
            expect(res.status, p.what).toBe(200);
            const body = (await res.json()) as { partialSuccess?: { rejectedSpans?: string; errorMessage?: string } };
            expect(body.partialSuccess?.rejectedSpans, p.what).toBe('1');
            expect(body.partialSuccess?.errorMessage, p.what).toMatch(p.field);
            acked.push(mate.traceId as string);
          }
        })();
        await Promise.all([...good, bad]);
        expect(acked.length).toBeGreaterThan(0);
        // Read-your-writes: no flush, no wait — an acknowledged span is committed.
        const missing: string[] = [];
        for (const traceId of acked) {
          const spans = await storage.query.getTrace(traceId);
          if (spans?.length !== 1) missing.push(traceId);
        }
        expect(missing, `${missing.length} of ${acked.length} acknowledged spans missing`).toEqual([]);
        expect(unavailable).toBe(0);
      } finally {
        await server.close();
        await cleanup();
      }
    }, 120_000);
  });
}
