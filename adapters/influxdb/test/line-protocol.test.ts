import { HOSTILE_STRINGS } from '@rohas/telemetry-test-suite';
import { describe, expect, it } from 'vitest';
import {
  decodeTagValue,
  encodeTagValue,
  escapeKey,
  escapeMeasurement,
  formatFieldValue,
  formatLine,
  quoteString,
} from '../src/line-protocol.js';

describe('line-protocol encoder', () => {
  it('escapes measurement names: comma and space only', () => {
    expect(escapeMeasurement('my meas,ure=ment"q\'')).toBe('my\\ meas\\,ure=ment"q\'');
  });

  it('refuses measurement names line protocol cannot carry', () => {
    for (const bad of ['', 'a\nb', 'a\\', 'x\0y', 'tab\t'])
      expect(() => escapeMeasurement(bad)).toThrow(/line protocol/);
  });

  it('escapes tag keys, tag values and field keys: comma, equals sign, space', () => {
    expect(escapeKey('a,b=c d"e\'')).toBe('a\\,b\\=c\\ d"e\'');
  });

  it('quotes string fields: double quote and backslash escaped, newlines kept', () => {
    expect(quoteString('say "hi"\\ok\nnext')).toBe('"say \\"hi\\"\\\\ok\nnext"');
  });

  it('writes integers with i, exact beyond 2^53, floats without, booleans as words', () => {
    expect(formatFieldValue(1_700_000_000_123_456_789n)).toBe('1700000000123456789i');
    expect(formatFieldValue(-9_223_372_036_854_775_808n)).toBe('-9223372036854775808i');
    expect(formatFieldValue(3)).toBe('3');
    expect(formatFieldValue(1.125)).toBe('1.125');
    expect(formatFieldValue(-0)).toBe('0');
    expect(formatFieldValue(1e300)).toBe('1e+300');
    expect(formatFieldValue(true)).toBe('true');
    expect(() => formatFieldValue(Number.NaN)).toThrow(/not finite/);
    expect(() => formatFieldValue(Number.POSITIVE_INFINITY)).toThrow(/not finite/);
  });

  it('formats a whole point: sorted tags, empty tags left out, nanosecond time', () => {
    const line = formatLine(
      'spans',
      { z: 'last', a: 'first one', empty: '' },
      { n: 5n, s: 'x,y', b: false, skip: undefined },
      1_700_000_000_123_456_789n,
    );
    expect(line).toBe('spans,a=first\\ one,z=last n=5i,s="x,y",b=false 1700000000123456789');
  });

  it('needs at least one field', () => {
    expect(() => formatLine('m', { a: 'b' }, { x: undefined }, 1n)).toThrow(/at least one field/);
  });

  it('encodes every hostile string as a tag value that round-trips and is line-protocol safe', () => {
    const seen = new Set<string>();
    for (const s of [...HOSTILE_STRINGS, '', '~tilde', 'plain', 'trailing\\']) {
      const tag = encodeTagValue(s);
      expect(decodeTagValue(tag)).toBe(s);
      // Safe: no control characters, no backslash, not empty (influxd drops empty tags and mis-parses a trailing \).
      expect(tag).not.toMatch(/[\p{Cc}\\]/u);
      expect(tag.length).toBeGreaterThan(0);
      seen.add(tag);
    }
    expect(seen.size).toBe(HOSTILE_STRINGS.length + 4);
  });

  it('keeps ordinary tag values readable', () => {
    expect(encodeTagValue('GET /users')).toBe('GET /users');
    expect(encodeTagValue('comma,equals=space tag')).toBe('comma,equals=space tag');
    expect(encodeTagValue('new\nline')).toMatch(/^~/);
  });
});
