// The Loki query API over memory and SQLite (ROHAS_SERVER_TEST_CONFIG adds another backend); the suite is in
// test/support/loki-suite.ts.
import { describe, expect, it } from 'vitest';
import { parseLokiTime } from '../src/loki/routes.js';
import { lokiApiSuite } from './support/loki-suite.js';
import { storageFactories } from './support/storages.js';

for (const factory of storageFactories()) lokiApiSuite(factory);

describe('Loki times', () => {
  it('reads nanoseconds, seconds, float seconds and RFC 3339', () => {
    expect(parseLokiTime('t', '1700000000123456789')).toBe(1_700_000_000_123_456_789n);
    expect(parseLokiTime('t', '1700000000')).toBe(1_700_000_000_000_000_000n);
    expect(parseLokiTime('t', '1700000000.5')).toBe(1_700_000_000_500_000_000n);
    expect(parseLokiTime('t', '2023-11-14T22:13:20.123456789Z')).toBe(1_700_000_000_123_456_789n);
    expect(() => parseLokiTime('start', 'soon')).toThrow(/start/);
  });
});
