import type { DiagnosticLogger, TelemetryAdapter } from '@rohas/telemetry';
import type { AdapterContext, SignalRetention } from '@rohas/telemetry/adapter';
import { createAdapter } from '@rohas/telemetry-clickhouse';
import type { ClickHouseInfo } from '../src/types.js';
import { recordingLogger } from './timescaledb-helpers.js';

export { recordingLogger };

/** A fresh, not yet initialised clickhouse adapter on the run's ClickHouse, with the given options. */
export function makeClickHouseAdapter(
  ch: ClickHouseInfo,
  options: Record<string, unknown> = {},
  retention: SignalRetention = { traces: 0, metrics: 0, logs: 0 },
  logger: DiagnosticLogger = recordingLogger(),
): TelemetryAdapter {
  const ctx: AdapterContext = {
    options: { type: 'clickhouse', url: ch.url, username: ch.username, password: ch.password, ...options },
    retention,
    signals: ['traces', 'metrics', 'logs'],
    logger,
    baseDir: process.cwd(),
  };
  return createAdapter(ctx) as TelemetryAdapter;
}

/** Runs one statement on the server over HTTP (with bound parameters) and returns its JSONEachRow rows. */
export async function chQuery<R = Record<string, unknown>>(
  ch: ClickHouseInfo,
  sql: string,
  params: Record<string, string> = {},
  body?: string,
): Promise<R[]> {
  const u = new URL(ch.url);
  if (body !== undefined) u.searchParams.set('query', sql);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(`param_${k}`, v);
  u.searchParams.set('output_format_json_quote_64bit_integers', '1');
  if (body === undefined) u.searchParams.set('default_format', 'JSONEachRow');
  const res = await fetch(u, {
    method: 'POST',
    body: body ?? sql,
    headers: { Authorization: `Basic ${Buffer.from(`${ch.username}:${ch.password}`).toString('base64')}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`ClickHouse answered ${res.status}: ${text}`);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as R);
}
