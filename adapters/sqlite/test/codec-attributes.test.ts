// spanRow() stringifies a span's attributes directly when every value is one JSON carries as it is (codec.ts
// encodeSpanAttributes); the text must be exactly encodeAttributes()'s, and every other value must take the typed
// encoder.
import { type Attributes, decodeAttributes, encodeAttributes } from '@rohas/telemetry/adapter';
import { describe, expect, it } from 'vitest';
import { encodeSpanAttributes } from '../src/codec.js';

const cases: Array<[string, Attributes]> = [
  ['empty', {}],
  [
    'an HTTP server span',
    {
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'server.address': '127.0.0.1',
      'network.peer.port': 55538,
      'url.path': '/a "quoted" \\ path\n',
      'http.response.status_code': 200,
      ok: true,
      off: false,
      ratio: 0.25,
      negZero: -0,
      nothing: null,
    },
  ],
  ['integer-like keys keep the object order', { '2': 'b', '1': 'a', x: 'c' }],
  ['bigint', { a: 'x', big: 12345678901234567890n }],
  ['NaN', { a: 1, n: Number.NaN }],
  ['Infinity', { a: 1, n: Number.POSITIVE_INFINITY }],
  ['bytes', { b: new Uint8Array([1, 2, 3]) }],
  ['array', { tags: ['a', 'b'], codes: [1, Number.NaN] }],
  ['map', { m: { $int: 'not a tag' } }],
  ['undefined value', { a: 'x', u: undefined as unknown as string }],
];

describe('encodeSpanAttributes', () => {
  it.each(cases)('%s: the same text as encodeAttributes, decoding to the same values', (_label, attributes) => {
    const text = encodeSpanAttributes(attributes);
    expect(text).toBe(encodeAttributes(attributes));
    expect(decodeAttributes(text)).toEqual(decodeAttributes(encodeAttributes(attributes)));
  });
});
