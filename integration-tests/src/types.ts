/**
 * Connection info for the real servers the integration run provides to tests through
 * `inject('backends')` (see `src/inject-backends.ts` for the typed helper).
 *
 * A backend that could not be provided is absent from {@link BackendsInfo}; tests then skip loudly
 * (and fail under `CI=true` unless the backend is listed in `ROHAS_TEST_OPTIONAL`).
 */

/** How a backend was provided: an explicit URL in the environment, a testcontainers container, or a server started by the run. */
export type BackendSource = 'env' | 'container' | 'local';

/** Names of the backends the run knows how to provide. */
export type BackendName = 'postgres' | 'timescaledb' | 'influxdb1' | 'influxdb2' | 'prometheus' | 'clickhouse';

/** Every backend name, in the order the summary prints them. */
export const BACKEND_NAMES: readonly BackendName[] = [
  'postgres',
  'timescaledb',
  'influxdb1',
  'influxdb2',
  'prometheus',
  'clickhouse',
];

/** Fields every provided backend has. */
export interface BackendBase {
  /** Which path provided the server. */
  source: BackendSource;
  /** The server's own version string (as reported by the server, not by a package manager). */
  version: string;
}

/** A plain PostgreSQL server (no TimescaleDB extension guaranteed). */
export interface PostgresInfo extends BackendBase {
  /** `postgres://user[:password]@host:port/database` */
  url: string;
}

/** A PostgreSQL server with the TimescaleDB extension created in its database. */
export interface TimescaleInfo extends BackendBase {
  /** `postgres://user[:password]@host:port/database` */
  url: string;
  /**
   * How many connections a client may open at once. 1 for the local PGlite server (it serves one
   * connection at a time; a second concurrent one waits until the first closes).
   */
  poolSize: number;
  /** `select extversion from pg_extension where extname='timescaledb'` */
  extensionVersion: string;
}

/** An InfluxDB 1.x server (HTTP `/write` and `/query`, InfluxQL). */
export interface InfluxDb1Info extends BackendBase {
  /** Base URL, e.g. `http://127.0.0.1:38086` */
  url: string;
  /** A database that exists; tests may create more. */
  database: string;
  /** Path of the `influx` CLI when one is installed. */
  influxCli?: string;
}

/** An InfluxDB 2.x server (`/api/v2/*`, Flux) set up with an org, a bucket and an all-access token. */
export interface InfluxDb2Info extends BackendBase {
  url: string;
  token: string;
  org: string;
  bucket: string;
}

/** A Prometheus server that scrapes {@link PrometheusInfo.scrapeTargets} every second. */
export interface PrometheusInfo extends BackendBase {
  /** Base URL of the Prometheus HTTP API, e.g. `http://127.0.0.1:39090` */
  url: string;
  /** Path of `promtool` when one is installed (for `promtool check metrics`). */
  promtool?: string;
  /**
   * `host:port` pairs the server scrapes (path `/metrics`) every 1 s. A test starts its pull
   * endpoint on one of these ports (listen on 127.0.0.1 or 0.0.0.0); they are free when the run
   * starts, but two test files using the same port at the same time collide, so each file should
   * use its own index. The samples' `instance` label is this exact string in every path (a
   * container reaches the port under another name; its scrape config sets the label back), so
   * `up{instance="<target>"}` works everywhere. Job label: `rohas-test`.
   */
  scrapeTargets: string[];
}

/** A ClickHouse server (HTTP interface) — or the chdb engine served over HTTP by the run. */
export interface ClickHouseInfo extends BackendBase {
  /** Base URL of the HTTP interface, e.g. `http://127.0.0.1:38123` */
  url: string;
  username: string;
  password: string;
  /** `chdb`: the engine of the npm package chdb behind the run's HTTP bridge; `server`: clickhouse-server. */
  engine: 'chdb' | 'server';
  /** A cluster name configured on the server (two replicas), when the run set one up. */
  cluster?: string;
}

/** The value of `inject('backends')`. */
export interface BackendsInfo {
  postgres?: PostgresInfo;
  timescaledb?: TimescaleInfo;
  influxdb1?: InfluxDb1Info;
  influxdb2?: InfluxDb2Info;
  prometheus?: PrometheusInfo;
  clickhouse?: ClickHouseInfo;
}

/** Why a backend is absent, provided as `inject('backendsStatus')`. */
export interface BackendsStatus {
  /** `CI=true` in the run's environment. */
  ci: boolean;
  /** Backends whose absence does not fail a CI run. */
  optional: BackendName[];
  /** The ones the run named in ROHAS_TEST_OPTIONAL (the rest of `optional` were left out by ROHAS_TEST_BACKENDS). */
  declaredOptional: BackendName[];
  /** For each absent backend: why, and what to run to get it. */
  missing: Partial<Record<BackendName, { reason: string; hint: string }>>;
  /**
   * A `host:port` the Prometheus server also scrapes, kept for the providers' own test
   * (test/backends.test.ts) so it never competes with adapters for `scrapeTargets`.
   */
  prometheusProbeTarget?: string;
}
