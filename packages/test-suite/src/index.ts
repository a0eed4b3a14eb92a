import type { SignalRetention, TelemetryAdapter } from '@rohas/telemetry/adapter';
import { runExportRoundTripTests } from './export-round-trip.js';
import { runIgnoreCaseTests } from './ignore-case.js';
import { logTests } from './logs.js';
import { runMetricGroupByResourceTests } from './metric-group-by-resource.js';
import { runMetricStepTests } from './metric-steps.js';
import { metricTests } from './metrics.js';
import { runPagingTests } from './paging.js';
import { runPoisonTests } from './poison.js';
import { runRawPointTests } from './raw-points.js';
import { runRewriteTests } from './rewrite.js';
import { type ConformanceOptions, KEEP, type SuiteApi, type SuiteContext } from './suite-context.js';
import { traceTests } from './traces.js';

export { canonicalLog, canonicalSpan } from './canonical.js';
export { exportDataset, runExportRoundTripTests } from './export-round-trip.js';
export * from './fixtures.js';
export { runIgnoreCaseTests } from './ignore-case.js';
export { PAGING_LOGS, PAGING_TRACES, runPagingTests } from './paging.js';
export { runPoisonTests } from './poison.js';
export type { ConformanceOptions, SuiteApi, SuiteContext } from './suite-context.js';
export { logTests, metricTests, runRewriteTests, traceTests };

/**
 * Runs the conformance suite: every adapter must store what it is given losslessly and answer every query with the
 * reference adapter's result. Queries are checked against the adapter's declared capabilities first, as the core
 * does; a filter the adapter does not declare must be rejected, never approximated.
 */
export function runConformanceSuite(api: SuiteApi, options: ConformanceOptions): void {
  const { describe, it, expect, beforeAll, afterAll } = api;
  const timeout = options.timeoutMs ?? 30_000;
  const adapters: TelemetryAdapter[] = [];
  let adapter: TelemetryAdapter;

  async function open(retention: SignalRetention): Promise<TelemetryAdapter> {
    const a = await options.createAdapter({ retention });
    await a.init();
    adapters.push(a);
    return a;
  }

  describe(`${options.name}: conformance`, () => {
    beforeAll(async () => {
      adapter = await open(KEEP);
    }, timeout * 2);
    afterAll(async () => {
      for (const a of adapters.splice(0)) await a.close();
    }, timeout);

    it('reports health', async () => {
      const h = await adapter.health();
      expect(h.ok).toBe(true);
      expect(typeof h.message).toBe('string');
    });

    const wants = (signal: 'traces' | 'metrics' | 'logs') => options.signals?.[signal] ?? true;

    const ctx: SuiteContext = { api, options, timeout, adapter: () => adapter, open };
    if (wants('traces')) describe('traces', () => traceTests(ctx));
    if (wants('metrics')) describe('metrics', () => metricTests(ctx));
    if (wants('logs')) describe('logs', () => logTests(ctx));
    // A describe with no test fails the run, so a backend that declares the rule not implemented gets only the warning.
    if (wants('traces') && options.notYet?.rewrite) runRewriteTests(api, options);
    else if (wants('traces')) describe('re-writes', () => runRewriteTests(api, options));
  });
  if (options.signals?.metrics ?? true) runRawPointTests(api, options);
  if (options.signals?.metrics ?? true) runMetricGroupByResourceTests(api, options);
  if (options.signals?.metrics ?? true) runMetricStepTests(api, options);
  runPagingTests(api, options);
  runPoisonTests(api, options);
  runExportRoundTripTests(api, options);
  runIgnoreCaseTests(api, options);
}
