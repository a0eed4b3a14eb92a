// The official OTLP exporters (protobuf and JSON) against a running server over SQLite, the default backend.
import { exporterRoundTrip } from './support/exporter-round-trip.js';
import { storageFactories } from './support/storages.js';

const sqlite = storageFactories().find((f) => f.name === 'sqlite')!;
exporterRoundTrip({ name: 'sqlite', open: sqlite.open });
