import type { DiagnosticLogger, TelemetryAdapter } from '@rohas/telemetry';
import type { AdapterContext, SignalRetention } from '@rohas/telemetry/adapter';
import { createAdapter } from '@rohas/telemetry-timescaledb';
import pg from 'pg';

/** A logger that keeps what the adapter reported, so tests can check it (mode logged once, warnings). */
export function recordingLogger(): DiagnosticLogger & { lines: Array<{ level: string; message: string }> } {
  const lines: Array<{ level: string; message: string }> = [];
  const rec = (level: string) => (message: string) => {
    lines.push({ level, message });
  };
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

/** A fresh, not yet initialised timescaledb adapter on `url` with the given options and retention. */
export function makeAdapter(
  url: string,
  options: Record<string, unknown> = {},
  retention: SignalRetention = { traces: 0, metrics: 0, logs: 0 },
  logger: DiagnosticLogger = recordingLogger(),
): TelemetryAdapter {
  const ctx: AdapterContext = {
    options: { type: 'timescaledb', connection_string: url, ...options },
    retention,
    signals: ['traces', 'metrics', 'logs'],
    logger,
    baseDir: process.cwd(),
  };
  return createAdapter(ctx) as TelemetryAdapter;
}

/**
 * Runs statements on one short-lived connection of its own (with parameters), closed before returning: a PGlite
 * server serves one connection at a time, so tests never hold a second one open next to an adapter's.
 */
export async function admin<R extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  statements: Array<string | [string, unknown[]]>,
): Promise<R[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 30_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    let rows: R[] = [];
    for (const s of statements)
      rows = (typeof s === 'string' ? await client.query<R>(s) : await client.query<R>(s[0], s[1])).rows;
    return rows;
  } finally {
    await client.end().catch(() => {});
  }
}
