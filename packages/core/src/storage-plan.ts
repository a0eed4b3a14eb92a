import { SDK_CONFIG_KEYS } from './env-spec.js';
import type { Signal } from './storage-types.js';
import type { BackendConfig, SignalRetention, TelemetryConfig } from './types.js';

export const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** Keys of [telemetry] that configure the core itself rather than a backend. */
const CORE_KEYS = new Set([
  'max_cache_size',
  'enable_traces',
  'enable_metrics',
  'enable_logs',
  'service_name',
  'resource_attributes',
  'sampling_ratio',
  'metric_export_interval_ms',
  'max_series_per_metric',
  'retention_interval_ms',
  'batch',
  'traces',
  'metrics',
  'logs',
  'server',
  'source',
  'baseDir',
  ...SDK_CONFIG_KEYS,
]);

/** One signal's backend as the config resolves it. */
export interface SignalBackend {
  enabled: boolean;
  options: BackendConfig;
  retentionDays: number;
}

/** One backend to open, and the enabled signals it stores (signals with identical backend options share it). */
export interface BackendGroup {
  options: BackendConfig;
  signals: Signal[];
}

/** Which backend stores each signal, and which adapters to open for them. */
export interface StoragePlan {
  bySignal: Record<Signal, SignalBackend>;
  groups: BackendGroup[];
  retention: SignalRetention;
}

/** Resolves the backend of one signal: its own [telemetry.<signal>] section over the top-level keys. */
export function backendFor(config: TelemetryConfig, signal: Signal): SignalBackend {
  const own = { ...(config[signal] ?? {}) } as Record<string, unknown>;
  const enabled = (own.enabled as boolean | undefined) ?? config[`enable_${signal}`];
  delete own.enabled;
  const base: Record<string, unknown> = {};
  // A section that names another type starts clean: the top-level keys belong to the other backend.
  if (own.type === undefined || own.type === config.type) {
    for (const [k, v] of Object.entries(config)) if (!CORE_KEYS.has(k)) base[k] = v;
  }
  const options = { ...base, ...own } as BackendConfig;
  if (!options.type) options.type = config.type;
  const retentionDays = (own.retention_days as number | undefined) ?? config.retention_days;
  delete options.retention_days;
  return { enabled, options, retentionDays };
}

/** Plans the storage: each signal's backend, and one group per distinct backend among the enabled signals. */
export function planStorage(config: TelemetryConfig): StoragePlan {
  const bySignal = Object.fromEntries(SIGNALS.map((s) => [s, backendFor(config, s)])) as Record<Signal, SignalBackend>;
  const groups = new Map<string, BackendGroup>();
  for (const signal of SIGNALS) {
    const b = bySignal[signal];
    if (!b.enabled) continue;
    const key = JSON.stringify(b.options);
    const g = groups.get(key) ?? { options: b.options, signals: [] };
    g.signals.push(signal);
    groups.set(key, g);
  }
  const retention: SignalRetention = {
    traces: bySignal.traces.retentionDays,
    metrics: bySignal.metrics.retentionDays,
    logs: bySignal.logs.retentionDays,
  };
  return { bySignal, groups: [...groups.values()], retention };
}
