import { resolve } from 'node:path';
import { asError, TelemetryError, where } from './errors.js';
import { resolveAdapterFactory } from './registry.js';
import type { StoragePlan } from './storage-plan.js';
import type { Signal } from './storage-types.js';
import type { DiagnosticLogger, TelemetryAdapter } from './types.js';
import { untracedAdapter } from './untraced.js';

/**
 * Makes init and close happen once, however often and concurrently they are called. The shape is Kysely's
 * `RuntimeDriver` (kysely-org/kysely `src/driver/runtime-driver.ts`), which wraps a user's driver the same way.
 */
export class AdapterRuntime {
  private initPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  constructor(readonly adapter: TelemetryAdapter) {}
  init(): Promise<void> {
    this.initPromise ??= this.adapter.init().catch((error) => {
      throw new TelemetryError(`${where(this.adapter.type)} init failed: ${asError(error).message}`, { cause: error });
    });
    return this.initPromise;
  }
  close(): Promise<void> {
    this.closePromise ??= (this.initPromise ?? Promise.resolve()).catch(() => {}).then(() => this.adapter.close());
    return this.closePromise;
  }
}

/** The opened adapters, and which one owns each enabled signal. */
export interface OpenedAdapters {
  runtimes: AdapterRuntime[];
  owner: Partial<Record<Signal, AdapterRuntime>>;
}

/** Loads, creates and initialises one adapter per backend group; on any failure closes those already opened. */
export async function openAdapters(
  plan: StoragePlan,
  logger: DiagnosticLogger,
  baseDir: string,
): Promise<OpenedAdapters> {
  const runtimes: AdapterRuntime[] = [];
  const owner: Partial<Record<Signal, AdapterRuntime>> = {};
  try {
    for (const g of plan.groups) {
      const factory = await resolveAdapterFactory(g.options.type);
      const adapter = await factory({
        options: g.options,
        retention: plan.retention,
        signals: g.signals,
        logger,
        baseDir: resolve(baseDir),
      });
      const runtime = new AdapterRuntime(untracedAdapter(adapter));
      await runtime.init();
      runtimes.push(runtime);
      for (const s of g.signals) owner[s] = runtime;
    }
  } catch (error) {
    await Promise.allSettled(runtimes.map((r) => r.close()));
    throw error;
  }
  return { runtimes, owner };
}

/** The adapter type storing each signal (`undefined` when off or not stored); warns for an enabled signal not stored. */
export function storedBackends(
  plan: StoragePlan,
  owner: OpenedAdapters['owner'],
  logger: DiagnosticLogger,
): Record<Signal, string | undefined> {
  const backends = {} as Record<Signal, string | undefined>;
  for (const signal of Object.keys(plan.bySignal) as Signal[]) {
    const rt = owner[signal];
    if (!plan.bySignal[signal].enabled) {
      backends[signal] = undefined;
      continue;
    }
    const a = rt!.adapter;
    const stores = signal === 'metrics' ? Boolean(a.metrics || a.metricsPull) : Boolean(a[signal]);
    backends[signal] = stores ? a.type : undefined;
    if (!stores) {
      logger.warn(
        `${where()} type = "${a.type}" stores no ${signal}; ${signal} are not stored. Route them to another backend with [telemetry.${signal}] type = "sqlite" (or another type), or set enable_${signal} = false.`,
      );
    } else {
      logger.debug(`${where()} ${signal} -> ${a.type}`);
    }
  }
  return backends;
}
