import {
  type AttributeFilter,
  createMemoryAdapter,
  normalizeTraceQuery,
  type SpanRecord,
  type TraceQuery,
  type TraceSummary,
} from '@rohas/telemetry/adapter';
import { canonicalSpan } from './canonical.js';
import { DAY, HOSTILE_STRINGS, MS, makeFullSpan, makeSpan, newTraceId, nowNano, runId, SECOND } from './fixtures.js';
import type { SuiteContext } from './suite-context.js';

/** The trace part of the conformance suite: round trips, trace assembly, findTraces against the reference, retention. */
export function traceTests(ctx: SuiteContext): void {
  const { describe, it, expect, beforeAll } = ctx.api;
  const { options, timeout, open } = ctx;
  const adapter = ctx.adapter;
  const store = () => {
    const s = adapter().traces;
    if (!s) throw new Error(`${options.name} has no trace store but the suite was asked to test traces`);
    return s;
  };
  const write = async (spans: SpanRecord[]) => {
    const r = await store().write(spans);
    if (!r.ok) throw r.error;
  };
  /** Runs a query on the adapter and on a reference adapter holding the same spans; returns both. */
  async function both(spans: SpanRecord[], q: TraceQuery) {
    const ref = createMemoryAdapter();
    await ref.traces!.write(spans);
    const caps = store().capabilities;
    const actual = await store().findTraces(normalizeTraceQuery(q, caps));
    const expected = await ref.traces!.findTraces(normalizeTraceQuery(q));
    return { actual, expected };
  }
  const ids = (items: TraceSummary[]) => items.map((t) => t.traceId);
  const supports = (op: AttributeFilter['op']) => store().capabilities.attributeOperators.includes(op);

  it(
    'round-trips every field of a span exactly (bigint ns, typed attributes, events, links, 64 KiB strings)',
    async () => {
      const span = makeFullSpan(runId());
      await write([span]);
      const got = await store().getTrace(span.traceId);
      expect(got).not.toBeNull();
      expect(got!.length).toBe(1);
      const back = got![0]!;
      expect(typeof back.startTimeUnixNano).toBe('bigint');
      expect(back.startTimeUnixNano).toBe(span.startTimeUnixNano);
      expect(back.endTimeUnixNano).toBe(span.endTimeUnixNano);
      expect(back.attributes['big.int']).toBe(9_007_199_254_740_993n);
      expect(back.attributes.int).toBe(42);
      expect(back.attributes.bytes).toEqual(new Uint8Array([0, 1, 2, 254, 255]));
      expect((back.attributes.long as string).length).toBe(64 * 1024);
      expect(canonicalSpan(back)).toEqual(canonicalSpan(span));
    },
    timeout,
  );

  it(
    'returns null for an unknown trace',
    async () => {
      expect(await store().getTrace(newTraceId())).toBeNull();
    },
    timeout,
  );

  it(
    'assembles a trace written across batches, ordered by start time',
    async () => {
      const service = runId();
      const traceId = newTraceId();
      const t0 = nowNano();
      const root = makeSpan({ traceId, service, name: 'root', start: t0, durationNano: 100n * MS });
      const kids = [3n, 1n, 2n].map((n) =>
        makeSpan({
          traceId,
          service,
          name: `child-${n}`,
          parentSpanId: root.spanId,
          start: t0 + n * MS,
          durationNano: MS,
        }),
      );
      await write([kids[0]!]);
      await write([root, kids[1]!]);
      await write([kids[2]!]);
      const got = await store().getTrace(traceId);
      expect(got!.map((s) => s.name)).toEqual(['root', 'child-1', 'child-2', 'child-3']);
      expect(got!.filter((s) => s.parentSpanId === root.spanId).length).toBe(3);
    },
    timeout,
  );

  it(
    're-writing the same span stores it once',
    async () => {
      const span = makeSpan({ service: runId() });
      await write([span]);
      await write([span, structuredClone(span)]);
      await write([span]);
      expect((await store().getTrace(span.traceId))!.length).toBe(1);
    },
    timeout,
  );

  it(
    'keeps every span from concurrent writers',
    async () => {
      const service = runId();
      const traceId = newTraceId();
      const t0 = nowNano();
      const batches = Array.from({ length: 8 }, (_, b) =>
        Array.from({ length: 50 }, (_, i) =>
          makeSpan({ traceId, service, name: `w${b}`, start: t0 + BigInt(b * 50 + i) * 1000n }),
        ),
      );
      const results = await Promise.all(batches.map((batch) => store().write(batch)));
      expect(results.every((r) => r.ok)).toBe(true);
      const got = await store().getTrace(traceId);
      expect(got!.length).toBe(400);
      expect(new Set(got!.map((s) => s.spanId)).size).toBe(400);
      const page = await store().findTraces(normalizeTraceQuery({ service }, store().capabilities));
      expect(page.items.length).toBe(1);
      expect(page.items[0]!.spanCount).toBe(400);
    },
    timeout,
  );

  describe('findTraces', () => {
    const service = runId();
    const other = runId();
    const t0 = nowNano() - 60n * SECOND;
    const spans: SpanRecord[] = [];
    const traceIds: string[] = [];
    // Twelve traces, a root and two children each, with varied names, durations, statuses and attributes.
    for (let i = 0; i < 12; i++) {
      const traceId = newTraceId();
      traceIds.push(traceId);
      const start = t0 + BigInt(i) * SECOND;
      const root = makeSpan({
        traceId,
        service,
        name: i % 3 === 0 ? 'GET /users' : 'POST /orders',
        start,
        durationNano: BigInt(10 + i * 10) * MS,
        status: i % 4 === 0 ? 2 : 1,
        attributes: {
          'http.route': i % 3 === 0 ? '/users' : '/orders',
          'http.status_code': i % 4 === 0 ? 500 : 200,
          'http.status_text': i % 4 === 0 ? '500' : '200',
          'user.id': `user-${i}`,
          retry: i % 2 === 0,
          ...(i % 5 === 0 ? { 'feature.flag': 'beta' } : {}),
        },
      });
      spans.push(root);
      spans.push(
        makeSpan({
          traceId,
          service: i % 2 ? other : service,
          name: 'db.query',
          parentSpanId: root.spanId,
          start: start + MS,
          durationNano: 2n * MS,
          attributes: { 'db.system': 'postgresql' },
        }),
        makeSpan({
          traceId,
          service,
          name: 'cache.get',
          parentSpanId: root.spanId,
          start: start + 3n * MS,
          durationNano: MS,
          status: i === 7 ? 2 : 0,
          attributes: { 'cache.hit': i % 2 === 0 },
        }),
      );
    }
    beforeAll(async () => {
      await write(spans.slice(0, 18));
      await write(spans.slice(18));
    }, timeout);

    const cases: Array<[string, TraceQuery, ((ids: string[]) => void)?]> = [
      ['service', { service }, (r) => expect(r.length).toBe(12)],
      [
        'service of a child span',
        { service: other },
        (r) => expect(r.sort()).toEqual(traceIds.filter((_, i) => i % 2).sort()),
      ],
      ['span name', { service, name: 'GET /users' }, (r) => expect(r.length).toBe(4)],
      [
        'typed attribute equality (number)',
        { service, attributes: { 'http.status_code': 500 } },
        (r) => expect(r.length).toBe(3),
      ],
      [
        'a number does not match a string',
        { service, attributes: { 'http.status_code': '500' } },
        (r) => expect(r.length).toBe(0),
      ],
      [
        'a string does not match a number',
        { service, attributes: { 'http.status_text': 500 } },
        (r) => expect(r.length).toBe(0),
      ],
      ['boolean attribute', { service, attributes: { retry: true } }, (r) => expect(r.length).toBe(6)],
      [
        'two attributes on the same span',
        { service, attributes: { 'http.route': '/users', 'http.status_code': 500 } },
        (r) => expect(r).toEqual([traceIds[0]]),
      ],
      [
        'attributes on different spans do not combine',
        { service, attributes: { 'http.route': '/users', 'db.system': 'postgresql' } },
        (r) => expect(r.length).toBe(0),
      ],
      [
        'resource attribute',
        { service, attributes: { 'service.name': service, 'user.id': 'user-3' } },
        (r) => expect(r).toEqual([traceIds[3]]),
      ],
      ['min duration', { service, minDurationNano: 100n * MS }, (r) => expect(r.length).toBe(3)],
      ['max duration', { service, name: 'GET /users', maxDurationNano: 40n * MS }, (r) => expect(r.length).toBe(2)],
      [
        'duration range',
        { service, minDurationNano: 50n * MS, maxDurationNano: 70n * MS },
        (r) => expect(r.length).toBe(3),
      ],
      ['status error', { service, status: 'error' }, (r) => expect(r.length).toBe(4)],
      ['status ok', { service, status: 'ok', name: 'GET /users' }, (r) => expect(r.length).toBe(3)],
      ['status unset', { service, status: 'unset', name: 'cache.get' }, (r) => expect(r.length).toBe(11)],
      [
        'time window',
        { service, start: t0 + 2n * SECOND, end: t0 + 5n * SECOND, name: 'POST /orders' },
        (r) => expect(r.sort()).toEqual([traceIds[2], traceIds[4]].sort()),
      ],
      ['empty window', { service, start: t0 - 10n * SECOND, end: t0 - 5n * SECOND }, (r) => expect(r.length).toBe(0)],
    ];
    for (const [label, q, check] of cases) {
      it(
        `filters by ${label} exactly as the reference`,
        async () => {
          const { actual, expected } = await both(spans, q);
          expect(ids(actual.items)).toEqual(ids(expected.items));
          check?.(ids(actual.items));
        },
        timeout,
      );
    }

    const opCases: Array<[string, AttributeFilter[], number, string?]> = [
      ['!=', [{ key: 'http.route', op: '!=', value: '/users' }], 8, 'POST /orders'],
      ['!= on a missing key', [{ key: 'feature.flag', op: '!=', value: 'beta' }], 12],
      ['exists', [{ key: 'feature.flag', op: 'exists' }], 3],
      ['wildcard', [{ key: 'user.id', op: 'wildcard', value: 'user-1*' }], 3],
      ['wildcard ?', [{ key: 'user.id', op: 'wildcard', value: 'user-?' }], 10],
      ['regex', [{ key: 'user.id', op: 'regex', value: '^user-(2|3)$' }], 2],
    ];
    for (const [label, filters, count, spanName] of opCases) {
      it(
        `attribute operator ${label}: as the reference, or rejected when undeclared`,
        async () => {
          const op = filters[0]!.op;
          if (!supports(op)) {
            expect(() => normalizeTraceQuery({ service, attributes: filters }, store().capabilities)).toThrow(
              /does not support attribute operator/,
            );
            return;
          }
          const { actual, expected } = await both(spans, {
            service,
            attributes: filters,
            ...(spanName ? { name: spanName } : {}),
          });
          expect(ids(actual.items)).toEqual(ids(expected.items));
          // Root spans are the only ones with these keys; `!=` on a missing key also matches the children.
          expect(actual.items.length).toBe(count);
        },
        timeout,
      );
    }

    it(
      'orders by latest matching span, newest first, and summarises each trace',
      async () => {
        const { actual, expected } = await both(spans, { service, name: 'GET /users' });
        expect(actual.items).toEqual(expected.items);
        expect(ids(actual.items)).toEqual([traceIds[9], traceIds[6], traceIds[3], traceIds[0]]);
        const first = actual.items[0]!;
        expect(first.spanCount).toBe(3);
        expect(first.rootSpanName).toBe('GET /users');
        expect(first.rootServiceName).toBe(service);
        expect(first.durationNano).toBe(100n * MS);
        expect(first.startTimeUnixNano).toBe(t0 + 9n * SECOND);
        expect(first.services).toEqual([service, other].sort());
        expect(actual.items.find((t) => t.traceId === traceIds[0])!.errorCount).toBe(1);
      },
      timeout,
    );

    it(
      'pages with a cursor: every trace once, in order',
      async () => {
        const caps = store().capabilities;
        if (!caps.paging) {
          expect(() => normalizeTraceQuery({ service, cursor: 'x' }, caps)).toThrow(/no paging/);
          return;
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 10; page++) {
          const r = await store().findTraces(
            normalizeTraceQuery({ service, limit: 5, ...(cursor ? { cursor } : {}) }, caps),
          );
          seen.push(...ids(r.items));
          cursor = r.nextCursor;
          if (!cursor) break;
        }
        expect(seen).toEqual([...traceIds].reverse());
      },
      timeout,
    );

    it(
      'lists services and operations',
      async () => {
        const services = await store().listServices();
        expect(services).toEqual(expect.arrayContaining([service, other]));
        expect(await store().listOperations(service)).toEqual(
          ['GET /users', 'POST /orders', 'cache.get', 'db.query'].sort(),
        );
        expect(await store().listOperations(other)).toEqual(['db.query']);
      },
      timeout,
    );
  });

  it(
    'stores hostile strings literally and matches them only literally',
    async () => {
      const service = runId();
      const spans = HOSTILE_STRINGS.map((s, i) =>
        makeSpan({ service, name: s, start: nowNano() + BigInt(i), attributes: { hostile: s, [`key ${s}`]: i } }),
      );
      const decoy = makeSpan({ service, name: 'perXcentYunder', attributes: { hostile: 'perXcentYunder' } });
      await write([...spans, decoy]);
      for (const [i, s] of HOSTILE_STRINGS.entries()) {
        const got = await store().getTrace(spans[i]!.traceId);
        expect(got![0]!.name).toBe(s);
        expect(got![0]!.attributes.hostile).toBe(s);
        expect(got![0]!.attributes[`key ${s}`]).toBe(i);
        const byName = await store().findTraces(normalizeTraceQuery({ service, name: s }, store().capabilities));
        expect(ids(byName.items)).toEqual([spans[i]!.traceId]);
        const byAttr = await store().findTraces(
          normalizeTraceQuery({ service, attributes: { hostile: s } }, store().capabilities),
        );
        expect(ids(byAttr.items)).toEqual([spans[i]!.traceId]);
        const byKey = await store().findTraces(
          normalizeTraceQuery({ service, attributes: { [`key ${s}`]: i } }, store().capabilities),
        );
        expect(ids(byKey.items)).toEqual([spans[i]!.traceId]);
      }
      if (supports('wildcard')) {
        const r = await store().findTraces(
          normalizeTraceQuery(
            { service, attributes: [{ key: 'hostile', op: 'wildcard', value: 'per%cent*' }] },
            store().capabilities,
          ),
        );
        expect(r.items.length).toBe(1);
      }
      expect((await store().listOperations(service)).length).toBe(HOSTILE_STRINGS.length + 1);
    },
    timeout,
  );

  it(
    'retention removes old spans and keeps new ones',
    async () => {
      const a = await open({ traces: 1, metrics: 0, logs: 0 });
      const service = runId();
      const now = nowNano();
      const old = makeSpan({ service, start: now - 3n * DAY });
      const fresh = makeSpan({ service, start: now - 60n * SECOND });
      const r = await a.traces!.write([old, fresh]);
      expect(r.ok).toBe(true);
      expect(await a.traces!.getTrace(old.traceId)).not.toBeNull();
      await a.retention(now);
      expect(await a.traces!.getTrace(old.traceId)).toBeNull();
      expect(await a.traces!.getTrace(fresh.traceId)).not.toBeNull();
    },
    timeout,
  );
}
