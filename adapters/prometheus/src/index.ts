/**
 * @rohas/telemetry-prometheus: `type = "prometheus"`. Metrics are served on a Prometheus pull endpoint by a
 * MetricReader the core adds to its MeterProvider; reads go through the Prometheus server at `endpoint`.
 * Traces and logs are not stored by this backend (the adapter has no `traces`/`logs` parts).
 */
import {
  type AdapterContext,
  type AdapterFactory,
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  ConfigError,
  type HealthStatus,
  type MetricCapabilities,
  type MetricPullEndpoint,
  readOptions,
  type TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import type { CatalogEntry } from './internal-types.js';
import { optionsSchema } from './options.js';
import { PrometheusApi } from './prometheus-api.js';
import { PrometheusPullReader } from './reader.js';
import type { PrometheusAdapterOptions } from './types.js';

export { familyNames, sanitizeLabelName, sanitizeMetricName, unitSuffix } from './naming.js';
export { defaults, optionsSchema } from './options.js';
export { PrometheusApi } from './prometheus-api.js';
export { buildPromQL, labelMatcher, promqlString } from './promql.js';
export {
  negotiateOpenMetrics,
  OPENMETRICS_CONTENT_TYPE,
  PrometheusPullReader,
  type PrometheusReaderOptions,
  TEXT_CONTENT_TYPE,
} from './reader.js';
export { escapeLabelValue, renderResourceMetrics } from './render.js';
export type { PrometheusAdapterOptions } from './types.js';

/** What reads through Prometheus support; see the README for where they differ from the reference semantics. */
export const PROMETHEUS_METRIC_CAPABILITIES: MetricCapabilities = {
  aggregations: ALL_AGGREGATIONS,
  attributeOperators: ATTRIBUTE_OPERATORS,
  groupBy: true,
  exemplars: false,
  instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram'],
};

/**
 * Reads the adapter's keys (checked against options.schema.json, defaults filled in), with the OpenTelemetry
 * exporter's environment variables as fallbacks for host and port.
 */
export function resolveOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env, source?: string) {
  const o = readOptions<PrometheusAdapterOptions>(
    { options: { type: 'prometheus', ...raw }, ...(source ? { source } : {}) },
    optionsSchema,
  );
  const host = o.host ?? env.OTEL_EXPORTER_PROMETHEUS_HOST ?? '127.0.0.1';
  const envPort = env.OTEL_EXPORTER_PROMETHEUS_PORT;
  const port = o.port ?? (envPort ? Number(envPort) : 9464);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `[rohas-telemetry] [prometheus] OTEL_EXPORTER_PROMETHEUS_PORT must be an integer from 0 to 65535, got ${envPort}`,
      { key: 'port' },
    );
  }
  const path = o.path ?? '/metrics';
  return {
    host,
    port,
    path: path.startsWith('/') ? path : `/${path}`,
    prefix: o.prefix ?? '',
    defaultMetrics: o.default_metrics ?? false,
    endpoint: o.endpoint,
    queryTimeoutMs: o.query_timeout_ms ?? 30_000,
  };
}

/** The adapter factory the core's registry calls for `type = "prometheus"`. */
export const createAdapter: AdapterFactory = (ctx: AdapterContext): TelemetryAdapter => {
  const options = resolveOptions(ctx.options, process.env, ctx.source);
  const readers: PrometheusPullReader[] = [];
  // Shared by every reader of this adapter, so reads find the Prometheus names of this process's metrics.
  const catalog = new Map<string, CatalogEntry>();
  const api = options.endpoint
    ? new PrometheusApi({
        endpoint: options.endpoint,
        prefix: options.prefix,
        catalog,
        timeoutMs: options.queryTimeoutMs,
      })
    : undefined;

  const metricsPull: MetricPullEndpoint = {
    createReader({ cardinalityLimit, onOverflow }) {
      const reader = new PrometheusPullReader({
        host: options.host,
        port: options.port,
        path: options.path,
        prefix: options.prefix,
        defaultMetrics: options.defaultMetrics,
        cardinalityLimit,
        ...(onOverflow ? { onOverflow } : {}),
        logger: ctx.logger,
        catalog,
      });
      readers.push(reader);
      return reader;
    },
  };
  if (api) {
    Object.assign(metricsPull, {
      capabilities: PROMETHEUS_METRIC_CAPABILITIES,
      queryMetrics: api.queryMetrics.bind(api),
      listMetrics: api.listMetrics.bind(api),
    });
  }

  return {
    type: 'prometheus',
    metricsPull,
    async init() {
      if (!api) {
        ctx.logger.info(
          '[rohas-telemetry] [prometheus] no endpoint set: metrics are served for scraping but cannot be queried back',
        );
        return;
      }
      try {
        await api.call('/api/v1/status/buildinfo', {});
      } catch (error) {
        // Prometheus may come up after the app; reads fail with their own error until then.
        ctx.logger.warn(
          `[rohas-telemetry] [prometheus] Prometheus server at ${options.endpoint} does not answer yet: ${(error as Error).message}`,
        );
      }
    },
    async retention() {
      // The Prometheus server applies its own retention (--storage.tsdb.retention.time); nothing is stored here.
      return {};
    },
    async health(): Promise<HealthStatus> {
      const endpoints = readers.map((r) => r.url);
      const details: Record<string, unknown> = { endpoints };
      // A process that only reads (rohas-telemetry serve, query, doctor) has no meter provider, so no pull endpoint.
      const pull =
        endpoints.length > 0
          ? `prometheus pull endpoint at ${endpoints.join(', ')}`
          : 'no prometheus pull endpoint in this process (an application serves it from createTelemetry)';
      if (!api) return { ok: true, message: pull, details };
      try {
        const info = await api.call<{ version: string }>('/api/v1/status/buildinfo', {});
        details.prometheusVersion = info.version;
        return {
          ok: true,
          message: `${pull}; Prometheus ${info.version} at ${options.endpoint}`,
          details,
        };
      } catch (error) {
        return {
          ok: false,
          message: `Prometheus server at ${options.endpoint} does not answer: ${(error as Error).message}`,
          details,
        };
      }
    },
    async close() {
      await Promise.all(readers.map((r) => r.closeServer()));
    },
  };
};

export default createAdapter;
