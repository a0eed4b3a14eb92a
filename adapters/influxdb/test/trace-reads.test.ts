import { describe, expect, it } from 'vitest';
import { selectQuery } from '../src/flux.js';
import { mergeGaps, type Range } from '../src/trace-reads.js';

const S = 1_000_000_000n;
const range = (id: string, second: bigint): Range => ({
  id,
  from: second * S,
  to: (second + 1n) * S,
  first: second * S,
  last: second * S + 5n,
});

describe('reading a page of traces in a few statements', () => {
  it('closes the smallest gaps until at most the given number of groups of touching ranges is left', () => {
    // Seconds 0, 2, 3, 10, 11, 50 and 51: gaps after 0 (1 s), 3 (6 s) and 11 (38 s).
    const ranges = [10n, 0n, 2n, 3n, 50n, 11n, 51n].map((s, i) => range(`t${i}`, s));
    const merged = mergeGaps(ranges, 3);
    expect(merged.map((r) => r.id)).toEqual(['t1', 't2', 't3', 't0', 't5', 't4', 't6']);
    // The 38 s and 6 s gaps stay open; the 1 s gap after second 0 is closed.
    const groups: bigint[][] = [];
    let end: bigint | undefined;
    for (const r of merged) {
      if (end === undefined || r.from > end) groups.push([]);
      groups[groups.length - 1]!.push(r.from / S);
      if (end === undefined || r.to > end) end = r.to;
    }
    expect(groups).toEqual([
      [0n, 1n, 3n],
      [10n, 11n],
      [50n, 51n],
    ]);
    // A range keeps the exact start bounds of its own trace.
    expect(merged.find((r) => r.id === 't2')).toMatchObject({ first: 2n * S, last: 2n * S + 5n });
  });

  it('leaves ranges alone when there are few groups', () => {
    const ranges = [range('a', 5n), range('b', 1n)];
    expect(mergeGaps(ranges, 8).map((r) => [r.id, r.from])).toEqual([
      ['b', 1n * S],
      ['a', 5n * S],
    ]);
  });
});

describe('Flux of a keyset step', () => {
  it('selects the top n by a field, all series merged, and orders a limited read newest first when asked', () => {
    const top = selectQuery('b', {
      measurement: 'spans',
      columns: ['start_ns', 'trace_id'],
      selector: { fn: 'top', key: 'start_ns', n: 1001 },
    }).toString();
    expect(top).toContain('|> group()\n  |> top(n: 1001, columns: ["start_ns"])');
    const desc = selectQuery('b', { measurement: 'spans', order: 'desc', limit: 10 }).toString();
    expect(desc).toContain('sort(columns: ["_time"], desc: true)');
    expect(selectQuery('b', { measurement: 'spans', limit: 10 }).toString()).not.toContain('desc: true');
  });
});
