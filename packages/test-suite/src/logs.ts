import { createMemoryAdapter, type LogQuery, type LogRecord, normalizeLogQuery } from '@rohas/telemetry/adapter';
import { canonicalLog } from './canonical.js';
import {
  DAY,
  HOSTILE_STRINGS,
  makeFullLog,
  makeLog,
  newSpanId,
  newTraceId,
  nowNano,
  runId,
  SECOND,
} from './fixtures.js';
import type { SuiteContext } from './suite-context.js';

/** The log part of the conformance suite: round trips, queryLogs against the reference, paging, retention. */
export function logTests(ctx: SuiteContext): void {
  const { describe, it, expect, beforeAll } = ctx.api;
  const { options, timeout, open } = ctx;
  const adapter = ctx.adapter;
  const store = () => {
    const s = adapter().logs;
    if (!s) throw new Error(`${options.name} has no log store but the suite was asked to test logs`);
    return s;
  };
  const write = async (records: LogRecord[]) => {
    const r = await store().write(records);
    if (!r.ok) throw r.error;
  };
  const query = (q: LogQuery) => store().queryLogs(normalizeLogQuery(q, store().capabilities));

  it(
    'round-trips every field of a log record exactly',
    async () => {
      const log = makeFullLog(runId());
      await write([log]);
      const r = await query({ traceId: log.traceId! });
      expect(r.items.length).toBe(1);
      const back = r.items[0]!;
      expect(back.timeUnixNano).toBe(log.timeUnixNano);
      expect(canonicalLog(back)).toEqual(canonicalLog(log));
    },
    timeout,
  );

  it(
    'round-trips scalar bodies with their type',
    async () => {
      const service = runId();
      const bodies = [42, 2.5, true, 'plain', '', 7n, null, ['x', 1]] as const;
      const t = nowNano();
      await write(bodies.map((body, i) => makeLog({ service, body: body as LogRecord['body'], time: t + BigInt(i) })));
      const r = await query({ service, order: 'asc' });
      expect(r.items.map((l) => l.body)).toEqual([...bodies]);
    },
    timeout,
  );

  describe('queryLogs', () => {
    const service = runId();
    const traceId = newTraceId();
    const spanId = newSpanId();
    const t0 = nowNano() - 120n * SECOND;
    const logs: LogRecord[] = [];
    for (let i = 0; i < 30; i++) {
      logs.push(
        makeLog({
          service,
          time: t0 + BigInt(i) * SECOND,
          severity: [5, 9, 13, 17][i % 4]!,
          body: i % 5 === 0 ? { message: `structured ${i}`, code: i } : `line ${i} user-${i % 7} 100%_done`,
          ...(i % 3 === 0 ? { traceId, spanId } : {}),
          attributes: { i, handler: i % 2 ? 'CreateUser' : 'DeleteUser' },
        }),
      );
    }
    // Five records at the same nanosecond, to prove paging breaks ties without losing or repeating any.
    for (let j = 0; j < 5; j++)
      logs.push(makeLog({ service, time: t0 + 100n * SECOND, body: `tie ${j}`, attributes: { i: 100 + j } }));
    beforeAll(async () => {
      await write(logs.slice(0, 20));
      await write(logs.slice(20));
    }, timeout);

    async function same(q: LogQuery, check?: (got: LogRecord[]) => void) {
      const ref = createMemoryAdapter();
      await ref.logs!.write(logs);
      const expected = await ref.logs!.queryLogs(normalizeLogQuery(q));
      const actual = await query(q);
      expect(actual.items.map(canonicalLog)).toEqual(expected.items.map(canonicalLog));
      check?.(actual.items);
    }
    const cases: Array<[string, LogQuery, ((got: LogRecord[]) => void)?]> = [
      ['service, newest first', { service }, (g) => expect(g.length).toBe(35)],
      [
        'oldest first',
        { service, order: 'asc', limit: 3 },
        (g) => expect(g.map((l) => l.attributes.i)).toEqual([0, 1, 2]),
      ],
      ['minimum severity', { service, minSeverity: 13 }, (g) => expect(g.length).toBe(14)],
      ['text, literal % and _', { service, text: '100%_done' }, (g) => expect(g.length).toBe(24)],
      ['text is case-sensitive', { service, text: 'LINE' }, (g) => expect(g.length).toBe(0)],
      ['text in a structured body', { service, text: 'structured 1' }, (g) => expect(g.length).toBe(2)],
      ['trace id', { traceId }, (g) => expect(g.length).toBe(10)],
      ['span id', { service, spanId }, (g) => expect(g.length).toBe(10)],
      ['time window', { service, start: t0 + 10n * SECOND, end: t0 + 20n * SECOND }, (g) => expect(g.length).toBe(10)],
      ['attributes', { service, attributes: { handler: 'CreateUser', i: 7 } }, (g) => expect(g.length).toBe(1)],
      ['typed attribute', { service, attributes: { i: '7' } }, (g) => expect(g.length).toBe(0)],
    ];
    for (const [label, q, check] of cases) {
      it(`filters by ${label} exactly as the reference`, async () => same(q, check), timeout);
    }

    it(
      'pages with a cursor through ties, both orders, every record once',
      async () => {
        const caps = store().capabilities;
        if (!caps.paging) {
          expect(() => normalizeLogQuery({ service, cursor: 'x' }, caps)).toThrow(/no paging/);
          return;
        }
        for (const order of ['desc', 'asc'] as const) {
          const seen: unknown[] = [];
          let cursor: string | undefined;
          for (let page = 0; page < 20; page++) {
            const r = await query({ service, order, limit: 4, ...(cursor ? { cursor } : {}) });
            seen.push(...r.items.map((l) => l.attributes.i));
            cursor = r.nextCursor;
            if (!cursor) break;
          }
          expect(seen.length).toBe(35);
          expect(new Set(seen).size).toBe(35);
        }
      },
      timeout,
    );
  });

  it(
    'stores hostile bodies and attributes literally and matches them only literally',
    async () => {
      const service = runId();
      const t = nowNano();
      await write(
        HOSTILE_STRINGS.map((s, i) => makeLog({ service, time: t + BigInt(i), body: s, attributes: { hostile: s } })),
      );
      for (const s of HOSTILE_STRINGS) {
        const r = await query({ service, text: s });
        expect(r.items.map((l) => l.body)).toEqual([s]);
        const a = await query({ service, attributes: { hostile: s } });
        expect(a.items.map((l) => l.body)).toEqual([s]);
      }
      const svc = await query({ service: HOSTILE_STRINGS[0]! });
      expect(svc.items.every((l) => l.resource.attributes['service.name'] === HOSTILE_STRINGS[0])).toBe(true);
    },
    timeout,
  );

  it(
    'keeps every record from concurrent writers',
    async () => {
      const service = runId();
      const t = nowNano();
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, b) =>
          store().write(
            Array.from({ length: 40 }, (_, i) => makeLog({ service, time: t + BigInt(i), attributes: { b, i } })),
          ),
        ),
      );
      expect(results.every((r) => r.ok)).toBe(true);
      let count = 0;
      let cursor: string | undefined;
      do {
        const r = await query({ service, limit: 1000, ...(cursor ? { cursor } : {}) });
        count += r.items.length;
        cursor = r.nextCursor;
      } while (cursor);
      expect(count).toBe(320);
    },
    timeout,
  );

  it(
    'retention removes old records and keeps new ones',
    async () => {
      const a = await open({ traces: 0, metrics: 0, logs: 1 });
      const service = runId();
      const now = nowNano();
      const r = await a.logs!.write([
        makeLog({ service, time: now - 3n * DAY, body: 'old' }),
        makeLog({ service, time: now - SECOND, body: 'new' }),
      ]);
      expect(r.ok).toBe(true);
      const q = normalizeLogQuery({ service }, a.logs!.capabilities);
      expect((await a.logs!.queryLogs(q)).items.length).toBe(2);
      await a.retention(now);
      expect((await a.logs!.queryLogs(q)).items.map((l) => l.body)).toEqual(['new']);
    },
    timeout,
  );
}
