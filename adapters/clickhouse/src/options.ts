import { TelemetryError } from '@rohas/telemetry';
import { W } from './errors.js';

/** JSON Schema (draft-07) of the adapter's own `[telemetry]` keys, with their defaults. */
export const optionsSchema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'rohas-telemetry clickhouse adapter options',
  type: 'object',
  properties: {
    url: { type: 'string', default: 'http://localhost:8123', description: 'HTTP(S) URL of the ClickHouse server.' },
    database: {
      type: 'string',
      default: 'otel',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description: 'Database of the tables (the Collector exporter uses otel); created when missing.',
    },
    username: { type: 'string', default: 'default' },
    password: { type: 'string', default: '' },
    cluster: {
      type: 'string',
      minLength: 1,
      description: 'Cluster name: DDL ON CLUSTER, Replicated*MergeTree tables with Distributed tables in front.',
    },
    async_insert: { type: 'boolean', default: false, description: 'async_insert = 1 with wait_for_async_insert = 1.' },
    compress: { type: 'boolean', default: true, description: 'gzip request and response bodies.' },
    request_timeout_ms: { type: 'integer', minimum: 1, default: 30000 },
    max_open_connections: { type: 'integer', minimum: 1, default: 10 },
  },
} as const;

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

function pick<T>(
  o: Record<string, unknown>,
  key: string,
  fallback: T,
  ok: (v: unknown) => boolean,
  allowed: string,
): T {
  const v = o[key];
  if (v === undefined || v === null) return fallback;
  if (!ok(v)) throw new TelemetryError(`${W} option ${key} = ${JSON.stringify(v)} is not allowed; expected ${allowed}`);
  return v as T;
}

/** Reads and checks the adapter's keys; a bad one fails with the key and what is allowed. */
export function readOptions(o: Record<string, unknown>): ResolvedOptions {
  const str = (v: unknown) => typeof v === 'string';
  const posInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  const bool = (v: unknown) => typeof v === 'boolean';
  const url = pick(
    o,
    'url',
    'http://localhost:8123',
    (v) => str(v) && /^https?:\/\/./.test(v as string),
    'an http:// or https:// URL',
  );
  return {
    url,
    database: pick(
      o,
      'database',
      'otel',
      (v) => str(v) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v as string),
      'a database name of letters, digits and _',
    ),
    username: pick(o, 'username', 'default', str, 'a string'),
    password: pick(o, 'password', '', str, 'a string'),
    cluster: pick<string | undefined>(o, 'cluster', undefined, (v) => str(v) && (v as string) !== '', 'a cluster name'),
    asyncInsert: pick(o, 'async_insert', false, bool, 'true or false'),
    compress: pick(o, 'compress', true, bool, 'true or false'),
    requestTimeoutMs: pick(o, 'request_timeout_ms', 30_000, posInt, 'a positive integer of ms'),
    maxOpenConnections: pick(o, 'max_open_connections', 10, posInt, 'a positive integer'),
  };
}
