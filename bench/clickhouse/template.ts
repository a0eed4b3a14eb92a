// The template of the ClickHouse volume stores (bench/clickhouse/fill.ts) and what its copies are: shared by the fill,
// which writes and checks them, and bench/clickhouse/volume.ts, which looks traces up by these ids.
import { createHash } from 'node:crypto';
import type { SpanRecord } from '@rohas/telemetry';
import { benchSpans, hex } from '../support/spans.js';

/** The hour a template covers, in nanoseconds; copy c is shifted c hours earlier. */
export const HOUR_NS = 3_600_000_000_000n;
/** The template's hour ends here (fixed, so stores filled on different days hold the same rows). */
export const TEMPLATE_END = BigInt(Date.UTC(2026, 10, 28)) * 1_000_000n;
export const TEMPLATE_START = TEMPLATE_END - HOUR_NS;

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
/** What the multiply makes of the ids of copy c (the same expressions in SQL below). */
export const copyTraceId = (id: string, c: number) => md5(`${id}/${c}`);
export const templateTraceId = (t: number) => md5(`template/${t}`);
export const copySpanId = (id: string, c: number) => (id === '' ? '' : md5(`${id}/${c}`).slice(0, 16));

/** The template spans: benchSpans, squeezed into one hour, random-looking trace ids, a request.id on each root. */
export function templateSpans(count: number): SpanRecord[] {
  const perTrace = 10;
  const traces = Math.ceil(count / perTrace);
  const pitch = HOUR_NS / BigInt(traces);
  const base = benchSpans(count, { perTrace, traceId: templateTraceId });
  return base.map((s, n) => {
    const t = Math.floor(n / perTrace);
    const start = TEMPLATE_START + BigInt(t) * pitch + BigInt(n % perTrace) * 1_000_000n;
    const attributes = n % perTrace === 0 ? { ...s.attributes, 'request.id': `req-${hex(t, 6)}` } : s.attributes;
    return {
      ...s,
      attributes,
      startTimeUnixNano: start,
      endTimeUnixNano: start + (s.endTimeUnixNano - s.startTimeUnixNano),
    };
  });
}

/** The template trace as copy c must read back. */
export function expectedCopy(spans: SpanRecord[], c: number): SpanRecord[] {
  const shift = BigInt(c) * HOUR_NS;
  return spans.map((s) => {
    const out: SpanRecord = {
      ...s,
      traceId: copyTraceId(s.traceId, c),
      spanId: copySpanId(s.spanId, c),
      startTimeUnixNano: s.startTimeUnixNano - shift,
      endTimeUnixNano: s.endTimeUnixNano - shift,
      events: s.events.map((e) => ({ ...e, timeUnixNano: e.timeUnixNano - shift })),
      links: s.links.map((l) => ({ ...l, traceId: copyTraceId(l.traceId, c), spanId: copySpanId(l.spanId, c) })),
    };
    if (s.parentSpanId) out.parentSpanId = copySpanId(s.parentSpanId, c);
    const rid = s.attributes['request.id'];
    if (typeof rid === 'string') out.attributes = { ...s.attributes, 'request.id': `${rid}-${c}` };
    return out;
  });
}
