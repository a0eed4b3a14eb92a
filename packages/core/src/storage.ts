import { openAdapters, storedBackends } from './adapter-runtime.js';
import { createQueryFacade } from './query-facade.js';
import { startRetentionSweep } from './retention-sweep.js';
import { storageHealth } from './storage-health.js';
import { planStorage, SIGNALS } from './storage-plan.js';
import { createQueues, ingestInto } from './storage-queues.js';
import type { OpenStorageOptions, Signal, TelemetryStorage } from './storage-types.js';
import { TraceCache } from './trace-cache.js';
import type { DiagnosticLogger, TelemetryConfig } from './types.js';
import type { WriteQueueStats } from './write-queue.js';

export { HEALTH_FAILING_MS } from './storage-health.js';
export { backendFor, SIGNALS } from './storage-plan.js';
export type {
  IngestOptions,
  IngestResult,
  LogInput,
  OpenStorageOptions,
  Signal,
  SpanInput,
  TelemetryStorage,
} from './storage-types.js';
export { TRACE_CACHE_TTL_MS } from './trace-cache.js';

/** Diagnostics go to stderr, always: stdout belongs to the application's (or the CLI's) data. */
export const consoleLogger: DiagnosticLogger = {
  debug: () => {},
  info: (m) => console.error(m),
  warn: (m) => console.error(m),
  error: (m) => console.error(m),
};

/**
 * Opens the configured backends: one adapter per distinct backend (signals routed to the same backend share it),
 * each initialised once, behind bounded write queues, with the query API and retention sweep on top. Each step is
 * its own file: plan (storage-plan.ts), open (adapter-runtime.ts), queues (storage-queues.ts), the query facade
 * (query-facade.ts), retention (retention-sweep.ts) and health (storage-health.ts); this function only composes them.
 */
export async function openStorage(
  config: TelemetryConfig,
  options: OpenStorageOptions = {},
): Promise<TelemetryStorage> {
  const logger = options.logger ?? consoleLogger;
  const plan = planStorage(config);
  const { runtimes, owner } = await openAdapters(plan, logger, config.baseDir ?? process.cwd());
  const backends = storedBackends(plan, owner, logger);
  const cache = new TraceCache(config.max_cache_size);
  const queues = createQueues(plan, owner, config, logger, cache);
  const ingest = ingestInto(queues, plan);
  const retention = startRetentionSweep(plan, runtimes, config, logger, cache);

  let shutdownPromise: Promise<void> | undefined;
  return {
    config,
    query: createQueryFacade(plan, owner, cache),
    backends,
    adapters: runtimes.map((r) => r.adapter),
    adapterFor: (signal) => owner[signal]?.adapter,
    ingestSpans: (spans, opts) => ingest('traces', spans, opts),
    ingestMetrics: (points, opts) => ingest('metrics', points, opts),
    ingestLogs: (records, opts) => ingest('logs', records, opts),
    stats: () =>
      Object.fromEntries(SIGNALS.map((s) => [s, queues[s] ? { ...queues[s]!.stats } : undefined])) as Record<
        Signal,
        WriteQueueStats | undefined
      >,
    health: () => storageHealth(plan, runtimes, backends, queues, options.healthFailingMs),
    runRetention: (now) => retention.run(now),
    async forceFlush() {
      await Promise.all(Object.values(queues).map((q) => q!.flush()));
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        retention.stop();
        await Promise.all(Object.values(queues).map((q) => q!.close()));
        await Promise.allSettled(runtimes.map((r) => r.close()));
      })();
      return shutdownPromise;
    },
  };
}
