import type { SpanRecord } from '../src/model.js';

/** A minimal valid span record for the core's unit tests; `overrides` replace its fields. */
export function span(overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    name: 'op',
    kind: 1,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    status: { code: 0 },
    attributes: {},
    events: [],
    links: [],
    resource: { attributes: {} },
    scope: { name: 's' },
    ...overrides,
  };
}
