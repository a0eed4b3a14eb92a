import type { Backend, Row, SelectSpec } from './internal-types.js';
import { SECOND, secondOf, toBigInt } from './schema.js';

/** Largest chunk of points one step of a walk asks for. */
const MAX_CHUNK = 20_000;

/** What one step of a walk hands over. */
export interface WalkStep {
  /** Points of this step, in walk order of their key, none handed over twice. */
  rows: Row[];
  /**
   * Every point whose key is at or above this (`desc`) or below this (`asc`) has been handed over; undefined when
   * the walk is exhausted and everything has.
   */
  complete: bigint | undefined;
}

/** Where a walk starts and what it may not pass: bounds on the key itself (inclusive), beside the spec's window. */
export interface WalkBounds {
  /** `desc`: keys at or below this; `asc`: keys at or above this. */
  from?: bigint;
  /** `desc`: keys at or above this; `asc`: keys at or below this. */
  until?: bigint;
}

/**
 * Walks the points `spec` selects in the order of an integer field `key` that lies in the point's own second (a
 * span's `start_ns`, a record's `time_ns`: schema.ts puts a point at that second plus a discriminator, so within one
 * second point-time order is not key order). Each step costs what it hands over, however many points share a second:
 *
 * 1. a probe, `ORDER BY time LIMIT chunk` of the key column only, finds the seconds that hold the next `chunk` points
 *    (the last of them partly);
 * 2. `TOP(key, chunk)` (`BOTTOM` for `asc`) over those seconds returns exactly the next `chunk` points by key, with
 *    the columns asked for; every point of a key past the last one returned is then handed over (ties at the last
 *    key are read again by the next step and handed over once, by `identity`). When a whole chunk shares one key,
 *    every point of that key is read at once.
 *
 * So a second holding 10,000 points is never re-read from its top for each page of 1,000: a page costs its own points
 * (where the last version's walk read the cursor's whole second again on every page). A backend that ignores the
 * limit or the selector (the 2.x API may) gives the same answer: rows are ordered and cut here too.
 */
export async function walkByKey(
  backend: Backend,
  spec: SelectSpec,
  key: string,
  order: 'asc' | 'desc',
  bounds: WalkBounds,
  firstChunk: number,
  identity: (row: Row) => string,
  step: (s: WalkStep) => Promise<boolean>,
): Promise<void> {
  const desc = order === 'desc';
  const columns = spec.columns ? [...new Set([...spec.columns, key])] : undefined;
  let next = bounds.from;
  let chunk = Math.max(16, Math.min(MAX_CHUNK, firstChunk));
  const handed = new Set<string>();
  const keyOf = (row: Row) => toBigInt(row[key]);
  // Key order of the walk: negative when a comes first.
  const walkOrder = (a: bigint, b: bigint) => (a === b ? 0 : a > b === desc ? -1 : 1);
  for (;;) {
    const fields = [...(spec.fields ?? [])];
    let from = spec.from;
    let to = spec.to;
    if (next !== undefined) {
      fields.push({ key, op: desc ? '<=' : '>=', value: next });
      // The key lies in its point's second: nothing past the bound's second can hold a point within it.
      if (desc) to = min(to, secondOf(next) + SECOND);
      else from = max(from, secondOf(next));
    }
    if (bounds.until !== undefined) {
      fields.push({ key, op: desc ? '>=' : '<=', value: bounds.until });
      if (desc) from = max(from, secondOf(bounds.until));
      else to = min(to, secondOf(bounds.until) + SECOND);
    }
    if (from !== undefined && to !== undefined && from >= to) {
      await step({ rows: [], complete: undefined });
      return;
    }
    const where: SelectSpec = { ...spec, fields };
    if (from !== undefined) where.from = from;
    else delete where.from;
    if (to !== undefined) where.to = to;
    else delete where.to;

    const probe = await backend.select({ ...where, columns: [key], order, limit: chunk });
    const times = probe.map((row) => toBigInt(row.time)).sort((a, b) => walkOrder(a, b));
    let exhausted = times.length < chunk;
    let rows: Row[];
    if (exhausted) {
      rows = await backend.select({ ...where, ...(columns ? { columns } : {}) });
    } else {
      // The seconds from the bound down to the chunk-th point's hold at least `chunk` points: the next `chunk` by key
      // are among them, since every point below those seconds has a smaller key (above, for asc).
      const edge = secondOf(times[chunk - 1]!);
      const range: SelectSpec = { ...where, ...(columns ? { columns } : {}) };
      if (desc) range.from = edge;
      else range.to = edge + SECOND;
      rows = await backend.select({ ...range, selector: { fn: desc ? 'top' : 'bottom', key, n: chunk } });
    }
    const keyed = rows.map((row) => ({ row, k: keyOf(row) })).sort((a, b) => walkOrder(a.k, b.k));
    // The probe saw points but the selection returned none (they went between the two requests): nothing is left.
    if (keyed.length === 0) exhausted = true;
    const kept = exhausted ? keyed : keyed.slice(0, chunk);
    let complete: bigint | undefined;
    if (!exhausted) {
      const last = kept[kept.length - 1]!.k;
      if (kept[0]!.k === last) {
        // A whole chunk at one key: read every point of that key, then go on past it.
        const same = await backend.select({
          ...spec,
          ...(columns ? { columns } : {}),
          fields: [...(spec.fields ?? []), { key, op: '=', value: last }],
          from: secondOf(last),
          to: secondOf(last) + SECOND,
        });
        kept.push(...same.map((row) => ({ row, k: last })));
        complete = desc ? last : last + 1n;
        next = desc ? last - 1n : last + 1n;
      } else {
        // Every key strictly past `last` is in; points at `last` itself may be cut off and are read again next step.
        complete = desc ? last + 1n : last;
        next = last;
      }
    }
    const out: Row[] = [];
    for (const { row, k } of kept) {
      const id = `${k}|${identity(row)}`;
      if (handed.has(id)) continue;
      handed.add(id);
      out.push(row);
    }
    if ((await step({ rows: out, complete })) || exhausted) return;
    chunk = Math.min(MAX_CHUNK, chunk * 2);
  }
}

const min = (a: bigint | undefined, b: bigint) => (a === undefined || b < a ? b : a);
const max = (a: bigint | undefined, b: bigint) => (a === undefined || b > a ? b : a);
