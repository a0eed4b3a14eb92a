/** Options of the SQLite adapter, read from `[telemetry]` (or a per-signal section) in rohas.toml. */
export interface SqliteOptions {
  /**
   * Where the database lives: a directory (the file is `telemetry.db` inside it) or a path ending in `.db`/`.sqlite`.
   * Relative paths resolve against the config file's directory. Default `.rohas/telemetry`. `:memory:` keeps it in memory.
   */
  path?: string;
  /** SQLite page cache in MiB, per connection. Default 64. */
  cache_size_mb?: number;
  /**
   * Write in a worker thread (default) so a batch's transaction never blocks the application's event loop.
   * `false` writes on the calling thread. `:memory:` databases always write on the calling thread.
   */
  write_thread?: boolean;
  /**
   * Read threads for searches (findTraces, queryLogs, queryMetrics), each with its own read-only connection; one more
   * thread serves quick reads (getTrace, the service and metric lists) so they never wait behind a search. Reads then
   * never hold the application's event loop. Default 2; `0` reads on the calling thread. `:memory:` databases always
   * read on the calling thread.
   */
  read_threads?: number;
}
