import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InfluxDb1Info } from '../types.js';
import { stopChildOnCleanup } from './cleanup.js';
import { imageFor, startContainer } from './containers.js';
import type { Provider, StartedBackend } from './internal-types.js';
import { backendError, fetchWithTimeout, freePorts, spawnServer, waitUntil, which } from './process-utils.js';

const DEFAULT_DB = 'rohas_test';

/** GET /ping: 204 with the version in X-Influxdb-Version (undefined while the server is not up). */
export async function influxPing(url: string): Promise<string | undefined> {
  const res = await fetchWithTimeout(`${url}/ping`);
  if (res.status !== 204) return undefined;
  return res.headers.get('x-influxdb-version') ?? 'unknown';
}

/** Run one InfluxQL statement through POST /query and return the parsed JSON (throws on an error result). */
export async function influxQl(url: string, q: string, db?: string): Promise<unknown> {
  const body = new URLSearchParams({ q });
  if (db) body.set('db', db);
  const res = await fetchWithTimeout(`${url}/query`, { method: 'POST', body });
  const json = (await res.json()) as { results?: { error?: string }[]; error?: string };
  const err = json.error ?? json.results?.find((r) => r.error)?.error;
  if (!res.ok || err) throw backendError(`influxdb1: ${q} failed: ${err ?? res.status}`);
  return json;
}

function checkDbName(db: string): string {
  // The name is pasted into InfluxQL text, so only plain identifiers are accepted.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(db))
    throw backendError(`influxdb1: database name ${JSON.stringify(db)} must be a plain identifier`);
  return db;
}

async function finish(
  url: string,
  db: string,
  source: InfluxDb1Info['source'],
  version: string,
): Promise<InfluxDb1Info> {
  await influxQl(url, `CREATE DATABASE "${checkDbName(db)}"`);
  const cli = which('influx');
  return { url, database: db, version, source, ...(cli ? { influxCli: cli } : {}) };
}

function configToml(base: string, httpPort: number, rpcPort: number): string {
  // Every listener on loopback and on a port picked for this run; background work that only costs
  // CPU in a test (usage reporting, the _internal monitor database, query logging) is off.
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(base, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(base, 'data')}"
  wal-dir = "${join(base, 'wal')}"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  write-timeout = "10s"

[retention]
  enabled = true
  check-interval = "30m0s"

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:${httpPort}"
  auth-enabled = false
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0

[continuous_queries]
  enabled = true
  log-enabled = false
`;
}

export const influxdb1Provider: Provider<'influxdb1'> = {
  name: 'influxdb1',
  title: 'InfluxDB 1.x',
  installHint:
    'sudo scripts/install-test-backends   (or: apt-get install -y influxdb influxdb-client), or set ROHAS_TEST_INFLUXDB1_URL',

  async fromEnv(ctx) {
    const url = ctx.settings.env.ROHAS_TEST_INFLUXDB1_URL?.replace(/\/+$/, '');
    if (!url) return undefined;
    const version = await influxPing(url);
    if (!version) throw backendError(`influxdb1: ${url}/ping did not answer 204`);
    const db = ctx.settings.env.ROHAS_TEST_INFLUXDB1_DATABASE || DEFAULT_DB;
    return { info: await finish(url, db, 'env', version), detail: url };
  },

  async container(ctx): Promise<StartedBackend<'influxdb1'>> {
    const image = imageFor(ctx, 'influxdb1');
    const c = await startContainer(ctx, {
      id: 'influxdb1',
      image,
      port: 8086,
      env: {
        INFLUXDB_REPORTING_DISABLED: 'true',
        INFLUXDB_DATA_QUERY_LOG_ENABLED: 'false',
        INFLUXDB_MONITOR_STORE_ENABLED: 'false',
      },
      wait: (w) => w.forHttp('/ping', 8086).forStatusCode(204),
    });
    const url = `http://${c.getHost()}:${c.getMappedPort(8086)}`;
    const version = await waitUntil(() => influxPing(url), { name: 'influxdb1 (container)', timeoutMs: 30_000 });
    return { info: await finish(url, DEFAULT_DB, 'container', version), detail: image };
  },

  async localUnavailable() {
    return which('influxd') ? undefined : 'no influxd (InfluxDB 1.x server not installed)';
  },

  async local(ctx) {
    const influxd = which('influxd');
    if (!influxd) throw backendError('influxdb1: no influxd');
    const base = join(ctx.settings.baseDir, 'influxdb1');
    mkdirSync(base, { recursive: true });
    const [httpPort, rpcPort] = (await freePorts(2)) as [number, number];
    const configFile = join(base, 'influxdb.conf');
    const logFile = join(base, 'influxd.log');
    writeFileSync(configFile, configToml(base, httpPort, rpcPort));
    const child = spawnServer(influxd, ['run', '-config', configFile], logFile, { cwd: base });
    stopChildOnCleanup(ctx.cleanup, 'influxdb1', 'influxdb1 (local)', child, logFile);
    const url = `http://127.0.0.1:${httpPort}`;
    const version = await waitUntil(() => influxPing(url), {
      name: 'influxdb1 (local)',
      timeoutMs: ctx.settings.localStartTimeoutMs,
      logFile,
      child,
    });
    return { info: await finish(url, DEFAULT_DB, 'local', version), detail: `${influxd} on ${url}`, logFile };
  },
};
