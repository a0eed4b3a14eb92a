import { createRequire } from 'node:module';
import { type AdapterContext, type OptionsSchema, optionDefaults, readOptions } from '@rohas/telemetry/adapter';
import type { ClickHouseOptions } from './types.js';

const require = createRequire(import.meta.url);

/**
 * The keys `type = "clickhouse"` reads from `[telemetry]` (or `[telemetry.<signal>]`), as JSON Schema with defaults:
 * options.schema.json at the package root, also exported as `@rohas/telemetry-clickhouse/options-schema`, so the
 * core's loadConfig checks a config file against it without loading the adapter.
 */
export const optionsSchema: OptionsSchema = require('../options.schema.json');

/** The defaults of the keys that have one. */
export const defaults: Partial<ClickHouseOptions> = optionDefaults<ClickHouseOptions>(optionsSchema);

export interface ResolvedOptions {
  url: string;
  database: string;
  username: string;
  password: string;
  cluster: string | undefined;
  asyncInsert: boolean;
  compress: boolean;
  requestTimeoutMs: number;
  maxOpenConnections: number;
}

/** Checks the adapter's keys against its schema (a bad one fails with the key and what is allowed) and fills defaults. */
export function resolveOptions(ctx: Pick<AdapterContext, 'options' | 'source'>): ResolvedOptions {
  const o = readOptions<ClickHouseOptions>(ctx, optionsSchema);
  return {
    url: o.url ?? 'http://localhost:8123',
    database: o.database ?? 'otel',
    username: o.username ?? 'default',
    password: o.password ?? '',
    cluster: o.cluster,
    asyncInsert: o.async_insert ?? false,
    compress: o.compress ?? true,
    requestTimeoutMs: o.request_timeout_ms ?? 30_000,
    maxOpenConnections: o.max_open_connections ?? 10,
  };
}
