// Ingest that runs beside the reads: new traces (and their log records) of the same shape as the week, written through
// the adapter's public write API at a target rate of spans/s, in one batch every 100 ms. When the backend cannot keep
// up, batches go out back to back and the achieved rate is what the machine sustains (printed beside the target).
import type { TelemetryAdapter } from '@rohas/telemetry/adapter';
import { weekOfService } from './week.js';

export interface IngestStats {
  spans: number;
  logs: number;
  seconds: number;
  /** Longest single batch write, ms. */
  maxWriteMs: number;
}

export function startIngest(
  adapter: TelemetryAdapter,
  options: { rate: number; seed: number; fromNano: bigint },
): { stop: () => Promise<IngestStats> } {
  const perTick = Math.max(1, Math.round(options.rate / 10));
  const chunks = weekOfService({
    spans: 100_000_000,
    days: 1,
    endNano: options.fromNano + 86_400_000_000_000n,
    seed: options.seed,
    metricIntervalSec: 0,
    bigTraceSpans: 0,
    chunkSpans: perTick,
  });
  let running = options.rate > 0;
  const stats: IngestStats = { spans: 0, logs: 0, seconds: 0, maxWriteMs: 0 };
  const began = performance.now();
  const loop = (async () => {
    while (running) {
      const chunk = chunks.next().value;
      if (!chunk) break;
      const t = performance.now();
      const [a, b] = await Promise.all([adapter.traces!.write(chunk.spans), adapter.logs!.write(chunk.logs)]);
      if (!a.ok) throw a.error;
      if (!b.ok) throw b.error;
      stats.maxWriteMs = Math.max(stats.maxWriteMs, performance.now() - t);
      stats.spans += chunk.spans.length;
      stats.logs += chunk.logs.length;
      const due = began + (stats.spans / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      stats.seconds = (performance.now() - began) / 1000;
      return stats;
    },
  };
}
