import type {
  AdapterContext,
  AdapterFactory,
  HealthStatus,
  RetentionResult,
  TelemetryAdapter,
} from '@rohas/telemetry/adapter';
import { readOptions, retentionCutoff, TelemetryError } from '@rohas/telemetry/adapter';
import pg from 'pg';
import { checkout, release, typeParsers } from './db.js';
import { W } from './errors.js';
import type { Shared } from './internal-types.js';
import { createLogStore } from './logs.js';
import { LEVELS } from './metric-aggregate.js';
import { createMetricStore } from './metrics.js';
import { migrate } from './migrations.js';
import { optionsSchema } from './options.js';
import { createTraceStore } from './traces.js';
import type { StorageMode, TimescaleOptions } from './types.js';

const TABLES = {
  traces: ['spans', 'start_ns'],
  metrics: ['metric_points', 'time_ns'],
  logs: ['logs', 'time_ns'],
} as const;
type Signal = keyof typeof TABLES;

/** Refresh policy of each continuous aggregate: view, end offset (ns), schedule. */
const CAGG_POLICIES: Array<[string, string, string]> = [
  ['metric_points_1m', '120000000000', '1 minute'],
  ['metric_points_5m', '600000000000', '5 minutes'],
  ['metric_points_1h', '7200000000000', '30 minutes'],
];

/** The `timescaledb` adapter: PostgreSQL 13+, with hypertables, compression and a continuous aggregate when TimescaleDB is there. */
export const createAdapter: AdapterFactory = (ctx: AdapterContext): TelemetryAdapter => {
  const o = readOptions<TimescaleOptions>(ctx, optionsSchema);
  const connectionString = o.connection_string;
  // `type = "postgres"` (or "postgresql") asks for plain PostgreSQL even where the extension exists.
  const plainType = o.type === 'postgres' || o.type === 'postgresql';
  const opts = {
    schema: o.schema ?? 'rohas_telemetry',
    poolSize: o.pool_size ?? 10,
    idleTimeoutMs: o.idle_timeout_ms ?? 10_000,
    connectTimeoutMs: o.connect_timeout_ms ?? 5_000,
    mode: o.mode ?? (plainType ? 'postgres' : 'auto'),
    createExtension: o.create_extension ?? true,
    compressAfter: o.compress_after ?? '7 days',
    chunkInterval: o.chunk_interval ?? '1 day',
    continuousAggregate: o.continuous_aggregate ?? true,
    ingest: o.ingest ?? 'auto',
  };

  const pool = new pg.Pool({
    connectionString,
    max: opts.poolSize,
    idleTimeoutMillis: opts.idleTimeoutMs,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    application_name: 'rohas-telemetry',
    types: typeParsers,
  });
  // An idle connection that the server drops emits here; without a listener it would crash the process.
  pool.on('error', (error) =>
    ctx.logger.warn(`${W} a pooled connection failed; it will be replaced: ${error.message}`),
  );

  const quotedSchema = pg.escapeIdentifier(opts.schema);
  const shared: Shared = {
    pool,
    schema: quotedSchema,
    mode: 'postgres',
    ingest: opts.ingest === 'unnest' ? 'unnest' : 'copy',
    useContinuousAggregate: opts.continuousAggregate,
    logger: ctx.logger,
    stats: { continuousAggregateQueries: 0, rawMetricQueries: 0, aggregateLevelReads: { '1h': 0, '5m': 0, '1m': 0 } },
  };
  const signals = new Set(ctx.signals ?? ['traces', 'metrics', 'logs']);
  let timescaleVersion: string | undefined;
  let serverVersion = '';

  const regclass = (table: string) => `${quotedSchema}.${pg.escapeIdentifier(table)}`;

  /** TimescaleDB policies from the options; re-set at every start so a changed rohas.toml takes effect. */
  async function setPolicies(client: pg.PoolClient): Promise<void> {
    const ns = async (interval: string): Promise<string> =>
      (
        await client.query<{ ns: string }>('SELECT (extract(epoch FROM $1::interval) * 1000000000)::bigint AS ns', [
          interval,
        ])
      ).rows[0]!.ns;
    const chunk = await ns(opts.chunkInterval);
    const compressAfter = opts.compressAfter === 'off' ? undefined : await ns(opts.compressAfter);
    for (const [signal, [table]] of Object.entries(TABLES) as Array<[Signal, (typeof TABLES)[Signal]]>) {
      const rel = regclass(table);
      await client.query('SELECT set_chunk_time_interval($1::regclass, $2::bigint)', [rel, chunk]);
      await client.query('SELECT remove_compression_policy($1::regclass, if_exists => true)', [rel]);
      if (compressAfter !== undefined)
        await client.query('SELECT add_compression_policy($1::regclass, compress_after => $2::bigint)', [
          rel,
          compressAfter,
        ]);
      // Retention of a signal this instance does not store is left to the instance that does.
      if (!signals.has(signal)) continue;
      await client.query('SELECT remove_retention_policy($1::regclass, if_exists => true)', [rel]);
      const days = ctx.retention?.[signal] ?? 0;
      if (days > 0) {
        const dropAfter = (BigInt(Math.round(days * 86_400)) * 1_000_000_000n).toString();
        await client.query('SELECT add_retention_policy($1::regclass, drop_after => $2::bigint)', [rel, dropAfter]);
      }
    }
    // Materialize minutes older than two minutes, every minute; later minutes are aggregated at query time. Each
    // coarser level refreshes from the materialized rows of the level below, so it waits for them: 5-minute buckets
    // older than ten minutes every five minutes, hours older than two hours every half hour.
    for (const [view, endOffset, every] of CAGG_POLICIES)
      await client.query(
        `SELECT add_continuous_aggregate_policy($1::regclass, start_offset => NULL, end_offset => $2::bigint,
           schedule_interval => $3::interval, if_not_exists => true)`,
        [regclass(view), endOffset, every],
      );
  }

  async function sweep(signal: Signal, cutoff: bigint): Promise<number> {
    const [table, time] = TABLES[signal];
    const rel = regclass(table);
    let removed = 0;
    if (shared.mode === 'timescaledb') {
      // Whole chunks go with drop_chunks (cheap); the chunk that straddles the cutoff is trimmed by DELETE below.
      const r = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${rel} WHERE ${time} < $1::bigint`, [
        cutoff.toString(),
      ]);
      const before = Number(r.rows[0]!.n);
      await pool.query('SELECT drop_chunks($1::regclass, older_than => $2::bigint)', [rel, cutoff.toString()]);
      await pool.query(`DELETE FROM ${rel} WHERE ${time} < $1::bigint`, [cutoff.toString()]);
      removed = before;
      if (signal === 'metrics') {
        // Finest level first: each coarser level refreshes from the one below.
        for (const { view, width } of [...LEVELS].reverse()) {
          const cagg = regclass(view);
          await pool.query('SELECT drop_chunks($1::regclass, older_than => $2::bigint)', [cagg, cutoff.toString()]);
          // Re-aggregate the bucket around the cutoff so the aggregate forgets the points deleted from it.
          const lo = (cutoff / width - 1n) * width;
          await pool.query('CALL refresh_continuous_aggregate($1::regclass, $2::bigint, $3::bigint)', [
            cagg,
            lo.toString(),
            (lo + 3n * width).toString(),
          ]);
        }
      }
    } else {
      const r = await pool.query(`DELETE FROM ${rel} WHERE ${time} < $1::bigint`, [cutoff.toString()]);
      removed = r.rowCount ?? 0;
    }
    if (signal === 'metrics') {
      await pool.query(
        `DELETE FROM ${quotedSchema}.metric_descriptors d WHERE NOT EXISTS (SELECT 1 FROM ${quotedSchema}.metric_points p WHERE p.name = d.name)`,
      );
    }
    return removed;
  }

  const adapter: TelemetryAdapter = {
    type: plainType ? (o.type as string) : 'timescaledb',
    async init() {
      const client = await checkout(pool);
      let failed: Error | undefined;
      try {
        const result = await migrate(client, {
          schema: opts.schema,
          quotedSchema,
          wanted: opts.mode,
          createExtension: opts.createExtension,
          log: (m) => ctx.logger.warn(`${W} ${m}`),
          afterMigrate: async (c, mode) => {
            if (mode === 'timescaledb') await setPolicies(c);
          },
        });
        shared.mode = result.mode;
        timescaleVersion = result.timescaleVersion;
        serverVersion = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v;
        // PGlite (PostgreSQL compiled to WebAssembly, used to test TimescaleDB here) aborts on COPY FROM STDIN.
        const wasm = /emscripten|wasm/i.test((await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v);
        if (wasm && opts.ingest === 'auto') {
          shared.ingest = 'unnest';
          ctx.logger.info(
            `${W} this server is PGlite (WebAssembly), which cannot take COPY FROM STDIN: writing with INSERT ... unnest()`,
          );
        }
      } catch (error) {
        failed = error as Error;
        throw new TelemetryError(`${W} could not prepare schema ${opts.schema}: ${(error as Error).message}`, {
          cause: error,
        });
      } finally {
        release(client, failed);
      }
      ctx.logger.info(
        shared.mode === 'timescaledb'
          ? `${W} TimescaleDB ${timescaleVersion} mode: hypertables, compression after ${opts.compressAfter}, continuous aggregates per minute, 5 minutes and hour (schema ${opts.schema})`
          : `${W} plain PostgreSQL mode: time-indexed tables, retention by the adapter's own sweep (schema ${opts.schema})`,
      );
    },
    async retention(nowNano): Promise<RetentionResult> {
      const result: RetentionResult = {};
      // Only the signals this instance stores: another instance may route the others here with its own retention.
      for (const signal of (['traces', 'metrics', 'logs'] as const).filter((x) => signals.has(x))) {
        const cutoff = retentionCutoff(nowNano, ctx.retention?.[signal] ?? 0);
        if (cutoff !== undefined) result[signal] = await sweep(signal, cutoff);
      }
      return result;
    },
    async health(): Promise<HealthStatus> {
      try {
        await pool.query('SELECT 1');
        return {
          ok: true,
          message: `PostgreSQL ${serverVersion}${shared.mode === 'timescaledb' ? ` with TimescaleDB ${timescaleVersion} (hypertables)` : ' (plain tables)'}, schema ${opts.schema}`,
          details: {
            mode: shared.mode,
            pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
            ...shared.stats,
          },
        };
      } catch (error) {
        return { ok: false, message: `${W} PostgreSQL is unreachable: ${(error as Error).message}` };
      }
    },
    async close() {
      await pool.end();
    },
  };
  if (signals.has('traces')) adapter.traces = createTraceStore(shared);
  if (signals.has('metrics')) adapter.metrics = createMetricStore(shared);
  if (signals.has('logs')) adapter.logs = createLogStore(shared);
  return adapter;
};

export type { StorageMode };
