import type { Batch } from '../data-move.js';

/**
 * Counts what a command moved with the right nouns: spans and the traces they belong to, log records, metric points
 * and the series they belong to (a series is a metric name with one attribute set and one resource).
 */
export class Tally {
  spans = 0;
  logs = 0;
  points = 0;
  refused = 0;
  private readonly traceIds = new Set<string>();
  private readonly series = new Set<string>();

  add(batch: Batch, written = batch.items.length): void {
    if (batch.signal === 'traces') {
      this.spans += written;
      for (const s of batch.items) this.traceIds.add(s.traceId);
    } else if (batch.signal === 'logs') {
      this.logs += written;
    } else {
      this.points += written;
      for (const p of batch.items)
        this.series.add(`${p.name}\u0000${stableKey(p.attributes)}\u0000${stableKey(p.resource.attributes)}`);
    }
  }

  get items(): number {
    return this.spans + this.logs + this.points;
  }

  get traces(): number {
    return this.traceIds.size;
  }

  /** "12 spans in 3 traces, 40 log records, 100 metric points in 4 series" (or "nothing"). */
  describe(): string {
    const parts: string[] = [];
    const n = (v: number, one: string, many: string) => `${v.toLocaleString('en-US')} ${v === 1 ? one : many}`;
    if (this.spans > 0) parts.push(`${n(this.spans, 'span', 'spans')} in ${n(this.traces, 'trace', 'traces')}`);
    if (this.logs > 0) parts.push(n(this.logs, 'log record', 'log records'));
    if (this.points > 0)
      parts.push(`${n(this.points, 'metric point', 'metric points')} in ${n(this.series.size, 'series', 'series')}`);
    return parts.join(', ') || 'nothing';
  }
}

function stableKey(attributes: Record<string, unknown>): string {
  return (
    JSON.stringify(Object.keys(attributes).sort(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v)) +
    JSON.stringify(
      Object.keys(attributes)
        .sort()
        .map((k) => attributes[k]),
      (_k, v) => (typeof v === 'bigint' ? `${v}n` : v),
    )
  );
}
