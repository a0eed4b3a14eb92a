import type { AdapterRuntime } from './adapter-runtime.js';
import { asError } from './errors.js';
import { SIGNALS, type StoragePlan } from './storage-plan.js';
import type { SignalQueues } from './storage-queues.js';
import type { Signal } from './storage-types.js';
import type { HealthStatus } from './types.js';

/** How long writes may fail (backing off) before health() reports not ok, ms. */
export const HEALTH_FAILING_MS = 10_000;

/**
 * The storage's health: every adapter's own answer, plus writes that have been failing (backing off) for longer than
 * `failingMs` and stores that reported corruption, which make it unhealthy even if the backend answers pings.
 */
export async function storageHealth(
  plan: StoragePlan,
  runtimes: AdapterRuntime[],
  backends: Record<Signal, string | undefined>,
  queues: SignalQueues,
  failingMs: number = HEALTH_FAILING_MS,
): Promise<HealthStatus & { signals: Record<string, string> }> {
  const results = await Promise.all(
    runtimes.map(async (rt) => {
      try {
        return await rt.adapter.health();
      } catch (error) {
        return { ok: false, message: `${rt.adapter.type}: ${asError(error).message}` };
      }
    }),
  );
  const signals: Record<string, string> = {};
  for (const s of SIGNALS) signals[s] = backends[s] ?? (plan.bySignal[s].enabled ? 'not stored' : 'disabled');
  const now = Date.now();
  const failing: string[] = [];
  for (const s of SIGNALS) {
    const st = queues[s]?.stats;
    if (st?.failingSince !== undefined && now - st.failingSince >= failingMs) {
      failing.push(
        `${s} writes failing for ${Math.round((now - st.failingSince) / 1000)} s (${st.queued} queued): ${st.lastError ?? 'unknown error'}`,
      );
    }
    if (st?.corruption) failing.push(`${s}: the store reports corruption: ${st.corruption}`);
  }
  return {
    ok: results.every((r) => r.ok) && failing.length === 0,
    message: [...results.map((r) => r.message), ...failing].join('; ') || 'no backend',
    signals,
    details: { backends: results },
  };
}
