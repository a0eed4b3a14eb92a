import type { SpanRecord } from './types.js';

/**
 * How long a trace read from the store is served from the cache without asking the store again, ms. Another process
 * writing the same store (two servers, or an app and a server, on one SQLite file) may add spans this process never
 * sees, so a cached trace is trusted only this long: a repeated read within it costs nothing, a later one re-reads.
 */
export const TRACE_CACHE_TTL_MS = 1000;

/** The last `max` traces read or written, for fast repeated getTrace calls. */
export class TraceCache {
  private readonly entries = new Map<string, { spans: Map<string, SpanRecord>; verified: boolean; at: number }>();
  constructor(private readonly max: number) {}
  get(traceId: string) {
    const e = this.entries.get(traceId);
    if (e?.verified && Date.now() - e.at > TRACE_CACHE_TTL_MS) e.verified = false;
    if (e) {
      this.entries.delete(traceId);
      this.entries.set(traceId, e);
    }
    return e;
  }
  /**
   * Spans just written (committed) join the traces the cache holds because they were read, so a trace someone is
   * watching stays whole without another store read. A trace nobody has read is not held: its first getTrace reads
   * the store, which already has these spans. Holding every written span made each one live long enough to be
   * promoted to the old generation and swept there — at 10,000 spans/s, 3–4× the server's main-thread GC pauses.
   */
  add(spans: SpanRecord[]): void {
    if (this.entries.size === 0) return;
    for (const s of spans) this.entries.get(s.traceId)?.spans.set(s.spanId, s);
  }
  setVerified(traceId: string, spans: SpanRecord[]): void {
    if (this.max === 0) return;
    const e = this.entries.get(traceId) ?? { spans: new Map<string, SpanRecord>(), verified: true, at: 0 };
    for (const s of spans) e.spans.set(s.spanId, s);
    e.verified = true;
    e.at = Date.now();
    this.entries.delete(traceId);
    this.entries.set(traceId, e);
    this.evict();
  }
  clear(): void {
    this.entries.clear();
  }
  private evict(): void {
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}
