/*
 * The server's exporter round trip against every backend that stores what OTLP pushes: the official OpenTelemetry
 * JS exporters (protobuf and JSON) send spans, metrics and logs to `rohas-telemetry`'s receiver, and every field is
 * read back through GET /telemetry/... (packages/server runs the same over SQLite). Prometheus is not here: a pull
 * endpoint exposes the process's own instruments and stores nothing pushed to it.
 */
import { randomBytes } from 'node:crypto';
import { defaultConfig, openStorage, type TelemetryConfig } from '@rohas/telemetry';
import { exporterRoundTrip } from '../../packages/server/test/support/exporter-round-trip.js';
import { describeBackend } from '../src/inject-backends.js';

const quiet = { debug() {}, info() {}, warn: (m: string) => console.warn(m), error: (m: string) => console.error(m) };
const suffix = randomBytes(4).toString('hex');

function roundTrip(name: string, config: Partial<TelemetryConfig>): void {
  exporterRoundTrip({
    name,
    open: async () => {
      const storage = await openStorage(defaultConfig({ retention_days: 0, ...config }), { logger: quiet });
      return { storage, cleanup: () => storage.shutdown() };
    },
  });
}

describeBackend('postgres', 'server round trip over PostgreSQL', (pg) => {
  roundTrip('timescaledb adapter on PostgreSQL', {
    type: 'timescaledb',
    connection_string: pg.url,
    schema: `rt_server_${suffix}`,
  });
});

describeBackend('timescaledb', 'server round trip over TimescaleDB', (ts) => {
  roundTrip('timescaledb adapter on TimescaleDB', {
    type: 'timescaledb',
    connection_string: ts.url,
    schema: `rt_server_${suffix}`,
    pool_size: ts.poolSize,
    idle_timeout_ms: 200,
  });
});

describeBackend('influxdb1', 'server round trip over InfluxDB 1.x', (influx) => {
  roundTrip('influxdb adapter (1.x API)', { type: 'influxdb', url: influx.url, database: `rt_server_${suffix}` });
});
