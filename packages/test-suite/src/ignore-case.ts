import {
  type LogQuery,
  type LogRecord,
  logTextMatches,
  normalizeLogQuery,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { makeLog, nowNano, runId } from './fixtures.js';
import { type ConformanceOptions, KEEP, type SuiteApi } from './suite-context.js';

/*
 * `LogQuery.ignoreCase`: `text` matched ignoring case, as the backend declares in its log capabilities —
 * `unicode` (the reference: both sides `toLowerCase()`d, so "ÉCOLE" finds "école") or `ascii` (A–Z only, so
 * "Payment" finds "payment" but "ÉCOLE" does not find "école"). A backend that declares neither must refuse the
 * query. Each answer is checked against the reference predicate for the declared folding and, so the reference
 * cannot be wrong unnoticed, against counts written out by hand.
 */

const BODIES: LogRecord['body'][] = [
  'Payment accepted',
  'payment retried',
  { message: 'PAYMENT declined', code: 402 },
  'ÉCOLE fermée',
  'école ouverte',
  'PER%CENT_under',
  "IT'S done",
  'nothing to see',
];

export function runIgnoreCaseTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect, beforeAll, afterAll } = api;
  if (options.signals?.logs === false) return;
  const timeout = options.timeoutMs ?? 30_000;
  let adapter: TelemetryAdapter;
  const service = runId();
  const t0 = nowNano();
  const records = BODIES.map((body, i) => makeLog({ service, body, time: t0 + BigInt(i) }));

  describe(`${options.name}: log text ignoring case (ignoreCase)`, () => {
    beforeAll(async () => {
      adapter = await options.createAdapter({ retention: KEEP });
      await adapter.init();
      const r = await adapter.logs!.write(records.map((x) => structuredClone(x)));
      if (!r.ok) throw r.error;
    }, timeout * 2);
    afterAll(async () => {
      await adapter?.close();
    }, timeout);

    const mode = () => adapter.logs!.capabilities.ignoreCase;
    const bodiesOf = async (q: LogQuery): Promise<string[]> => {
      const store = adapter.logs!;
      const page = await store.queryLogs(
        normalizeLogQuery({ service, start: t0, end: t0 + 1_000n, limit: 100, order: 'asc', ...q }, store.capabilities),
      );
      return page.items.map((l) => JSON.stringify(l.body));
    };
    const expected = (q: LogQuery) =>
      records
        .filter((r) => logTextMatches(r.body, { text: q.text, ignoreCase: q.ignoreCase }, mode()))
        .map((r) => JSON.stringify(r.body));

    it('declares its folding, or refuses ignoreCase', async () => {
      const declared = mode();
      if (declared === undefined) {
        console.warn(
          `[rohas-telemetry] [test-suite] !!! ${options.name}: log text ignoring case NOT SUPPORTED (no ignoreCase capability): the query must be refused`,
        );
        expect(() => normalizeLogQuery({ text: 'x', ignoreCase: true }, adapter.logs!.capabilities)).toThrowError(
          /ignoring case/,
        );
        return;
      }
      if (declared === 'ascii')
        console.warn(
          `[rohas-telemetry] [test-suite] !!! ${options.name}: ignoreCase folds A–Z only ("ÉCOLE" does not find "école"), as declared`,
        );
      expect(['unicode', 'ascii']).toContain(declared);
    });

    const cases: Array<{ q: LogQuery; unicode: number; ascii: number }> = [
      { q: { text: 'payment' }, unicode: 1, ascii: 1 },
      { q: { text: 'payment', ignoreCase: true }, unicode: 3, ascii: 3 },
      { q: { text: 'PAYMENT', ignoreCase: true }, unicode: 3, ascii: 3 },
      { q: { text: 'pAyMeNt ReTrIeD', ignoreCase: true }, unicode: 1, ascii: 1 },
      { q: { text: 'école', ignoreCase: true }, unicode: 2, ascii: 1 },
      { q: { text: 'ÉCOLE', ignoreCase: true }, unicode: 2, ascii: 1 },
      { q: { text: 'FERMÉE', ignoreCase: true }, unicode: 1, ascii: 0 },
      { q: { text: 'per%cent_under', ignoreCase: true }, unicode: 1, ascii: 1 },
      { q: { text: 'per_cent', ignoreCase: true }, unicode: 0, ascii: 0 },
      { q: { text: "it's", ignoreCase: true }, unicode: 1, ascii: 1 },
      { q: { text: 'Declined', ignoreCase: true }, unicode: 1, ascii: 1 },
      { q: { text: 'ÉCOLE', ignoreCase: false }, unicode: 1, ascii: 1 },
    ];
    for (const { q, unicode, ascii } of cases) {
      it(`text ${JSON.stringify(q.text)}${q.ignoreCase ? ' ignoring case' : ''}`, async () => {
        const declared = mode();
        if (declared === undefined && q.ignoreCase) {
          await expect(bodiesOf(q)).rejects.toThrowError(/ignoring case/);
          return;
        }
        const got = await bodiesOf(q);
        expect(got).toEqual(expected(q));
        expect(got.length).toBe(declared === 'ascii' ? ascii : unicode);
      });
    }
  });
}
