// The Loki query API suite (packages/server/test/support/loki-suite.ts) over real PostgreSQL and InfluxDB 1.x.
import { randomBytes } from 'node:crypto';
import { type DiagnosticLogger, defaultConfig, openStorage } from '@rohas/telemetry';
import { lokiApiSuite } from '../../packages/server/test/support/loki-suite.js';
import { describeBackend } from '../src/inject-backends.js';

const quiet: DiagnosticLogger = { debug() {}, info() {}, warn() {}, error() {} };
const run = randomBytes(4).toString('hex');

describeBackend('postgres', 'Loki API over PostgreSQL', (pg) => {
  lokiApiSuite({
    name: 'postgres',
    async open() {
      const storage = await openStorage(
        defaultConfig({ type: 'timescaledb', connection_string: pg.url, schema: `loki_${run}`, retention_days: 0 }),
        { logger: quiet },
      );
      return { storage, cleanup: () => storage.shutdown() };
    },
  });
});

describeBackend('influxdb1', 'Loki API over InfluxDB 1.x', (influx) => {
  const database = `loki_${run}`;
  lokiApiSuite({
    name: 'influxdb1',
    async open() {
      const storage = await openStorage(
        defaultConfig({ type: 'influxdb', url: influx.url, database, retention_days: 0 }),
        { logger: quiet },
      );
      return {
        storage,
        async cleanup() {
          await storage.shutdown();
          await fetch(`${influx.url}/query`, {
            method: 'POST',
            body: new URLSearchParams({ q: `DROP DATABASE "${database}"` }),
          }).catch(() => {});
        },
      };
    },
  });
});
