/**
 * Public types of @rohas/telemetry-influxdb: the options read from `[telemetry]` (snake_case, as in rohas.toml).
 */

/** Options of `type = "influxdb"`. Which API is used follows from the keys given, or from `api_version`. */
export interface InfluxDbOptions {
  type: 'influxdb' | string;
  /** Server URL; default `http://localhost:8086`. */
  url?: string;
  /** `1` (InfluxDB 1.x `/write` + InfluxQL, also the 1.x-compatible API of 2.x/3.x) or `2` (2.x/Cloud, Flux). Default: `2` when `token`, `org` and `bucket` are set, else `1`. */
  api_version?: 1 | 2 | '1' | '2';
  /** 1.x: database; default `rohas`. */
  database?: string;
  /** 1.x: retention policy written to and queried; default the database's default policy. */
  retention_policy?: string;
  /** 1.x: credentials (HTTP basic auth). */
  username?: string;
  password?: string;
  /** 2.x: API token (also sent as `Authorization: Token` on the 1.x API when set there). */
  token?: string;
  /** 2.x: organisation name. */
  org?: string;
  /** 2.x: bucket. */
  bucket?: string;
  /** Prefix of the three measurements (`spans`, `metrics`, `logs`); default empty. */
  measurement_prefix?: string;
  /** Hex characters of the trace id kept in the `tb` tag (0-4); default 2, i.e. 256 buckets. See schemas/influxdb.md. */
  trace_bucket_chars?: number;
  /**
   * Let the adapter set the server-side retention from `retention_days`: a retention policy (1.x, created or altered)
   * or the bucket's retention rule (2.x). Default false: the server's retention is then reported at start-up.
   */
  manage_retention?: boolean;
  /** 1.x: `CREATE DATABASE` on init when it is missing; default true. */
  create_database?: boolean;
  /** Gzip request bodies at least this many bytes; default 0 (off) for 1.x, 1000 for 2.x. */
  gzip_threshold?: number;
  /** HTTP timeout per request, ms; default 30,000. */
  timeout_ms?: number;
  /** 2.x write API: lines per HTTP request; default 5,000. */
  batch_size?: number;
  /** Requests in flight at once for one write() call that spans several HTTP batches (1.x); default 2. */
  write_concurrency?: number;
}
