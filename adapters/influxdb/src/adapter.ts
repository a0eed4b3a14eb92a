/*
 * The InfluxDB adapter: one schema and one line-protocol encoder over two API generations (see v1-backend.ts and
 * v2-backend.ts). Queries select candidate rows with tag, field and time conditions the server evaluates, then
 * finish filtering, grouping and aggregation in JS with the core's reference functions, so every result is exactly
 * the reference adapter's.
 */
import {
  type AdapterContext,
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  asError,
  type LogRecord,
  type MetricDescriptor,
  type NormalizedLogQuery,
  type NormalizedMetricQuery,
  type NormalizedTraceQuery,
  type Page,
  pointMatches,
  type RetentionResult,
  readOptions,
  retentionCutoff,
  seriesFromPoints,
  type TelemetryAdapter,
  TelemetryError,
  type TraceSummary,
  type WriteResult,
  where,
} from '@rohas/telemetry/adapter';
import type { Backend, Measurements, Row, SelectSpec } from './internal-types.js';
import { WriteFailure } from './internal-types.js';
import { decodeTagValue, encodeTagValue, escapeMeasurement } from './line-protocol.js';
import { descriptorOf, metricFromRow, metricLine } from './metric-schema.js';
import { optionsSchema } from './options.js';
import { findTracesKeyset, queryLogsKeyset } from './paged-reads.js';
import { readRawPoints } from './raw-points.js';
import { logLine, nextPointSeq, nextSeq, slottedWindow, spanLine, toBigInt, traceBoundsLines } from './schema.js';
import { TraceReader } from './trace-reads.js';
import type { InfluxDbOptions } from './types.js';
import { V1Backend } from './v1-backend.js';
import { V2Backend } from './v2-backend.js';

const W = where('influxdb');

/** A span re-written with other tag values (a changed status, say) lives in two series; keep its newest write. */
export function newestCopies(rows: Row[]): Row[] {
  const newest = new Map<string, Row>();
  for (const row of rows) {
    const key = `${row.trace_id}:${row.span_id}`;
    const seen = newest.get(key);
    if (!seen || toBigInt(row.written_ns) > toBigInt(seen.written_ns)) newest.set(key, row);
  }
  return newest.size === rows.length ? rows : [...newest.values()];
}

function fail(message: string, cause: unknown, retryable: boolean): WriteResult {
  return { ok: false, error: new TelemetryError(`${W} ${message}: ${asError(cause).message}`, { cause }), retryable };
}

/**
 * Reads the adapter's options (checked against options.schema.json, defaults filled in), with the Rohas reference
 * keys (url, database, retention_policy) as written there.
 */
export function resolveOptions(raw: Record<string, unknown>, source?: string) {
  const options = { type: 'influxdb', ...raw };
  const o = readOptions<InfluxDbOptions>({ options, ...(source ? { source } : {}) }, optionsSchema);
  const url = String(o.url ?? 'http://localhost:8086').replace(/\/+$/, '');
  const explicit = o.api_version === undefined ? undefined : Number(o.api_version);
  if (explicit !== undefined && explicit !== 1 && explicit !== 2) {
    throw new TelemetryError(`${W} api_version must be 1 or 2, got ${JSON.stringify(o.api_version)}`);
  }
  const api: 1 | 2 = explicit === undefined ? (o.token && o.org && o.bucket ? 2 : 1) : (explicit as 1 | 2);
  if (api === 2) {
    for (const k of ['token', 'org', 'bucket'] as const) {
      if (!o[k])
        throw new TelemetryError(
          `${W} the 2.x API needs ${k} (set token, org and bucket, or api_version = 1 with database)`,
        );
    }
  }
  const prefix = String(o.measurement_prefix ?? '');
  const measurements: Measurements = {
    spans: `${prefix}spans`,
    metrics: `${prefix}metrics`,
    logs: `${prefix}logs`,
    traceBounds: `${prefix}trace_bounds`,
  };
  const escaped = {} as Measurements;
  for (const k of ['spans', 'metrics', 'logs', 'traceBounds'] as const) {
    try {
      escaped[k] = escapeMeasurement(measurements[k]);
    } catch (error) {
      throw new TelemetryError(`${W} measurement_prefix: ${(error as Error).message}`, { cause: error });
    }
  }
  const tbc = o.trace_bucket_chars === undefined ? 0 : Number(o.trace_bucket_chars);
  if (!Number.isInteger(tbc) || tbc < 0 || tbc > 4)
    throw new TelemetryError(`${W} trace_bucket_chars must be an integer from 0 to 4, got ${o.trace_bucket_chars}`);
  return {
    api,
    url,
    measurements,
    escaped,
    traceBucketChars: tbc,
    manageRetention: o.manage_retention === true,
    timeoutMs: Number(o.timeout_ms ?? 30_000),
    options: o,
  };
}

/** Builds the adapter; nothing connects until init(). */
export function createInfluxDbAdapter(context: AdapterContext): TelemetryAdapter {
  const r = resolveOptions(context.options, context.source);
  const o = r.options;
  const backend: Backend =
    r.api === 2
      ? new V2Backend({
          url: r.url,
          token: String(o.token),
          org: String(o.org),
          bucket: String(o.bucket),
          gzipThreshold: Number(o.gzip_threshold ?? 1000),
          timeoutMs: r.timeoutMs,
          batchSize: Number(o.batch_size ?? 5000),
        })
      : new V1Backend({
          url: r.url,
          database: String(o.database ?? 'rohas'),
          ...(o.retention_policy ? { retentionPolicy: String(o.retention_policy) } : {}),
          ...(o.username !== undefined ? { username: String(o.username) } : {}),
          ...(o.password !== undefined ? { password: String(o.password) } : {}),
          ...(o.token ? { token: String(o.token) } : {}),
          createDatabase: o.create_database !== false,
          gzipThreshold: Number(o.gzip_threshold ?? 0),
          timeoutMs: r.timeoutMs,
          writeConcurrency: Math.max(1, Number(o.write_concurrency ?? 2)),
        });
  const m = r.measurements;
  const lp = r.escaped;
  const tbc = r.traceBucketChars;
  const retention = context.retention;
  const signals = new Set(context.signals?.length ? context.signals : ['traces', 'metrics', 'logs']);

  /** Writes `count` items encoded as `lines()` (a span batch also carries its trace_bounds points). */
  async function writeLines(count: number, what: string, lines: () => string[]): Promise<WriteResult> {
    let encoded: string[];
    try {
      encoded = lines();
    } catch (error) {
      return fail(`could not encode ${what}`, error, false);
    }
    if (encoded.length === 0) return { ok: true };
    try {
      await backend.write(encoded);
      return { ok: true };
    } catch (error) {
      return fail(
        `writing ${count} ${what} to ${backend.describe()} failed`,
        error,
        error instanceof WriteFailure ? error.retryable : true,
      );
    }
  }

  async function query<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (error instanceof TelemetryError) throw error;
      throw new TelemetryError(`${W} ${what} failed on ${backend.describe()}: ${asError(error).message}`, {
        cause: error,
      });
    }
  }

  const traceReader = new TraceReader(backend, m, tbc, newestCopies);

  const adapter: TelemetryAdapter = {
    type: 'influxdb',
    async init() {
      try {
        await backend.init();
      } catch (error) {
        throw new TelemetryError(`${W} could not start on ${backend.describe()}: ${asError(error).message}`, {
          cause: error,
        });
      }
      const days = [retention.traces, retention.metrics, retention.logs];
      // One policy (or bucket) holds all three signals, so it keeps the longest; retention() trims the shorter ones.
      const longest = days.includes(0) ? 0 : Math.max(...days);
      if (!r.manageRetention) {
        try {
          const created = await backend.ensureRetentionPolicy(longest);
          if (created) context.logger?.info(`${W} ${created}`);
        } catch (error) {
          throw new TelemetryError(
            `${W} retention_policy: the policy named in the config does not exist on ${backend.describe()} and could not be created (create it, or set manage_retention = true): ${asError(error).message}`,
            { cause: error },
          );
        }
      }
      if (r.manageRetention) {
        try {
          context.logger?.info(`${W} ${await backend.manageRetention(longest)}`);
        } catch (error) {
          context.logger?.warn(`${W} manage_retention: could not set server-side retention: ${asError(error).message}`);
        }
      } else if (days.some((d) => d > 0)) {
        let server = 'unknown';
        try {
          server = await backend.describeRetention();
        } catch (error) {
          server = `could not be read (${asError(error).message})`;
        }
        context.logger?.info(
          `${W} retention_days is applied by the retention sweep (DELETE of older points); server-side retention is the server's business (manage_retention = false): ${server}`,
        );
      }
    },
    async retention(nowNano): Promise<RetentionResult> {
      const result: RetentionResult = {};
      const run = async (
        signal: 'traces' | 'metrics' | 'logs',
        measurement: string,
        countField: string,
        slotted: boolean,
        counted = true,
      ) => {
        const cutoff = retentionCutoff(nowNano, retention[signal]);
        if (cutoff === undefined || !signals.has(signal)) return;
        // Span and log point times carry a discriminator in their sub-second digits, so whole seconds before the
        // cutoff's second are removed; the rest of that second goes at the next sweep.
        const before = slotted ? slottedWindow(cutoff, undefined).from! : cutoff;
        const n = await query(`retention of ${signal}`, () => backend.deleteBefore(measurement, countField, before));
        if (n !== undefined && counted) result[signal] = n;
      };
      await run('traces', m.spans, 'span_id', true);
      // After the spans: a bounds point goes only with every span it points to (schema.ts traceBoundsLines).
      await run('traces', m.traceBounds, 'first_ns', true, false);
      await run('metrics', m.metrics, 'start_ns', false);
      await run('logs', m.logs, 'seq', true);
      return result;
    },
    async health() {
      const p = await backend.ping();
      return p.ok
        ? { ok: true, message: backend.describe(), details: { api: backend.api, version: p.version } }
        : { ok: false, message: `${W} ${p.message ?? 'unreachable'}` };
    },
    async close() {
      await backend.close();
    },
  };

  if (signals.has('traces')) {
    adapter.traces = {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['service', 'name', 'duration', 'status', 'time'],
        paging: true,
      },
      async write(spans) {
        // One stamp per span, so of two copies of a span in one batch the later one is the newest (last write wins),
        // and one store sequence per point, so no two points share a time (schema.ts spanPointTime).
        return writeLines(spans.length, 'spans', () => [
          ...spans.map((s) => spanLine(lp, s, tbc, nextSeq(), nextPointSeq())),
          ...traceBoundsLines(lp, spans),
        ]);
      },
      async findTraces(q: NormalizedTraceQuery): Promise<Page<TraceSummary>> {
        return query('findTraces', () =>
          findTracesKeyset(
            backend,
            m,
            q,
            (ids) => traceReader.summarySpans(ids, q.attributes.length > 0),
            newestCopies,
          ),
        );
      },
      async getTrace(traceId) {
        return query('getTrace', async () => (await traceReader.spans([traceId])).get(traceId) ?? null);
      },
      async listServices() {
        return query('listServices', async () =>
          (await backend.tagValues(m.spans, 'service')).map(decodeTagValue).sort(),
        );
      },
      async listOperations(service) {
        return query('listOperations', async () =>
          [
            ...new Set(
              (await backend.tagValues(m.spans, 'name', { service: encodeTagValue(service) })).map(decodeTagValue),
            ),
          ].sort(),
        );
      },
    };
  }

  if (signals.has('metrics')) {
    adapter.metrics = {
      capabilities: {
        aggregations: ALL_AGGREGATIONS,
        attributeOperators: ATTRIBUTE_OPERATORS,
        groupBy: true,
        // Series are built by the reference's seriesFromPoints from whole points, resources included.
        groupByResource: true,
        exemplars: true,
        instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
      },
      async write(points) {
        return writeLines(points.length, 'metric points', () => points.map((p) => metricLine(lp, p)));
      },
      async queryMetrics(q: NormalizedMetricQuery) {
        return query('queryMetrics', async () => {
          const spec: SelectSpec = {
            measurement: m.metrics,
            from: q.start,
            to: q.end,
            tags: { metric: encodeTagValue(q.name) },
          };
          if (q.service !== undefined) spec.tags!.service = encodeTagValue(q.service);
          const points = (await backend.select(spec)).map(metricFromRow).filter((p) => pointMatches(p, q));
          return seriesFromPoints(points, q);
        });
      },
      async readPoints(q) {
        return query('readPoints', () => readRawPoints(backend, m.metrics, q));
      },
      async listMetrics() {
        return query('listMetrics', async () => {
          // First descriptor per (metric, type) series group; the oldest wins per metric, as the reference's first point.
          const firsts = await backend.firstByTag(m.metrics, 'descriptor', ['metric', 'type']);
          const byName = new Map<string, { time: bigint; d: MetricDescriptor }>();
          for (const f of firsts) {
            const name = decodeTagValue(f.tags.metric ?? '');
            const seen = byName.get(name);
            if (seen && seen.time <= f.time) continue;
            byName.set(name, {
              time: f.time,
              d: { name, ...descriptorOf(f.value as string), type: f.tags.type as MetricDescriptor['type'] },
            });
          }
          const out = [...byName.values()].map((x) => x.d);
          return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        });
      },
    };
  }

  if (signals.has('logs')) {
    adapter.logs = {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
        paging: true,
        // The text filter runs in JavaScript on decoded rows (paged-reads.ts): the reference semantics exactly.
        ignoreCase: 'unicode',
      },
      async write(records) {
        return writeLines(records.length, 'log records', () => records.map((rec) => logLine(lp, rec, nextPointSeq())));
      },
      async queryLogs(q: NormalizedLogQuery): Promise<Page<LogRecord>> {
        return query('queryLogs', () => queryLogsKeyset(backend, m, q));
      },
    };
  }
  return adapter;
}
