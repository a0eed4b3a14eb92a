import { normalizeTraceQuery, type SpanRecord, type TelemetryAdapter, type TraceQuery } from '@rohas/telemetry/adapter';
import { canonicalSpan } from './canonical.js';
import { MS, makeSpan, newTraceId, nowNano, runId } from './fixtures.js';
import { type ConformanceOptions, KEEP, type SuiteApi } from './suite-context.js';

/**
 * The re-write rule: a span written again with the same trace and span id replaces the stored one — the last write
 * wins, as an OTLP client retrying a batch and the OpenTelemetry Collector expect. The replaced copy must leave no
 * trace: not in getTrace, not in a search on its old name, status or attributes, not in the trace's summary.
 */
export function runRewriteTests(api: SuiteApi, options: ConformanceOptions): void {
  const { it, expect, beforeAll, afterAll } = api;
  if (options.notYet?.rewrite) {
    console.warn(
      `[rohas-telemetry] [test-suite] !!! ${options.name}: the re-write rule (last write wins) is NOT TESTED — not implemented yet: ${options.notYet.rewrite}`,
    );
    return;
  }
  const timeout = options.timeoutMs ?? 30_000;
  let adapter: TelemetryAdapter;

  beforeAll(async () => {
    adapter = await options.createAdapter({ retention: KEEP });
    await adapter.init();
  }, timeout * 2);
  afterAll(async () => {
    await adapter?.close();
  }, timeout);

  const store = () => {
    if (!adapter.traces) throw new Error(`${options.name} has no trace store but the suite was asked to test traces`);
    return adapter.traces;
  };
  const write = async (spans: SpanRecord[]) => {
    const r = await store().write(spans);
    if (!r.ok) throw r.error;
  };
  const find = async (q: TraceQuery) =>
    (await store().findTraces(normalizeTraceQuery({ limit: 50, ...q }, store().capabilities))).items;

  /** The first copy and a second one of the same span with every searchable field changed. */
  function copies() {
    const service = runId();
    const t0 = nowNano();
    const first = makeSpan({
      traceId: newTraceId(),
      service,
      name: 'first-copy',
      start: t0,
      durationNano: 2n * MS,
      attributes: { 'rewrite.version': 1, 'rewrite.only_first': 'yes' },
    });
    const last: SpanRecord = {
      ...structuredClone(first),
      name: 'last-copy',
      endTimeUnixNano: t0 + 9n * MS,
      status: { code: 2, message: 'failed on retry' },
      attributes: { 'rewrite.version': 2 },
    };
    return { service, first, last };
  }

  async function expectOnlyLast(service: string, last: SpanRecord) {
    const got = await store().getTrace(last.traceId);
    expect(got).not.toBeNull();
    expect(got!.map(canonicalSpan)).toEqual([canonicalSpan(last)]);
    const byName = await find({ service, name: 'last-copy' });
    expect(byName.map((t) => t.traceId)).toEqual([last.traceId]);
    expect(byName[0]).toMatchObject({ rootSpanName: 'last-copy', spanCount: 1, errorCount: 1, durationNano: 9n * MS });
    expect(await find({ service, name: 'first-copy' })).toEqual([]);
    expect((await find({ service, status: 'error' })).length).toBe(1);
    expect(await find({ service, status: 'unset' })).toEqual([]);
    const ops = store().capabilities.attributeOperators;
    if (ops.includes('=')) {
      expect((await find({ service, attributes: { 'rewrite.version': 2 } })).length).toBe(1);
      expect(await find({ service, attributes: { 'rewrite.version': 1 } })).toEqual([]);
    }
    if (ops.includes('exists'))
      expect(await find({ service, attributes: [{ key: 'rewrite.only_first', op: 'exists' }] })).toEqual([]);
    expect(await store().listOperations(service)).toContain('last-copy');
  }

  it(
    'a span written again in a later batch replaces the stored one (last write wins)',
    async () => {
      const { service, first, last } = copies();
      await write([first]);
      await write([last]);
      await expectOnlyLast(service, last);
    },
    timeout,
  );

  it(
    'of two copies in one batch the later one is kept',
    async () => {
      const { service, first, last } = copies();
      await write([first, last]);
      await expectOnlyLast(service, last);
    },
    timeout,
  );
}
