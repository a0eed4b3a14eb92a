import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type {
  AdapterContext,
  AdapterFactory,
  HealthStatus,
  RetentionResult,
  TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { retentionCutoff, TelemetryError } from '@rohas/telemetry/adapter';
import { deleteOlder, quoteIdent, rows } from './db.js';
import { W } from './errors.js';
import type { Shared } from './internal-types.js';
import { createLogStore } from './logs.js';
import { createMetricStore } from './metrics.js';
import { migrate, SIGNAL_TABLES } from './migrations.js';
import { resolveOptions } from './options.js';
import { createTraceStore } from './traces.js';

/** The table and time column each signal's retention deletes from. */
const RETENTION: Record<'traces' | 'metrics' | 'logs', Array<[string, string]>> = {
  traces: [['otel_traces', 'Timestamp']],
  logs: [['otel_logs', 'Timestamp']],
  metrics: SIGNAL_TABLES.metrics.map((t) => [t, 'TimeUnix'] as [string, string]),
};

/** The `clickhouse` adapter: the OpenTelemetry Collector exporter's tables, over @clickhouse/client (HTTP). */
export const createAdapter: AdapterFactory = (ctx: AdapterContext): TelemetryAdapter => {
  const o = resolveOptions(ctx);
  const client = createClient({
    url: o.url,
    username: o.username,
    password: o.password,
    request_timeout: o.requestTimeoutMs,
    max_open_connections: o.maxOpenConnections,
    compression: { request: o.compress, response: o.compress },
    application: 'rohas-telemetry',
    // Errors come back to the adapter, which reports them with their cause; the client must not print them too.
    log: { level: ClickHouseLogLevel.OFF },
  });
  const sh: Shared = {
    client,
    db: quoteIdent(o.database),
    cluster: o.cluster,
    onCluster: o.cluster ? `ON CLUSTER ${quoteIdent(o.cluster)}` : '',
    insertSettings: o.asyncInsert ? { async_insert: 1, wait_for_async_insert: 1 } : {},
    logger: ctx.logger,
  };
  const signals = new Set<'traces' | 'metrics' | 'logs'>(ctx.signals ?? ['traces', 'metrics', 'logs']);
  const retention = ctx.retention ?? { traces: 0, metrics: 0, logs: 0 };
  let version = '';

  const adapter: TelemetryAdapter = {
    type: 'clickhouse',
    async init() {
      try {
        version = (await rows<{ v: string }>(sh, 'SELECT version() AS v'))[0]?.v ?? '';
        await migrate(sh, signals, retention);
      } catch (error) {
        throw new TelemetryError(
          `${W} could not prepare database ${o.database} at ${o.url}: ${(error as Error).message}`,
          { cause: error },
        );
      }
      ctx.logger.info(
        `${W} ClickHouse ${version} at ${o.url}, database ${o.database}${o.cluster ? `, cluster ${o.cluster} (Replicated tables, Distributed in front)` : ''}, OpenTelemetry Collector table layout`,
      );
    },
    async retention(nowNano): Promise<RetentionResult> {
      const result: RetentionResult = {};
      for (const signal of (['traces', 'metrics', 'logs'] as const).filter((s) => signals.has(s))) {
        const cutoff = retentionCutoff(nowNano, retention[signal] ?? 0);
        if (cutoff === undefined) continue;
        let n = 0;
        for (const [t, column] of RETENTION[signal]) n += await deleteOlder(sh, t, column, cutoff);
        result[signal] = n;
      }
      return result;
    },
    async health(): Promise<HealthStatus> {
      const ping = await client.ping();
      if (!ping.success) {
        return { ok: false, message: `${W} ClickHouse at ${o.url} is unreachable: ${ping.error.message}` };
      }
      return {
        ok: true,
        message: `ClickHouse ${version} at ${o.url}, database ${o.database}${o.cluster ? `, cluster ${o.cluster}` : ''}`,
        details: { database: o.database, cluster: o.cluster ?? null, asyncInsert: o.asyncInsert },
      };
    },
    async close() {
      await client.close();
    },
  };
  if (signals.has('traces')) adapter.traces = createTraceStore(sh);
  if (signals.has('metrics')) adapter.metrics = createMetricStore(sh);
  if (signals.has('logs')) adapter.logs = createLogStore(sh);
  return adapter;
};
