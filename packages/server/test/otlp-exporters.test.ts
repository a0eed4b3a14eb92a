// The official OTLP exporters (protobuf and JSON) against a running server over SQLite, the default backend.
import { exporterRoundTrip } from './support/exporter-round-trip.js';
import { storageFactories } from './support/storages.js';

// SQLite always; plus the backend of ROHAS_SERVER_TEST_CONFIG when set (see support/storages.ts).
for (const factory of storageFactories().filter((f) => f.name !== 'memory')) {
  exporterRoundTrip({ name: factory.name, open: factory.open });
}
