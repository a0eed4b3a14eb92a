// The adapter a volume benchmark reads and writes: a fresh (or kept) SQLite file, or a throwaway PostgreSQL /
// InfluxDB 1.x server (bench/volume/servers.ts), opened through the adapter package's public createAdapter.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AdapterFactory,
  normalizeLogQuery,
  normalizeTraceQuery,
  type SignalRetention,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { startBackend } from './servers.js';

const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

export interface OpenedAdapter {
  adapter: TelemetryAdapter;
  /** The SQLite file's directory (SQLite only). */
  dir?: string;
  done: () => Promise<void>;
}

export interface OpenOptions {
  /** Keep the SQLite store in this directory (created when missing) instead of a temp one removed at the end. */
  dir?: string;
  retention?: SignalRetention;
  /** Extra adapter options (e.g. `read_threads`). */
  options?: Record<string, unknown>;
}

export async function openAdapter(backend: string, open: OpenOptions = {}): Promise<OpenedAdapter> {
  const signals = ['traces', 'metrics', 'logs'];
  const retention = open.retention ?? { traces: 0, metrics: 0, logs: 0 };
  if (backend === 'sqlite') {
    const keep = open.dir !== undefined;
    const dir = open.dir ?? mkdtempSync(join(tmpdir(), 'rohas-bench-volume-'));
    mkdirSync(dir, { recursive: true });
    const { createAdapter } = await import('@rohas/telemetry-sqlite');
    const adapter = await (createAdapter as AdapterFactory)({
      options: { type: 'sqlite', path: dir, ...open.options },
      retention,
      signals,
      logger: silent,
      baseDir: dir,
    } as never);
    await adapter.init();
    return { adapter, dir, done: async () => (keep ? undefined : rmSync(dir, { recursive: true, force: true })) };
  }
  const server = await startBackend(backend);
  const mod =
    backend === 'influxdb' ? await import('@rohas/telemetry-influxdb') : await import('@rohas/telemetry-timescaledb');
  const adapter = await (mod.createAdapter as AdapterFactory)({
    options: { ...server.options, ...open.options },
    retention,
    signals,
    logger: silent,
    baseDir: process.cwd(),
  } as never);
  await adapter.init();
  return { adapter, done: server.stop };
}

/**
 * A few small reads of other shapes than the measured ones, so the first measured read does not pay for starting the
 * adapter's read threads and connections (the SQLite adapter starts them on first use).
 */
export async function warmUp(adapter: TelemetryAdapter): Promise<void> {
  // An empty window in 1970: an index seek that finds nothing, so no page of the measured reads is cached by it.
  const window = { start: 1n, end: 2n, limit: 1 };
  for (let i = 0; i < 2; i++) {
    await Promise.all([
      adapter.traces?.findTraces(normalizeTraceQuery(window)),
      adapter.traces?.findTraces(normalizeTraceQuery(window)),
      adapter.logs?.queryLogs(normalizeLogQuery(window)),
      adapter.logs?.queryLogs(normalizeLogQuery(window)),
      adapter.traces?.getTrace('0'.repeat(31) + String(i + 1)),
    ]);
  }
}
