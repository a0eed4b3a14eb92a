// The spans the storage benchmarks write: the same shape everywhere, so figures of different backends compare.
import type { SpanRecord } from '@rohas/telemetry';

export const hex = (n: number, len: number): string => n.toString(16).padStart(len, '0');

/** A day ago, in nanoseconds: the benchmark data spreads over the last day. */
export const T0 = BigInt(Date.now() - 86_400_000) * 1_000_000n;

/** Twenty services, one resource object each (as one SDK provider per service would hand them over). */
export const benchResources = Array.from({ length: 20 }, (_, i) => ({
  attributes: { 'service.name': `svc-${i}`, 'host.name': 'bench', 'process.pid': 1 },
}));
export const benchScope = { name: 'bench', version: '1.0.0' };

export interface BenchSpanOptions {
  /** Number of the first span, so data can be made in chunks. */
  offset?: number;
  perTrace?: number;
  /** The trace id of trace number `t`. */
  traceId?: (t: number) => string;
}

/**
 * `count` spans, `perTrace` (10) a trace, 50 span names, 20 services, four typed attributes (`http.route` of 20
 * values, `http.status_code`, `user.id` of 10,000, a boolean), one in 53 an error, spread over a day.
 */
export function benchSpans(count: number, options: BenchSpanOptions = {}): SpanRecord[] {
  const { offset = 0, perTrace = 10, traceId = (t: number) => hex(t, 32) } = options;
  const out: SpanRecord[] = [];
  for (let n = offset; n < offset + count; n++) {
    const t = Math.floor(n / perTrace);
    const start = T0 + BigInt(t) * 800_000_000n + BigInt(n % perTrace) * 1_000_000n;
    out.push({
      traceId: traceId(t),
      spanId: hex(n + 1, 16),
      ...(n % perTrace ? { parentSpanId: hex(t * perTrace + 1, 16) } : {}),
      name: `op-${n % 50}`,
      kind: 2,
      startTimeUnixNano: start,
      endTimeUnixNano: start + BigInt(1 + (n % 997)) * 100_000n,
      status: { code: n % 53 === 0 ? 2 : 0 },
      attributes: {
        'http.route': `/r${n % 20}`,
        'http.status_code': n % 53 === 0 ? 500 : 200,
        'user.id': `u${n % 10_000}`,
        retry: n % 2 === 0,
      },
      events: [],
      links: [],
      resource: benchResources[t % 20]!,
      scope: benchScope,
    });
  }
  return out;
}
