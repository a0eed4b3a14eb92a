import { expect, it } from 'vitest';
import { TraceCache } from '../src/trace-cache.js';
import { span as fixture } from './fixtures.js';

const span = (traceId: string, spanId: string) => fixture({ traceId, spanId });
const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

it('written spans of a trace nobody has read are not held: its first read goes to the store', () => {
  const cache = new TraceCache(10);
  cache.add([span(A, '1'), span(A, '2'), span(B, '1')]);
  expect(cache.get(A)).toBeUndefined();
  expect(cache.get(B)).toBeUndefined();
});

it('written spans join a trace that was read, so it stays whole without another store read', () => {
  const cache = new TraceCache(10);
  cache.setVerified(A, [span(A, '1')]);
  cache.add([span(A, '2'), span(B, '1')]);
  const e = cache.get(A)!;
  expect(e.verified).toBe(true);
  expect([...e.spans.keys()].sort()).toEqual(['1', '2']);
  expect(cache.get(B)).toBeUndefined();
});

it('holds at most `max` read traces, the least recently used leaving first; max 0 holds none', () => {
  const cache = new TraceCache(2);
  cache.setVerified(A, [span(A, '1')]);
  cache.setVerified(B, [span(B, '1')]);
  cache.get(A);
  const C = 'c'.repeat(32);
  cache.setVerified(C, [span(C, '1')]);
  expect(cache.get(B)).toBeUndefined();
  expect(cache.get(A)).toBeDefined();
  const none = new TraceCache(0);
  none.setVerified(A, [span(A, '1')]);
  none.add([span(A, '2')]);
  expect(none.get(A)).toBeUndefined();
});
