import type { SignalRetention, TelemetryAdapter } from '@rohas/telemetry/adapter';

/** The parts of a test runner the suite uses (vitest's or a compatible one). */
export interface SuiteApi {
  describe: (name: string, fn: () => void) => void;
  it: (name: string, fn: () => Promise<void> | void, timeout?: number) => void;
  // biome-ignore lint/suspicious/noExplicitAny: the runner's own expect type differs between runners
  expect: any;
  beforeAll: (fn: () => Promise<void> | void, timeout?: number) => void;
  afterAll: (fn: () => Promise<void> | void, timeout?: number) => void;
}

export interface ConformanceOptions {
  /** Shown in test names, e.g. `sqlite` or `timescaledb (hypertables)`. */
  name: string;
  /** Returns a fresh adapter, not yet initialised. It may share its database with earlier adapters. */
  createAdapter: (context: { retention: SignalRetention }) => TelemetryAdapter | Promise<TelemetryAdapter>;
  /**
   * Returns an adapter over an empty store of its own, shared with no other adapter (a new file, schema or database;
   * `name` is unique per call and safe as an identifier). The export round trip (export-round-trip.ts) needs two
   * stores. Absent: that part is not run, printed loudly — and under `CI=true` the run fails.
   */
  createStore?: (context: { retention: SignalRetention; name: string }) => TelemetryAdapter | Promise<TelemetryAdapter>;
  /**
   * Signals to test; each defaults to true, whatever the adapter has. Set `false` for a signal the adapter does not
   * store (the suite fails on a missing store it was asked to test, rather than skipping it quietly).
   */
  signals?: { traces?: boolean; metrics?: boolean; logs?: boolean };
  /** Per-test timeout in ms for slow remote backends; default 30,000. */
  timeoutMs?: number;
  /** Traces and log records the deep-paging checks store (paging.ts); default 20,000 each. */
  paging?: { traces?: number; logs?: number };
  /**
   * Contract parts the adapter does not implement yet, each with the reason, printed loudly: the suite then checks
   * the part is really absent (so a stale entry fails) instead of testing it. `rewrite`: the re-write rule (last
   * write wins) is not tested at all — for a backend that cannot yet tell which of two copies is the newer.
   */
  notYet?: { readPoints?: string; rewrite?: string };
}

/** What each part of the suite (traces.ts, metrics.ts, logs.ts, rewrite.ts) is given by runConformanceSuite. */
export interface SuiteContext {
  api: SuiteApi;
  options: ConformanceOptions;
  /** Per-test timeout in ms. */
  timeout: number;
  /** The shared adapter, opened (with no retention) before the first test. */
  adapter: () => TelemetryAdapter;
  /** Opens another adapter with the given retention; closed with the others after the suite. */
  open: (retention: SignalRetention) => Promise<TelemetryAdapter>;
}

/** Retention that keeps everything. */
export const KEEP: SignalRetention = { traces: 0, metrics: 0, logs: 0 };

/**
 * For a part that needs an adapter of its own: registers, in the current describe block, a beforeAll that opens one
 * (keeping everything) and hands it to `set`, and an afterAll that closes it.
 */
export function openOwnAdapter(
  api: SuiteApi,
  options: ConformanceOptions,
  timeout: number,
  set: (adapter: TelemetryAdapter) => void,
): void {
  let adapter: TelemetryAdapter | undefined;
  api.beforeAll(async () => {
    adapter = await options.createAdapter({ retention: KEEP });
    await adapter.init();
    set(adapter);
  }, timeout * 2);
  api.afterAll(async () => {
    await adapter?.close();
  }, timeout);
}
