import type { BatchConfig } from '@rohas/telemetry';
import {
  type LogRecord,
  type MetricPoint,
  normalizeLogQuery,
  normalizeMetricQuery,
  type SpanRecord,
  type TelemetryAdapter,
  WriteQueue,
  type WriteResult,
} from '@rohas/telemetry/adapter';
import { makeLog, makePoint, makeSpan, nowNano, runId } from './fixtures.js';
import type { ConformanceOptions, SuiteApi } from './index.js';
import { openOwnAdapter } from './suite-context.js';

/*
 * Poison inside a batch. A value a backend cannot store (here a timestamp of 2^63 ns, valid in OTLP's fixed64 but
 * past every int64 column) slips past the door; the adapter must either store it exactly or refuse the batch as not
 * retryable — never throw, never call it retryable (the queue would retry it forever) — and the core's write queue
 * then bisects the batch so every good item beside it is stored.
 */

const BATCH: BatchConfig = {
  max_batch_size: 1000,
  flush_interval_ms: 10,
  max_queue_size: 10_000,
  max_concurrency: 1,
  retry_initial_ms: 50,
  retry_max_ms: 200,
  shutdown_timeout_ms: 20_000,
};
const TOO_LATE = 1n << 63n;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

export function runPoisonTests(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect } = api;
  const timeout = options.timeoutMs ?? 30_000;
  const wants = (signal: 'traces' | 'metrics' | 'logs') => options.signals?.[signal] ?? true;
  let adapter: TelemetryAdapter;

  /** Writes the items through a real write queue; returns its stats once everything is settled. */
  async function throughQueue<R>(write: (batch: R[]) => Promise<WriteResult>, items: R[]) {
    const queue = new WriteQueue<R, R>('poison', write, undefined, BATCH, silent);
    const pushed = queue.push(items, { waitForCommit: true });
    const settled = await Promise.race([
      pushed.committed!,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), timeout - 5000).unref?.()),
    ]);
    const stats = { ...queue.stats };
    await queue.close(1000);
    return { settled, stats };
  }

  describe(`${options.name}: poison in a batch`, () => {
    openOwnAdapter(api, options, timeout, (a) => {
      adapter = a;
    });

    if (wants('traces')) {
      it(
        'stores every good span beside one unstorable span',
        async () => {
          if (!adapter.traces) return;
          const service = runId();
          const good = Array.from({ length: 40 }, (_, i) => makeSpan({ service, start: nowNano() + BigInt(i) }));
          const bad: SpanRecord = { ...makeSpan({ service }), startTimeUnixNano: TOO_LATE, endTimeUnixNano: TOO_LATE };
          const batch = [...good.slice(0, 17), bad, ...good.slice(17)];
          const { settled, stats } = await throughQueue((b: SpanRecord[]) => adapter.traces!.write(b), batch);
          expect(settled, 'the adapter called the bad batch retryable (or hung): it is retried forever').toBeDefined();
          for (const s of good) expect((await adapter.traces.getTrace(s.traceId))?.length).toBe(1);
          const back = await adapter.traces.getTrace(bad.traceId);
          // Either refused (counted) or stored exactly; never stored altered.
          if (back) expect(back[0]!.startTimeUnixNano).toBe(TOO_LATE);
          else expect(stats.failed).toBe(1);
          expect(settled!.stored + settled!.failed).toBe(41);
        },
        timeout,
      );
    }

    if (wants('logs')) {
      it(
        'stores every good log record beside one unstorable record',
        async () => {
          if (!adapter.logs) return;
          const service = runId();
          const t = nowNano();
          const good = Array.from({ length: 20 }, (_, i) =>
            makeLog({ service, time: t + BigInt(i), body: `good ${i}` }),
          );
          const bad: LogRecord = { ...makeLog({ service, body: 'bad' }), observedTimeUnixNano: TOO_LATE };
          const { settled } = await throughQueue((b: LogRecord[]) => adapter.logs!.write(b), [bad, ...good]);
          expect(settled, 'the adapter called the bad batch retryable (or hung)').toBeDefined();
          const page = await adapter.logs.queryLogs(
            normalizeLogQuery(
              { service, start: t - 1_000_000_000n, end: t + 1_000_000_000n, limit: 100 },
              adapter.logs.capabilities,
            ),
          );
          const bodies = page.items.map((l) => l.body);
          for (let i = 0; i < 20; i++) expect(bodies).toContain(`good ${i}`);
        },
        timeout,
      );
    }

    if (wants('metrics')) {
      it(
        'stores every good metric point beside one unstorable point',
        async () => {
          if (!adapter.metrics) return;
          const name = `poison_${runId()}`;
          const t = nowNano();
          const good = Array.from({ length: 20 }, (_, i) =>
            makePoint({ name, time: t + BigInt(i) * 1_000_000n, value: i, attributes: { i: String(i) } }),
          );
          const bad: MetricPoint = { ...makePoint({ name, time: t, value: 1 }), timeUnixNano: TOO_LATE };
          const { settled } = await throughQueue((b: MetricPoint[]) => adapter.metrics!.write(b), [...good, bad]);
          expect(settled, 'the adapter called the bad batch retryable (or hung)').toBeDefined();
          expect(settled!.stored).toBeGreaterThanOrEqual(20);
          const series = await adapter.metrics.queryMetrics(
            normalizeMetricQuery(
              { name, start: t - 1_000_000_000n, end: t + 1_000_000_000n, groupBy: ['i'] },
              adapter.metrics.capabilities,
            ),
          );
          expect(series.length).toBe(20);
        },
        timeout,
      );
    }
  });
}
