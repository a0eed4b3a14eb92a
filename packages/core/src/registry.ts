import { TelemetryError, where } from './errors.js';
import { createMemoryAdapter } from './memory-adapter.js';
import type { AdapterFactory } from './types.js';

/** Built-in types and the package that implements each; installed on demand by the user. */
const PACKAGES: Record<string, string> = {
  sqlite: '@rohas/telemetry-sqlite',
  timescaledb: '@rohas/telemetry-timescaledb',
  postgres: '@rohas/telemetry-timescaledb',
  postgresql: '@rohas/telemetry-timescaledb',
  influxdb: '@rohas/telemetry-influxdb',
  prometheus: '@rohas/telemetry-prometheus',
  clickhouse: '@rohas/telemetry-clickhouse',
};

const registered = new Map<string, AdapterFactory>([['memory', (ctx) => createMemoryAdapter(ctx)]]);

/** Registers a third-party adapter type (or replaces a built-in one) for `[telemetry] type = "<type>"`. */
export function registerAdapter(type: string, factory: AdapterFactory): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(type)) {
    throw new TelemetryError(`${where('registry')} adapter type "${type}" must be lowercase letters, digits, - or _`);
  }
  registered.set(type, factory);
}

/** Every type `type = "..."` accepts right now. */
export function knownAdapterTypes(): string[] {
  return [...new Set([...Object.keys(PACKAGES), ...registered.keys()])].sort();
}

/** The npm package that implements a built-in type, if any. */
export function adapterPackage(type: string): string | undefined {
  return PACKAGES[type];
}

function isMissingModule(error: unknown, pkg: string): boolean {
  const e = error as NodeJS.ErrnoException;
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && String(e.message).includes(pkg);
}

/**
 * Finds the factory of a type: a registered one first, else the built-in package loaded by dynamic import,
 * so a user installs only the backends they use.
 */
export async function resolveAdapterFactory(type: string): Promise<AdapterFactory> {
  const own = registered.get(type);
  if (own) return own;
  const pkg = PACKAGES[type];
  if (!pkg) {
    throw new TelemetryError(
      `${where('registry')} unknown adapter type "${type}"; allowed: ${knownAdapterTypes().join(', ')}, or register one with registerAdapter()`,
    );
  }
  let mod: { createAdapter?: AdapterFactory };
  try {
    mod = (await import(pkg)) as { createAdapter?: AdapterFactory };
  } catch (error) {
    if (isMissingModule(error, pkg)) {
      throw new TelemetryError(
        `${where('registry')} type = "${type}" needs the package ${pkg}, which is not installed. Run: npm install ${pkg}`,
        { cause: error },
      );
    }
    throw new TelemetryError(
      `${where('registry')} loading ${pkg} for type = "${type}" failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (typeof mod.createAdapter !== 'function') {
    throw new TelemetryError(
      `${where('registry')} ${pkg} does not export createAdapter(); is it a rohas-telemetry adapter?`,
    );
  }
  return mod.createAdapter;
}
