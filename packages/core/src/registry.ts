import { createRequire } from 'node:module';
import type { AdapterFactory } from './adapter/contract.js';
import { createMemoryAdapter } from './adapter/memory-adapter.js';
import type { OptionsSchema } from './adapter/options.js';
import { TelemetryError, where } from './errors.js';

const require = createRequire(import.meta.url);

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
const schemas = new Map<string, OptionsSchema>([['memory', { properties: {} }]]);

export interface RegisterAdapterOptions {
  /** The adapter's own keys under `[telemetry]` (its package's `optionsSchema`): loadConfig checks them. */
  optionsSchema?: OptionsSchema;
}

/**
 * Registers a third-party adapter type (or replaces a built-in one) for `[telemetry] type = "<type>"`. With an
 * `optionsSchema`, loadConfig validates the adapter's keys like a built-in adapter's; without one it passes them on.
 */
export function registerAdapter(type: string, factory: AdapterFactory, options: RegisterAdapterOptions = {}): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(type)) {
    throw new TelemetryError(`${where('registry')} adapter type "${type}" must be lowercase letters, digits, - or _`);
  }
  registered.set(type, factory);
  if (options.optionsSchema) schemas.set(type, options.optionsSchema);
  else schemas.delete(type);
}

/**
 * The options schema of a type, found without loading the adapter: a registered type's, else the built-in
 * package's `<package>/options-schema` export (a JSON file, so this stays synchronous for loadConfig).
 * `undefined` when the type has none or its package is not installed (openStorage then names the package to install).
 */
export function adapterOptionsSchema(type: string): OptionsSchema | undefined {
  if (registered.has(type)) return schemas.get(type);
  const pkg = PACKAGES[type];
  if (!pkg) return undefined;
  let schema = schemas.get(type);
  if (!schema) {
    try {
      schema = require(`${pkg}/options-schema`) as OptionsSchema;
    } catch (error) {
      if (isMissingModule(error, pkg)) return undefined;
      throw new TelemetryError(
        `${where('registry')} reading the options schema of ${pkg} failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    schemas.set(type, schema);
  }
  return schema;
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
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' ||
      e?.code === 'MODULE_NOT_FOUND' ||
      e?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') &&
    String(e.message).includes(pkg)
  );
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
