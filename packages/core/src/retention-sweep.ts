import type { AdapterRuntime } from './adapter-runtime.js';
import { asError, where } from './errors.js';
import { SIGNALS, type StoragePlan } from './storage-plan.js';
import type { TraceCache } from './trace-cache.js';
import type { DiagnosticLogger, RetentionResult, TelemetryConfig } from './types.js';

/** The retention sweep over every opened adapter, run on a timer when any enabled signal has a retention. */
export interface RetentionSweep {
  run(nowNano?: bigint): Promise<RetentionResult>;
  /** Stops the timer; later runs do nothing (the adapters are closing). */
  stop(): void;
}

export function startRetentionSweep(
  plan: StoragePlan,
  runtimes: AdapterRuntime[],
  config: TelemetryConfig,
  logger: DiagnosticLogger,
  cache: TraceCache,
): RetentionSweep {
  const nowNano = () => BigInt(Date.now()) * 1_000_000n;
  let stopped = false;
  async function run(now = nowNano()): Promise<RetentionResult> {
    const total: RetentionResult = {};
    if (stopped) return total;
    for (const rt of runtimes) {
      try {
        const r = await rt.adapter.retention(now);
        for (const s of SIGNALS) if (r[s] !== undefined) total[s] = (total[s] ?? 0) + r[s]!;
      } catch (error) {
        logger.error(`${where(rt.adapter.type)} retention sweep failed: ${asError(error).message}`);
      }
    }
    if (total.traces) cache.clear();
    return total;
  }
  let timer: NodeJS.Timeout | undefined;
  const anyRetention = SIGNALS.some((s) => plan.bySignal[s].enabled && plan.bySignal[s].retentionDays > 0);
  if (config.retention_interval_ms > 0 && anyRetention) {
    timer = setInterval(() => void run(), config.retention_interval_ms);
    timer.unref?.();
    const first = setTimeout(() => void run(), 1000);
    first.unref?.();
  }
  return {
    run,
    stop() {
      stopped = true;
      if (timer) clearInterval(timer);
    },
  };
}
