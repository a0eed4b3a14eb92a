// Spans for the Jaeger API contract tests: a frontend -> backend trace (the dependency pair), typed attributes, an
// event with attributes, a scope, an error status; plus many one-span traces to check the default and maximum limit.
import { randomBytes } from 'node:crypto';
import type { SpanRecord } from '@rohas/telemetry';

const hex = (n: number) => randomBytes(n).toString('hex');

export interface JaegerDataset {
  run: string;
  frontend: string;
  backend: string;
  many: string;
  traceId: string;
  /** Start of the frontend span, nanoseconds. */
  t0: bigint;
  spans: SpanRecord[];
}

export function jaegerDataset(manyTraces: number): JaegerDataset {
  const run = hex(4);
  const frontend = `frontend-${run}`;
  const backend = `backend-${run}`;
  const many = `many-${run}`;
  const traceId = hex(16);
  const t0 = BigInt(Date.now() - 60_000) * 1_000_000n;
  const rootId = hex(8);
  const clientId = hex(8);
  const base = {
    traceId,
    links: [],
    events: [],
    status: { code: 0 as const },
  };
  const spans: SpanRecord[] = [
    {
      ...base,
      spanId: rootId,
      name: 'GET /checkout',
      kind: 2,
      startTimeUnixNano: t0,
      endTimeUnixNano: t0 + 30_000_000n,
      attributes: {
        'http.status_code': 200,
        'http.route': '/checkout',
        ratio: 0.25,
        cached: false,
        'order.id': '12345',
      },
      resource: { attributes: { 'service.name': frontend, 'host.name': 'web-1' } },
      scope: { name: 'frontend-http', version: '1.2.0' },
      events: [{ timeUnixNano: t0 + 1_000n, name: 'cache.miss', attributes: { 'cache.key': `cart-${run}`, tries: 3 } }],
    },
    {
      ...base,
      spanId: clientId,
      parentSpanId: rootId,
      name: 'POST /charge',
      kind: 3,
      startTimeUnixNano: t0 + 1_000_000n,
      endTimeUnixNano: t0 + 20_000_000n,
      attributes: { 'peer.service': backend },
      resource: { attributes: { 'service.name': frontend, 'host.name': 'web-1' } },
      scope: { name: 'frontend-http', version: '1.2.0' },
    },
    {
      ...base,
      spanId: hex(8),
      parentSpanId: clientId,
      name: 'charge',
      kind: 2,
      startTimeUnixNano: t0 + 2_000_000n,
      endTimeUnixNano: t0 + 19_000_000n,
      attributes: { 'payment.amount': 1999n * 10n ** 12n },
      status: { code: 2, message: 'card declined' },
      resource: { attributes: { 'service.name': backend } },
      scope: { name: 'backend-rpc' },
    },
  ];
  for (let i = 0; i < manyTraces; i++) {
    const start = t0 + BigInt(i) * 1_000n;
    spans.push({
      ...base,
      traceId: hex(16),
      spanId: hex(8),
      name: 'tick',
      kind: 1,
      startTimeUnixNano: start,
      endTimeUnixNano: start + 500n,
      attributes: { i },
      resource: { attributes: { 'service.name': many } },
      scope: { name: 'ticker' },
    });
  }
  return { run, frontend, backend, many, traceId, t0, spans };
}
