import { HOSTILE_STRINGS } from '@rohas/telemetry-test-suite';
import { describe, expect, it } from 'vitest';
import {
  countBeforeQuery,
  deletePredicate,
  firstByTagQuery,
  parseRfc3339,
  rfc3339,
  selectQuery,
  tagValuesQuery,
} from '../src/flux.js';
import { cell } from '../src/v2-backend.js';

/** Reads a Flux string literal back (the escapes Flux defines: \" \\ \n \r \t \$), to prove the quoting is exact. */
function readFluxString(literal: string): string {
  expect(literal.startsWith('"') && literal.endsWith('"')).toBe(true);
  const body = literal.slice(1, -1);
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '"') throw new Error(`unescaped quote in ${literal}`);
    if (c === '$' && body[i + 1] === '{') throw new Error(`unescaped interpolation in ${literal}`);
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    out += n === 'n' ? '\n' : n === 'r' ? '\r' : n === 't' ? '\t' : n;
  }
  return out;
}

describe('Flux built for the 2.x API', () => {
  it('selects candidate rows: range, measurement, tags, fields pivoted, field conditions', () => {
    const q = selectQuery('telemetry', {
      measurement: 'spans',
      from: 1_700_000_000_000_000_000n,
      to: 1_700_000_001_000_000_000n,
      tags: { service: 'checkout', tb: ['ab', 'cd'] },
      columns: ['trace_id', 'start_ns'],
      fields: [{ key: 'duration_ns', op: '>=', value: 5_000_000n }],
      fieldIn: { key: 'trace_id', values: ['t1'] },
    }).toString();
    expect(q).toBe(`from(bucket: "telemetry")
  |> range(start: time(v: 1700000000000000000), stop: time(v: 1700000001000000000))
  |> filter(fn: (r) => r._measurement == "spans")
  |> filter(fn: (r) => (r["service"] == "checkout") and (r["tb"] == "ab" or r["tb"] == "cd"))
  |> filter(fn: (r) => r["_field"] == "trace_id" or r["_field"] == "start_ns")
  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")
  |> filter(fn: (r) => (exists r["duration_ns"] and r["duration_ns"] >= 5000000) and (r["trace_id"] == "t1"))`);
  });

  it('covers all time when no window is given, and keeps nanosecond integers exact', () => {
    const q = selectQuery('b', {
      measurement: 'logs',
      fields: [{ key: 'time_ns', op: '<', value: 9_007_199_254_740_993n }],
    }).toString();
    expect(q).toContain('range(start: time(v: 0), stop: time(v: 9000000000000000000))');
    expect(q).toContain('r["time_ns"] < 9007199254740993');
    expect(q).not.toContain('r["_field"]');
  });

  it('quotes every hostile string as a Flux string literal that reads back exactly', () => {
    for (const s of HOSTILE_STRINGS) {
      const q = selectQuery(s, {
        measurement: s,
        tags: { service: s },
        fields: [{ key: 'trace_id', op: '=', value: s }],
      }).toString();
      const literals = q.match(/"(?:[^"\\]|\\.)*"/g) ?? [];
      const values = literals.map(readFluxString);
      // bucket, measurement, tag value and field value each appear as one literal that decodes to the input.
      expect(values.filter((v) => v === s).length).toBe(4);
    }
  });

  it('lists tag values through schema.tagValues over all time', () => {
    expect(
      tagValuesQuery('b', 'spans', 'name', { service: 's"x' }).toString(),
    ).toBe(`import "influxdata/influxdb/schema"
schema.tagValues(bucket: "b", tag: "name", predicate: (r) => (r._measurement == "spans") and (r["service"] == "s\\"x"), start: time(v: 0), stop: time(v: 9000000000000000000))`);
  });

  it('finds the first descriptor per metric and type, and counts points before a time', () => {
    const first = firstByTagQuery('b', 'metrics', 'descriptor', ['metric', 'type']).toString();
    expect(first).toContain(
      '|> first()\n  |> group(columns: ["metric", "type"])\n  |> sort(columns: ["_time"])\n  |> first()',
    );
    const count = countBeforeQuery('b', 'logs', 'seq', 1_700_000_000_000_000_001n).toString();
    expect(count).toContain('range(start: time(v: 0), stop: time(v: 1700000000000000001))');
    expect(count).toContain('r._field == "seq"');
  });

  it('writes delete predicates with the measurement quoted', () => {
    expect(deletePredicate('my "spans"')).toBe('_measurement="my \\"spans\\""');
  });

  it('converts RFC 3339 times both ways to the nanosecond', () => {
    for (const ns of [0n, 1n, 1_700_000_000_123_456_789n, 1_700_000_000_000_000_000n, -1n])
      expect(parseRfc3339(rfc3339(ns))).toBe(ns);
    expect(parseRfc3339('2023-11-14T22:13:20.1234Z')).toBe(1_700_000_000_123_400_000n);
    expect(parseRfc3339('2023-11-14T22:13:20Z')).toBe(1_700_000_000_000_000_000n);
  });

  it('reads annotated-CSV cells by type, integers exact', () => {
    expect(cell('1700000000123456789', 'long')).toBe(1_700_000_000_123_456_789n);
    expect(cell('42', 'long')).toBe(42);
    expect(cell('', 'long')).toBeNull();
    expect(cell('1.5', 'double')).toBe(1.5);
    expect(cell('true', 'boolean')).toBe(true);
    expect(cell('', 'string')).toBe('');
    expect(cell('2023-11-14T22:13:20.123456789Z', 'dateTime:RFC3339')).toBe(1_700_000_000_123_456_789n);
  });
});
