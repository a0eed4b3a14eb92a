/*
 * The conformance suite against a real InfluxDB, through the 1.x API (influxd 1.6.7 from Debian here) and the 2.x
 * API (influxdb:2 by testcontainers where Docker runs). Servers come from the integration globalSetup via inject.
 */
import { randomBytes } from 'node:crypto';
import type { DiagnosticLogger } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-influxdb';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend } from '../src/inject-backends.js';

const logger: DiagnosticLogger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
const signals: Array<'traces' | 'metrics' | 'logs'> = ['traces', 'metrics', 'logs'];

const v1 = backend('influxdb1');
if (v1) {
  // A database per run keeps runs apart; the suite's random ids keep tests apart inside it.
  const database = `${v1.database}_${randomBytes(4).toString('hex')}`;
  // Drop it afterwards: an env-provided server outlives the run.
  const ownDatabases: string[] = [];
  afterAll(async () => {
    for (const db of [database, ...ownDatabases])
      await fetch(`${v1.url}/query`, { method: 'POST', body: new URLSearchParams({ q: `DROP DATABASE "${db}"` }) });
  });
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `influxdb 1.x API (${v1.version}, ${v1.source})`,
      // The 20,000 traces and 20,000 log records under every filter combination (the suite's default); a check
      // walks up to 20 pages of 1,000, which takes minutes on a loaded 2-core machine (the suite's 120 s did not do).
      timeoutMs: 300_000,
      // The default layout (no tb tag): a time-ordered read opens 256× fewer series than with 2 characters, which is
      // what lets the 20,000-trace walks fit the CI budget (schemas/influxdb.md, "trace_bucket_chars").
      createAdapter: ({ retention }) =>
        createAdapter({
          options: { type: 'influxdb', url: v1.url, database },
          retention,
          signals,
          logger,
          baseDir: process.cwd(),
        }),
      // A database of its own per call (created by the adapter's init, dropped after the run): the export round
      // trip needs two stores.
      createStore: ({ retention, name }) => {
        const own = `${database}_${name}`;
        ownDatabases.push(own);
        return createAdapter({
          options: { type: 'influxdb', url: v1.url, database: own },
          retention,
          signals,
          logger,
          baseDir: process.cwd(),
        });
      },
    },
  );
}

const v2 = backend('influxdb2');
if (v2) {
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `influxdb 2.x API (${v2.version}, ${v2.source})`,
      createAdapter: ({ retention }) =>
        createAdapter({
          options: { type: 'influxdb', url: v2.url, token: v2.token, org: v2.org, bucket: v2.bucket },
          retention,
          signals,
          logger,
          baseDir: process.cwd(),
        }),
      // A bucket of its own per call (the adapter creates no buckets, so the test does): the export round trip needs
      // two stores.
      createStore: async ({ retention, name }) => {
        const headers = { authorization: `Token ${v2.token}`, 'content-type': 'application/json' };
        const orgs = (await (
          await fetch(`${v2.url}/api/v2/orgs?org=${encodeURIComponent(v2.org)}`, { headers })
        ).json()) as { orgs: Array<{ id: string }> };
        const bucket = `${v2.bucket}_${name}`;
        const made = await fetch(`${v2.url}/api/v2/buckets`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ orgID: orgs.orgs[0]?.id, name: bucket, retentionRules: [] }),
        });
        if (!made.ok) throw new Error(`creating bucket ${bucket}: ${made.status} ${await made.text()}`);
        return createAdapter({
          options: { type: 'influxdb', url: v2.url, token: v2.token, org: v2.org, bucket },
          retention,
          signals,
          logger,
          baseDir: process.cwd(),
        });
      },
    },
  );
}
