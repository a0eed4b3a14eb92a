import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@rohas/telemetry';
import type { LogRecord, MetricPoint, SpanRecord } from '@rohas/telemetry';
import type { ServerStorage } from '../../src/index.js';
import { openMemoryStorage } from './memory-storage.js';

export interface StorageFactory {
  name: string;
  open(): Promise<{ storage: ServerStorage; cleanup(): Promise<void> }>;
}

/**
 * The storages the HTTP tests run against: the in-memory reference always; SQLite (the default backend) through the
 * core's openStorage once the core exports it.
 */
export function storageFactories(): StorageFactory[] {
  const list: StorageFactory[] = [
    {
      name: 'memory',
      async open() {
        const storage = await openMemoryStorage();
        return { storage, cleanup: () => storage.shutdown() };
      },
    },
  ];
  const openStorage = (core as Record<string, unknown>).openStorage as ((config: unknown) => Promise<ServerStorage>) | undefined;
  const defaultConfig = (core as Record<string, unknown>).defaultConfig as ((o?: unknown) => unknown) | undefined;
  if (typeof openStorage === 'function' && typeof defaultConfig === 'function') {
    list.push({
      name: 'sqlite',
      async open() {
        const dir = mkdtempSync(join(tmpdir(), 'rohas-server-test-'));
        const storage = await openStorage(defaultConfig({ type: 'sqlite', path: join(dir, 'telemetry.db'), retention_days: 0 }));
        return {
          storage,
          async cleanup() {
            await storage.shutdown();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    });
  }
  return list;
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
