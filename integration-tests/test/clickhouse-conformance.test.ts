import type { SignalRetention } from '@rohas/telemetry/adapter';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { makeClickHouseAdapter } from './clickhouse-helpers.js';

// The clickhouse adapter through @clickhouse/client over HTTP, against the run's ClickHouse: the chdb engine
// (ClickHouse 26.x) here, clickhouse-server where Docker answers.
/**
 * The suite's retention checks open adapters with retention_days, which become the tables' TTL (README: the server's
 * backstop). A TTL is per table, so an adapter with retention gets a database of its own, as a deployment with other
 * rules would: otherwise the keep-forever parts of the suite lose their deliberately old points (2023 timestamps) to it.
 */
function forRetention(database: string, retention: SignalRetention): string {
  const days = [retention.traces, retention.metrics, retention.logs].map((d) => d ?? 0);
  return days.some((d) => d > 0) ? `${database}_ret_${days.join('_').replace(/\./g, 'p')}` : database;
}

describeBackend('clickhouse', 'clickhouse adapter', (ch) => {
  const database = `rt_conf_${process.pid}`;
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `clickhouse adapter, ClickHouse ${ch.version} (${ch.engine})`,
      createAdapter: ({ retention }) =>
        makeClickHouseAdapter(ch, { database: forRetention(database, retention) }, retention),
      createStore: ({ retention, name }) => makeClickHouseAdapter(ch, { database: `${database}_${name}` }, retention),
      // One embedded engine shared by every test file of the run on a 2-core machine: generous per-test bounds.
      timeoutMs: 120_000,
      // The suite's full depth (20,000 traces and log records). It once failed with an empty error: the bridge's Node
      // HTTP server refused URLs over 16 KiB (a page of trace ids as a bound parameter) with an empty 431; it now
      // takes ClickHouse's own 1 MiB (chdb-http-server.mjs). Costs about 6 minutes here at load ~30.
      paging: { traces: 20_000, logs: 20_000 },
    },
  );

  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `clickhouse adapter, ClickHouse ${ch.version} (${ch.engine}), async_insert, no compression`,
      createAdapter: ({ retention }) =>
        makeClickHouseAdapter(
          ch,
          { database: forRetention(`${database}_async`, retention), async_insert: true, compress: false },
          retention,
        ),
      createStore: ({ retention, name }) =>
        makeClickHouseAdapter(
          ch,
          { database: `${database}_async_${name}`, async_insert: true, compress: false },
          retention,
        ),
      timeoutMs: 120_000,
      // The same paging queries as above run at 20,000 there; this configuration differs in the write path only, so
      // it pages 2,000 (every check still walks several pages) to keep the CI run short.
      paging: { traces: 2_000, logs: 2_000 },
    },
  );
});
