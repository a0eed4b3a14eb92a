// Parsing of query-parameter values: times, durations, attribute values, severities.
import { describe, expect, it } from 'vitest';
import { ParamError, parseAttr, parseDuration, parseScalar, parseSeverity, parseTime } from '../src/params.js';

describe('query parameter values', () => {
  it('types attr values as the HTTP API says', () => {
    expect(parseScalar('200')).toBe(200);
    expect(parseScalar('-1.5e3')).toBe(-1500);
    expect(parseScalar('9007199254740993')).toBe(9007199254740993n);
    expect(parseScalar('true')).toBe(true);
    expect(parseScalar('"200"')).toBe('200');
    expect(parseScalar('02134')).toBe('02134');
    expect(parseScalar('1.')).toBe('1.');
    expect(parseScalar('/users')).toBe('/users');
    expect(parseAttr('http.route=/a=b')).toEqual({ key: 'http.route', op: '=', value: '/a=b' });
    expect(() => parseAttr('=1')).toThrow(ParamError);
  });

  it('reads durations exactly', () => {
    expect(parseDuration('250ms', 'd')).toBe(250_000_000n);
    expect(parseDuration('1.5s', 'd')).toBe(1_500_000_000n);
    expect(parseDuration('1h30m', 'd')).toBe(5_400_000_000_000n);
    expect(parseDuration('500us', 'd')).toBe(500_000n);
    expect(parseDuration('500µs', 'd')).toBe(500_000n);
    expect(parseDuration('100', 'd')).toBe(100n);
    for (const bad of ['', 'ms', '1.5', '-5ms', '5 ms', '1e3s'])
      expect(() => parseDuration(bad, 'd'), bad).toThrow(ParamError);
  });

  it('reads times as nanoseconds, ISO-8601 (nanosecond fractions kept) and now-relative', () => {
    const now = 1_700_000_000_000_000_000n;
    expect(parseTime('1700000000000000001', 't', now)).toBe(1_700_000_000_000_000_001n);
    expect(parseTime('2023-11-14T22:13:20.123456789Z', 't', now)).toBe(1_700_000_000_123_456_789n);
    expect(parseTime('2023-11-14T23:13:20+01:00', 't', now)).toBe(1_700_000_000_000_000_000n);
    expect(parseTime('2023-11-14T22:13:20', 't', now)).toBe(1_700_000_000_000_000_000n);
    expect(parseTime('now', 't', now)).toBe(now);
    expect(parseTime('now-15m', 't', now)).toBe(now - 900_000_000_000n);
    for (const bad of ['yesterday', '2023-02-30T00:00:00Z', '99999999999999999999999', 'now-', "1' OR '1'='1"]) {
      expect(() => parseTime(bad, 't', now), bad).toThrow(ParamError);
    }
  });

  it('reads severities by number or name', () => {
    expect(parseSeverity('13', 's')).toBe(13);
    expect(parseSeverity('warn', 's')).toBe(13);
    expect(() => parseSeverity('25', 's')).toThrow(ParamError);
  });
});
