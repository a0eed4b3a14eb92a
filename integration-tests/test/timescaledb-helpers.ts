import type { AdapterContext, DiagnosticLogger, SignalRetention, TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-timescaledb';

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
