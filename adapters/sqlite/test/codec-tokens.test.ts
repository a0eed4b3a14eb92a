// spanRow() memoises the attribute index tokens (codec.ts): the index document it writes must be exactly what
// attributeTokens() + serviceToken() give for every span, whatever the memo holds, past its bounds included.
import type { Attributes, SpanRecord } from '@rohas/telemetry';
import { describe, expect, it } from 'vitest';
import { attributeTokens, serviceToken } from '../src/attr-hash.js';
import { spanRow } from '../src/codec.js';

function span(attributes: Attributes, service: string): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'GET',
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n,
    endTimeUnixNano: 1_700_000_000_001_000_000n,
    status: { code: 0 },
    attributes,
    events: [],
    links: [],
    resource: { attributes: { 'service.name': service } },
    scope: { name: 'test' },
  };
}

const expected = (s: SpanRecord) => {
  const service = String(s.resource.attributes['service.name']);
  const tokens = attributeTokens(s.attributes);
  return tokens ? `${tokens} ${serviceToken(service)}` : serviceToken(service);
};

describe('spanRow index tokens (memoised)', () => {
  it('equal attributeTokens() + serviceToken() for repeated, typed, unindexable and past-the-bound values', () => {
    const typed: Attributes[] = [
      { 'http.status_code': 200 },
      { 'http.status_code': 200n }, // hashes like 200
      { 'http.status_code': '200' }, // a string: another token
      { zero: 0 },
      { zero: -0 },
      { big: 1e21 },
      { big: 10n ** 21n },
      { frac: 0.5 },
      { nan: Number.NaN }, // not indexed
      { ok: true },
      { ok: false },
      { list: ['a', 'b'] }, // not indexed
      { bytes: new Uint8Array([1, 2]) },
      { map: { a: 1 } },
      { empty: '' },
      { long: 'x'.repeat(1000) },
      {},
    ];
    const spans: SpanRecord[] = [];
    for (let round = 0; round < 3; round++) for (const a of typed) spans.push(span(a, `svc-${round % 2}`));
    // One key past the values bound (300 distinct values), and keys past the keys bound (1,100 distinct keys).
    for (let i = 0; i < 300; i++) spans.push(span({ 'net.peer.port': 40_000 + i, 'http.method': 'GET' }, 'svc-0'));
    for (let i = 0; i < 1100; i++) spans.push(span({ [`k${i}`]: i % 7, 'http.method': 'GET' }, 'svc-1'));
    for (let round = 0; round < 2; round++)
      for (const s of spans) expect(spanRow(s)[17], JSON.stringify(Object.keys(s.attributes))).toBe(expected(s));
  });
});
