// The Jaeger query API contracts (v1 and v3, packages/server/test/support/jaeger-v*-contract.ts, fixtures cited
// there) over real PostgreSQL, InfluxDB 1.x and ClickHouse: the same requests and answers the server tests check on
// memory and SQLite. Each backend gets a store of its own per contract (schema / database), so lists such as
// /api/services hold only the contract's data.
import { randomBytes } from 'node:crypto';
import { type DiagnosticLogger, defaultConfig, openStorage, type TelemetryConfig } from '@rohas/telemetry';
import { vi } from 'vitest';
import { runJaegerV1Contract } from '../../packages/server/test/support/jaeger-v1-contract.js';
import { runJaegerV3Contract } from '../../packages/server/test/support/jaeger-v3-contract.js';
import type { StorageFactory } from '../../packages/server/test/support/storages.js';
import { describeBackend } from '../src/inject-backends.js';

const quiet: DiagnosticLogger = { debug() {}, info() {}, warn() {}, error() {} };
const run = randomBytes(4).toString('hex');
// Dependencies and the 1,500-trace search read every trace of their window; on InfluxDB (two queries a trace) and the
// embedded ClickHouse on this loaded 2-core machine that took longer than the default 60 s a test.
vi.setConfig({ testTimeout: 240_000, hookTimeout: 240_000 });

function factory(name: string, config: () => Partial<TelemetryConfig>, drop?: () => Promise<void>): StorageFactory {
  return {
    name,
    async open() {
      const storage = await openStorage(defaultConfig({ retention_days: 0, ...config() } as TelemetryConfig), {
        logger: quiet,
      });
      return {
        storage,
        async cleanup() {
          await storage.shutdown();
          await drop?.().catch(() => {});
        },
      };
    },
  };
}

describeBackend('postgres', 'Jaeger APIs over PostgreSQL', (pg) => {
  for (const [v, contract] of [
    ['v1', runJaegerV1Contract],
    ['v3', runJaegerV3Contract],
  ] as const)
    contract(
      factory(`PostgreSQL ${pg.version}`, () => ({
        type: 'timescaledb',
        connection_string: pg.url,
        schema: `jaeger_${v}_${run}`,
      })),
    );
});

describeBackend('influxdb1', 'Jaeger APIs over InfluxDB 1.x', (influx) => {
  for (const [v, contract] of [
    ['v1', runJaegerV1Contract],
    ['v3', runJaegerV3Contract],
  ] as const) {
    const database = `jaeger_${v}_${run}`;
    contract(
      factory(
        `InfluxDB ${influx.version}`,
        () => ({ type: 'influxdb', url: influx.url, database }),
        async () => {
          await fetch(`${influx.url}/query`, {
            method: 'POST',
            body: new URLSearchParams({ q: `DROP DATABASE "${database}"` }),
          });
        },
      ),
    );
  }
});

describeBackend('clickhouse', 'Jaeger APIs over ClickHouse', (ch) => {
  for (const [v, contract] of [
    ['v1', runJaegerV1Contract],
    ['v3', runJaegerV3Contract],
  ] as const)
    contract(
      factory(`ClickHouse ${ch.version}`, () => ({
        type: 'clickhouse',
        url: ch.url,
        username: ch.username,
        password: ch.password,
        database: `jaeger_${v}_${run}`,
      })),
    );
});
