/** Options of the `timescaledb` adapter: the `[telemetry]` keys of rohas.toml that it reads (snake_case). */
export interface TimescaleOptions {
  /** `postgresql://user:pass@host:port/db?sslmode=require`; TLS is chosen with `sslmode` in the URL. Required. */
  connection_string: string;
  /** PostgreSQL schema the tables live in; created when missing. Default `rohas_telemetry`. */
  schema?: string;
  /** Most connections the adapter opens. Default 10 (use 1 for PGlite-based servers, which serve one at a time). */
  pool_size?: number;
  /** Idle connections are closed after this many ms. Default 10,000. */
  idle_timeout_ms?: number;
  /** Giving up on opening a connection after this many ms. Default 5,000. */
  connect_timeout_ms?: number;
  /**
   * `auto` (default): hypertables when the `timescaledb` extension is installed or can be created, plain tables
   * otherwise. `timescaledb`: fail when the extension is missing. `postgres`: never use the extension.
   * The mode chosen when the schema was first migrated sticks.
   */
  mode?: 'auto' | 'timescaledb' | 'postgres';
  /** Try `CREATE EXTENSION IF NOT EXISTS timescaledb` when it is available but not installed. Default true. */
  create_extension?: boolean;
  /** TimescaleDB: compress chunks older than this PostgreSQL interval (`'7 days'`); `'off'` disables. Default `'7 days'`. */
  compress_after?: string;
  /** TimescaleDB: time range of one chunk, a PostgreSQL interval. Default `'1 day'`. */
  chunk_interval?: string;
  /** TimescaleDB: answer queryMetrics with a step of whole minutes from the continuous aggregates (1 min, 5 min, 1 h). Default true. */
  continuous_aggregate?: boolean;
  /**
   * How batches are sent: `copy` (COPY ... FROM STDIN into a staging table, the faster in bench/timescaledb),
   * `unnest` (INSERT ... SELECT FROM unnest(arrays)), or `auto` (default): copy, except on PGlite, which cannot COPY.
   */
  ingest?: 'auto' | 'copy' | 'unnest';
}

/** The mode the adapter runs in, found at init(). */
export type StorageMode = 'timescaledb' | 'postgres';
