/*
 * Poison among good clients against every backend that stores what OTLP pushes: 10 clients send good spans while one
 * sends each value a backend cannot store exactly; every acknowledged good span is readable at once, every poison
 * span is refused in partial_success naming its field (packages/server runs the same over memory and SQLite).
 */
import { randomBytes } from 'node:crypto';
import { defaultConfig, openStorage, type TelemetryConfig } from '@rohas/telemetry';
import { poisonClients } from '../../packages/server/test/support/poison-clients.js';
import { describeBackend } from '../src/inject-backends.js';

const quiet = { debug() {}, info() {}, warn: (m: string) => console.warn(m), error() {} };
const suffix = randomBytes(4).toString('hex');

function run(name: string, config: Partial<TelemetryConfig>, requests?: number): void {
  poisonClients({
    name,
    requests,
    open: async () => {
      const storage = await openStorage(defaultConfig({ retention_days: 0, ...config }), { logger: quiet });
      return { storage, cleanup: () => storage.shutdown() };
    },
  });
}

describeBackend('postgres', 'poison clients over PostgreSQL', (pg) => {
  run('timescaledb adapter on PostgreSQL', {
    type: 'timescaledb',
    connection_string: pg.url,
    schema: `poison_${suffix}`,
  });
});

describeBackend('timescaledb', 'poison clients over TimescaleDB', (ts) => {
  run(
    'timescaledb adapter on TimescaleDB',
    {
      type: 'timescaledb',
      connection_string: ts.url,
      schema: `poison_${suffix}`,
      pool_size: ts.poolSize,
      idle_timeout_ms: 200,
    },
    3,
  );
});

describeBackend('influxdb1', 'poison clients over InfluxDB 1.x', (influx) => {
  run('influxdb adapter (1.x API)', { type: 'influxdb', url: influx.url, database: `poison_${suffix}` });
});
