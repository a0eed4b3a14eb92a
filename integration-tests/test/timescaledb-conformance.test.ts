import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { makeAdapter } from './timescaledb-helpers.js';

// The timescaledb adapter on real TimescaleDB (hypertables, compression, continuous aggregate).
describeBackend('timescaledb', 'timescaledb adapter on TimescaleDB', (ts) => {
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `timescaledb adapter, TimescaleDB ${ts.extensionVersion}`,
      // idle_timeout_ms: a PGlite server serves one connection at a time, so an idle adapter lets go quickly.
      createAdapter: ({ retention }) =>
        makeAdapter(
          ts.url,
          { schema: `rt_conf_${process.pid}`, pool_size: ts.poolSize, idle_timeout_ms: 200 },
          retention,
        ),
      createStore: ({ retention, name }) =>
        makeAdapter(
          ts.url,
          { schema: `rt_conf_${process.pid}_${name}`, pool_size: ts.poolSize, idle_timeout_ms: 200 },
          retention,
        ),
      timeoutMs: 60_000,
    },
  );
});
