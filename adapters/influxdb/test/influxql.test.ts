import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/adapter.js';
import { quoteIdentifier, serializeParams, WhereBuilder } from '../src/influxql.js';

describe('InfluxQL helpers', () => {
  it('quotes identifiers, escaping quote and backslash, refusing line breaks', () => {
    expect(quoteIdentifier('db')).toBe('"db"');
    expect(quoteIdentifier('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(() => quoteIdentifier('a\nb')).toThrow(/line break/);
  });

  it('serialises bound parameters with bigints as exact JSON integers', () => {
    const text = serializeParams({
      t: 1_700_000_000_123_456_789n,
      s: 'it\'s "q"',
      r: { regex: '^a$' },
      m: { identifier: 'spans' },
    });
    expect(text).toBe('{"t":1700000000123456789,"s":"it\'s \\"q\\"","r":{"regex":"^a$"},"m":{"identifier":"spans"}}');
  });

  it('puts every value in a parameter, never in the statement', () => {
    const w = new WhereBuilder().add('service', '=', "x' OR 1=1 --").anyOf('tb', ['ab', 'cd']).add('time', '>=', 5n);
    expect(w.toString()).toBe(' WHERE "service" = $p0 AND ("tb" = $p1 OR "tb" = $p2) AND "time" >= $p3');
    expect(w.params).toEqual({ p0: "x' OR 1=1 --", p1: 'ab', p2: 'cd', p3: 5n });
  });
});

describe('options', () => {
  it('picks the 2.x API when token, org and bucket are set, else 1.x', () => {
    expect(resolveOptions({ type: 'influxdb', token: 't', org: 'o', bucket: 'b' }).api).toBe(2);
    expect(resolveOptions({ type: 'influxdb', url: 'http://x:8086/', database: 'rohas' })).toMatchObject({
      api: 1,
      url: 'http://x:8086',
    });
    expect(resolveOptions({ type: 'influxdb', api_version: '1', token: 't', org: 'o', bucket: 'b' }).api).toBe(1);
  });

  it('reads its own keys from the section, refusing keys its schema does not name', () => {
    const r = resolveOptions({ type: 'influxdb', trace_bucket_chars: 1, measurement_prefix: 'p_' });
    expect(r.traceBucketChars).toBe(1);
    expect(r.measurements.spans).toBe('p_spans');
    expect(() => resolveOptions({ type: 'influxdb', options: { trace_bucket_chars: 3 } })).toThrow(
      /\[rohas-telemetry\] \[influxdb\] key options: unknown key; type = "influxdb" takes .*trace_bucket_chars/,
    );
  });

  it('names what is missing or wrong', () => {
    expect(() => resolveOptions({ type: 'influxdb', api_version: 2, token: 't' })).toThrow(/needs org/);
    expect(() => resolveOptions({ type: 'influxdb', api_version: 3 })).toThrow(/key api_version: must be one of 1, 2/);
    expect(() => resolveOptions({ type: 'influxdb', measurement_prefix: 'a\nb' })).toThrow(/measurement_prefix/);
    expect(() => resolveOptions({ type: 'influxdb', trace_bucket_chars: 9 })).toThrow(/trace_bucket_chars/);
  });
});
