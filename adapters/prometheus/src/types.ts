/** Public types of @rohas/telemetry-prometheus. */

/**
 * The `[telemetry]` keys this adapter reads (snake_case, as in rohas.toml). Every key is optional.
 */
export interface PrometheusAdapterOptions {
  /**
   * Interface the pull endpoint listens on. Default `127.0.0.1` (then `OTEL_EXPORTER_PROMETHEUS_HOST`), so metrics
   * are not published to the network unless asked; set `0.0.0.0` when Prometheus scrapes from another host or
   * container.
   */
  host?: string;
  /** Port of the pull endpoint; default 9464 (then `OTEL_EXPORTER_PROMETHEUS_PORT`); 0 picks a free port. */
  port?: number;
  /** Path of the pull endpoint; default `/metrics`. */
  path?: string;
  /** Prefix added with `_` before every exposed metric name (e.g. `rohas` -> `rohas_handler_execution_count_total`). */
  prefix?: string;
  /** Also expose prom-client's default process and Node.js runtime metrics; default false. */
  default_metrics?: boolean;
  /** URL of the Prometheus server that reads (queryMetrics, listMetrics) are answered from; none means no reads. */
  endpoint?: string;
  /** Timeout of one Prometheus HTTP API call, ms; default 30000. */
  query_timeout_ms?: number;
}
