import type { Backend, Row, SelectSpec } from './internal-types.js';
import { secondOf, toBigInt } from './schema.js';

const SECOND = 1_000_000_000n;
/** Largest chunk of points one step of a walk asks for. */
const MAX_CHUNK = 20_000;

/** What one step of a walk hands over. */
export interface WalkStep {
  /** Points of this step, newest first (or oldest first for `asc`), none handed over twice. */
  rows: Row[];
  /**
   * Every point whose exact time (the record's own, not the point time) is at or after this (`desc`) or before this
   * (`asc`) has been handed over; undefined when the walk is exhausted and everything has.
   */
  complete: bigint | undefined;
}

/**
 * Walks the points `spec` selects in point-time order, a chunk at a time, each chunk one `ORDER BY time LIMIT` query
 * starting where the previous one stopped: a page costs the chunks it reads, not the points before them.
 *
 * Span and log point times are the record's second plus a discriminator in the sub-second digits (schema.ts), so
 * within one second point-time order is not the records' order. A step therefore reports the boundary below which
 * the records' own order is settled (`complete`), and callers take only records at or past it. Points at the stop
 * time are read again by the next step (two points of different series can share a time) and handed over once,
 * by `identity`. A backend that ignores the limit (the 2.x API, whose Flux query has no order here) gives the same
 * answer: the rows are ordered and cut here too.
 */
export async function walkPoints(
  backend: Backend,
  spec: SelectSpec,
  order: 'asc' | 'desc',
  firstChunk: number,
  identity: (row: Row) => string,
  step: (s: WalkStep) => Promise<boolean>,
): Promise<void> {
  let from = spec.from;
  let to = spec.to;
  let chunk = Math.max(16, Math.min(MAX_CHUNK, firstChunk));
  const handed = new Set<string>();
  const desc = order === 'desc';
  for (;;) {
    const all = await backend.select({
      ...spec,
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
      order,
      limit: chunk,
    });
    const timed = all.map((row) => ({ row, t: toBigInt(row.time) }));
    timed.sort((a, b) => (a.t === b.t ? 0 : a.t < b.t === desc ? 1 : -1));
    const exhausted = timed.length < chunk;
    const kept = exhausted ? timed : timed.slice(0, chunk);
    const rows: Row[] = [];
    for (const { row, t } of kept) {
      const key = `${t}|${identity(row)}`;
      if (handed.has(key)) continue;
      handed.add(key);
      rows.push(row);
    }
    const last = kept[kept.length - 1];
    const complete = exhausted || !last ? undefined : desc ? secondOf(last.t) + SECOND : secondOf(last.t);
    if ((await step({ rows, complete })) || exhausted || !last) return;
    // Go on from the last point's time, inclusive; if the whole chunk sat at that time, ask for more at once.
    if (desc) to = last.t + 1n;
    else from = last.t;
    const stuck = kept[0]!.t === last.t;
    chunk = Math.min(MAX_CHUNK * 8, stuck ? chunk * 4 : Math.min(MAX_CHUNK, chunk * 2));
  }
}
