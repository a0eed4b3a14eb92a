/*
 * The conformance suite against a real InfluxDB, through the 1.x API (influxd 1.6.7 from Debian here) and the 2.x
 * API (influxdb:2 by testcontainers where Docker runs). Servers come from the integration globalSetup via inject.
 */
import { randomBytes } from 'node:crypto';
import type { DiagnosticLogger } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-influxdb';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

interface Influx1 {
  url: string;
  database: string;
  version: string;
  source: string;
  influxCli?: string;
}
interface Influx2 {
  url: string;
  token: string;
  org: string;
  bucket: string;
  version: string;
  source: string;
}
// biome-ignore lint/suspicious/noExplicitAny: the provided context is declared by the integration globalSetup
const backends = ((inject as any)('backends') ?? {}) as { influxdb1?: Influx1; influxdb2?: Influx2 };

const logger: DiagnosticLogger = {
  debug() {},
  info() {},
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};
const signals: Array<'traces' | 'metrics' | 'logs'> = ['traces', 'metrics', 'logs'];

function missing(name: string): void {
  const message = `[influxdb] no ${name} backend was provided: skipping its conformance run`;
  if (process.env.CI === 'true') {
    it(`${name} backend is available`, () => {
      throw new Error(message);
    });
  } else {
    console.warn(`\n*** ${message} ***\n`);
    it.skip(`${name} conformance (no server)`, () => {});
  }
}

const v1 = backends.influxdb1;
if (v1) {
  // A database per run keeps runs apart; the suite's random ids keep tests apart inside it.
  const database = `${v1.database}_${randomBytes(4).toString('hex')}`;
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `influxdb 1.x API (${v1.version}, ${v1.source})`,
      createAdapter: ({ retention }) =>
        createAdapter({
          options: { type: 'influxdb', url: v1.url, database },
          retention,
          signals,
          logger,
          baseDir: process.cwd(),
        }),
    },
  );
} else missing('influxdb1');

const v2 = backends.influxdb2;
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
    },
  );
} else missing('influxdb2');
