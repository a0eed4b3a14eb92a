/** Options of the `clickhouse` adapter: the `[telemetry]` keys of rohas.toml that it reads (snake_case). */
export interface ClickHouseOptions {
  /** HTTP(S) endpoint of the ClickHouse server (or of a load balancer in front of a cluster). Default `http://localhost:8123`. */
  url?: string;
  /** Database of the tables; created when missing. Default `otel`, as the OpenTelemetry Collector exporter. */
  database?: string;
  /** ClickHouse user. Default `default`. `${ENV}` references are resolved by the core's config loader. */
  username?: string;
  /** Password of `username`. Default empty. */
  password?: string;
  /**
   * Name of a cluster in the server's `remote_servers`: DDL runs `ON CLUSTER`, tables are `Replicated*MergeTree`
   * (named `<table>_local`) with a `Distributed` table of the Collector's name in front. Default: none (one server).
   */
  cluster?: string;
  /** Insert with `async_insert = 1, wait_for_async_insert = 1` (the server batches; a write is acknowledged once stored). Default false. */
  async_insert?: boolean;
  /** gzip request and response bodies. Default true. */
  compress?: boolean;
  /** A request (insert or query) fails after this many ms. Default 30,000. */
  request_timeout_ms?: number;
  /** Most HTTP connections open at once. Default 10. */
  max_open_connections?: number;
}
