import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultConfig,
  type LogRecord,
  loadConfig,
  type MetricPoint,
  openStorage,
  type SpanRecord,
  type TelemetryConfig,
} from '@rohas/telemetry';
import type { ServerStorage } from '../../src/index.js';

export interface StorageFactory {
  name: string;
  open(): Promise<{ storage: ServerStorage; cleanup(): Promise<void> }>;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** The core's storage over its in-memory reference adapter (`type = "memory"`). */
export function openMemory(overrides: Partial<TelemetryConfig> = {}): Promise<ServerStorage> {
  return openStorage(defaultConfig({ type: 'memory', retention_days: 0, ...overrides }), { logger: silent });
}

/**
 * The storages the HTTP tests run against: the in-memory reference and SQLite (the default backend), both through the
 * core's openStorage; plus, when ROHAS_SERVER_TEST_CONFIG names a rohas.toml, the backend it configures (so the server
 * suite can run against PostgreSQL, TimescaleDB, InfluxDB... : `ROHAS_SERVER_TEST_CONFIG=pg.toml npx vitest run --project server`).
 */
export function storageFactories(): StorageFactory[] {
  const extra: StorageFactory[] = [];
  const configPath = process.env.ROHAS_SERVER_TEST_CONFIG;
  if (configPath) {
    const config = loadConfig(configPath);
    extra.push({
      name: config.type,
      async open() {
        const storage = await openStorage(config, { logger: silent });
        return { storage, cleanup: () => storage.shutdown() };
      },
    });
  }
  return [
    ...extra,
    {
      name: 'memory',
      async open() {
        const storage = await openMemory();
        return { storage, cleanup: () => storage.shutdown() };
      },
    },
    {
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'rohas-server-test-'));
        const storage = await openStorage(
          defaultConfig({ type: 'sqlite', path: join(dir, 'telemetry.db'), retention_days: 0 }),
          { logger: silent },
        );
        return {
          storage,
          async cleanup() {
            await storage.shutdown();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
  ];
}

export interface Recorded {
  spans: SpanRecord[];
  points: MetricPoint[];
  logs: LogRecord[];
}

/** Wraps a storage so a test can see every record handed to ingest* (to check the conversion field by field). */
export function withRecording(storage: ServerStorage): ServerStorage & { received: Recorded } {
  const received: Recorded = { spans: [], points: [], logs: [] };
  return {
    config: storage.config,
    query: storage.query,
    received,
    ingestSpans: (items) => (received.spans.push(...items), storage.ingestSpans(items)),
    ingestMetrics: (items) => (received.points.push(...items), storage.ingestMetrics(items)),
    ingestLogs: (items) => (received.logs.push(...items), storage.ingestLogs(items)),
    stats: () => storage.stats(),
    health: () => storage.health(),
    runRetention: () => storage.runRetention(),
    forceFlush: () => storage.forceFlush(),
    shutdown: () => storage.shutdown(),
  };
}
