// The Jaeger query API v1 contract (support/jaeger-v1-contract.ts) over the storages the server tests open: the
// memory reference, SQLite, and the ROHAS_SERVER_TEST_CONFIG one. integration-tests/test/jaeger-backends.test.ts runs
// the same contract on PostgreSQL, InfluxDB and ClickHouse.
import { runJaegerV1Contract } from './support/jaeger-v1-contract.js';
import { storageFactories } from './support/storages.js';

for (const factory of storageFactories()) runJaegerV1Contract(factory);
