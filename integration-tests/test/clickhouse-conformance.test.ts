import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { makeClickHouseAdapter } from './clickhouse-helpers.js';

// The clickhouse adapter through @clickhouse/client over HTTP, against the run's ClickHouse: the chdb engine
// (ClickHouse 26.x) here, clickhouse-server where Docker answers.
describeBackend('clickhouse', 'clickhouse adapter', (ch) => {
  const database = `rt_conf_${process.pid}`;
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `clickhouse adapter, ClickHouse ${ch.version} (${ch.engine})`,
      createAdapter: ({ retention }) => makeClickHouseAdapter(ch, { database }, retention),
      createStore: ({ retention, name }) => makeClickHouseAdapter(ch, { database: `${database}_${name}` }, retention),
      // One embedded engine shared by every test file of the run on a 2-core machine: generous per-test bounds.
      timeoutMs: 120_000,
      notYet: {
        readPoints: 'the raw point read across the five otel_metrics_* tables is not written yet',
        rewrite:
          'ReplacingMergeTree without a version column: until a merge, which copy of a re-written span getTrace, summaries and searches see is undefined',
      },
      // 20,000 (the suite's default) failed here with an empty error from the embedded engine's HTTP bridge while the
      // suite wrote its data; at 2,000 every paging check passes. Raise it against a real server.
      paging: { traces: 2_000, logs: 2_000 },
    },
  );

  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `clickhouse adapter, ClickHouse ${ch.version} (${ch.engine}), async_insert, no compression`,
      createAdapter: ({ retention }) =>
        makeClickHouseAdapter(ch, { database: `${database}_async`, async_insert: true, compress: false }, retention),
      createStore: ({ retention, name }) =>
        makeClickHouseAdapter(
          ch,
          { database: `${database}_async_${name}`, async_insert: true, compress: false },
          retention,
        ),
      timeoutMs: 120_000,
      notYet: {
        readPoints: 'the raw point read across the five otel_metrics_* tables is not written yet',
        rewrite:
          'ReplacingMergeTree without a version column: until a merge, which copy of a re-written span getTrace, summaries and searches see is undefined',
      },
      // 20,000 (the suite's default) failed here with an empty error from the embedded engine's HTTP bridge while the
      // suite wrote its data; at 2,000 every paging check passes. Raise it against a real server.
      paging: { traces: 2_000, logs: 2_000 },
    },
  );
});
