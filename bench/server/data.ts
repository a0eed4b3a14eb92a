// The server benchmark's spans: span n of the data set, 10 spans a trace, 20 services, four typed attributes; and the
// query kinds the HTTP clients send (the Workbench's mix), with the same reads made in-process on the adapter.
import type { SpanRecord, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { encodeTraceRequest } from '../support/otlp.js';
import { hex } from '../support/spans.js';

export const PER_TRACE = 10;
export const SERVICES = 20;
const T0 = BigInt(Date.now() - 3_600_000) * 1_000_000n;

export function span(n: number): SpanRecord {
  const t = Math.floor(n / PER_TRACE);
  const start = T0 + BigInt(n) * 10_000n;
  return {
    traceId: hex(t + 1, 32),
    spanId: hex(n + 1, 16),
    ...(n % PER_TRACE ? { parentSpanId: hex(t * PER_TRACE + 1, 16) } : {}),
    name: `op-${n % 50}`,
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(1 + (n % 997)) * 100_000n,
    status: { code: n % 53 === 0 ? 2 : 0 },
    attributes: {
      'http.route': `/r/${n % 100}`,
      'http.status_code': n % 53 === 0 ? 500 : 200,
      'user.id': `u${n % 5000}`,
      cached: n % 2 === 0,
    },
    events: [],
    links: [],
    resource: { attributes: { 'service.name': `svc-${t % SERVICES}`, 'host.name': 'bench' } },
    scope: { name: 'bench', version: '1.0.0' },
  };
}

/** Spans `from` .. `from + count` as OTLP protobuf request bodies of `batch` spans. */
export function encodeRange(from: number, count: number, batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = from; i < from + count; i += batch) {
    const spans: SpanRecord[] = [];
    for (let n = i; n < Math.min(from + count, i + batch); n++) spans.push(span(n));
    bodies.push(encodeTraceRequest(spans));
  }
  return bodies;
}

/** A seeded linear congruential generator, so every run asks the same questions. */
export function lcg(seed = 7): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s % n;
  };
}

export const KINDS = ['getTrace', 'findTraces service', 'findTraces attr', 'findTraces error+duration'] as const;
export type Kind = (typeof KINDS)[number];

/** The Workbench's mix as HTTP paths over `traceCount` stored traces. */
export function httpKinds(traceCount: number, rand = lcg()): Record<Kind, () => string> {
  return {
    getTrace: () => `/telemetry/traces/${hex(rand(traceCount) + 1, 32)}`,
    'findTraces service': () => `/telemetry/traces?service=svc-${rand(SERVICES)}&limit=20`,
    'findTraces attr': () => `/telemetry/traces?attr=http.route=/r/${rand(100)}&limit=20`,
    'findTraces error+duration': () => '/telemetry/traces?status=error&minDuration=50ms&limit=20',
  };
}

/** The same reads, in-process on the adapter. */
export function directKinds(
  adapter: TelemetryAdapter,
  traceCount: number,
  rand = lcg(),
): Record<Kind, () => Promise<unknown>> {
  const q = adapter.traces!;
  return {
    getTrace: () => q.getTrace(hex(rand(traceCount) + 1, 32)),
    'findTraces service': () =>
      q.findTraces(normalizeTraceQuery({ service: `svc-${rand(SERVICES)}`, limit: 20 }, q.capabilities)),
    'findTraces attr': () =>
      q.findTraces(normalizeTraceQuery({ attributes: { 'http.route': `/r/${rand(100)}` }, limit: 20 }, q.capabilities)),
    'findTraces error+duration': () =>
      q.findTraces(normalizeTraceQuery({ status: 'error', minDurationNano: 50_000_000n, limit: 20 }, q.capabilities)),
  };
}
