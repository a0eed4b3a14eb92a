/**
 * @rohas/telemetry-prometheus: `type = "prometheus"`. Metrics are served on a Prometheus pull endpoint by a
 * MetricReader the core adds to its MeterProvider; reads go through the Prometheus server at `endpoint`.
 * Traces and logs are not stored by this backend (the adapter has no `traces`/`logs` parts).
 */
import {
  type AdapterContext,
  type AdapterFactory,
  ConfigError,
  type HealthStatus,
  type MetricCapabilities,
  type MetricPullEndpoint,
  type TelemetryAdapter,
} from '@rohas/telemetry';
import type { CatalogEntry } from './internal-types.js';
import { PrometheusApi } from './prometheus-api.js';
import { PrometheusPullReader } from './reader.js';
import type { PrometheusAdapterOptions } from './types.js';

export { familyNames, sanitizeLabelName, sanitizeMetricName, unitSuffix } from './naming.js';
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
  aggregations: ['sum', 'avg', 'min', 'max', 'count', 'last', 'p50', 'p90', 'p95', 'p99'],
  attributeOperators: ['=', '!=', 'exists', 'wildcard', 'regex'],
  groupBy: true,
  exemplars: false,
  instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram'],
};

function optionalString(options: Record<string, unknown>, key: string, source?: string): string | undefined {
  const v = options[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string')
    throw new ConfigError(`[rohas-telemetry] [prometheus] ${key} must be a string`, {
      key,
      ...(source ? { file: source } : {}),
    });
  return v;
}

/** Reads and checks the adapter's keys, with the OpenTelemetry exporter's environment variables as fallbacks. */
export function resolveOptions(raw: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env) {
  const source = typeof raw.source === 'string' ? raw.source : undefined;
  const host = optionalString(raw, 'host', source) ?? env.OTEL_EXPORTER_PROMETHEUS_HOST ?? '127.0.0.1';
  const portRaw = raw.port ?? (env.OTEL_EXPORTER_PROMETHEUS_PORT ? Number(env.OTEL_EXPORTER_PROMETHEUS_PORT) : 9464);
  const port = typeof portRaw === 'string' ? Number(portRaw) : portRaw;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(
      `[rohas-telemetry] [prometheus] port must be an integer from 0 to 65535, got ${String(portRaw)}`,
      {
        key: 'port',
        ...(source ? { file: source } : {}),
      },
    );
  }
  const path = optionalString(raw, 'path', source) ?? '/metrics';
  if (!/^\/?[^\s?#]*$/.test(path)) {
    throw new ConfigError(`[rohas-telemetry] [prometheus] path must be a URL path like /metrics, got ${path}`, {
      key: 'path',
    });
  }
  const prefix = optionalString(raw, 'prefix', source) ?? '';
  const defaultMetrics = raw.default_metrics === undefined ? false : raw.default_metrics;
  if (typeof defaultMetrics !== 'boolean') {
    throw new ConfigError('[rohas-telemetry] [prometheus] default_metrics must be true or false', {
      key: 'default_metrics',
    });
  }
  const endpoint = optionalString(raw, 'endpoint', source);
  if (endpoint !== undefined) {
    try {
      const u = new URL(endpoint);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    } catch (cause) {
      throw new ConfigError(
        `[rohas-telemetry] [prometheus] endpoint must be the http(s) URL of a Prometheus server, got ${endpoint}`,
        {
          key: 'endpoint',
          cause,
        },
      );
    }
  }
  const timeout = raw.query_timeout_ms ?? 30_000;
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new ConfigError('[rohas-telemetry] [prometheus] query_timeout_ms must be a positive number', {
      key: 'query_timeout_ms',
    });
  }
  return {
    host,
    port,
    path: path.startsWith('/') ? path : `/${path}`,
    prefix,
    defaultMetrics,
    endpoint,
    queryTimeoutMs: timeout,
  };
}

/** The adapter factory the core's registry calls for `type = "prometheus"`. */
export const createAdapter: AdapterFactory = (ctx: AdapterContext): TelemetryAdapter => {
  const options = resolveOptions(ctx.options as Record<string, unknown> & PrometheusAdapterOptions);
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
