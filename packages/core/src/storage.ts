import { resolve } from 'node:path';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { compareSpans } from './adapter/reference.js';
import { SDK_CONFIG_KEYS } from './env-spec.js';
import { asError, QueryError, TelemetryError, where } from './errors.js';
import { logFromReadable, spanFromReadable } from './otel-convert.js';
import {
  normalizeLogQuery,
  normalizeMetricQuery,
  normalizeRawPointQuery,
  normalizeTraceQuery,
} from './query-support.js';
import { resolveAdapterFactory } from './registry.js';
import type {
  BackendConfig,
  DiagnosticLogger,
  HealthStatus,
  LogRecord,
  MetricPoint,
  RetentionResult,
  SignalRetention,
  SpanRecord,
  TelemetryAdapter,
  TelemetryConfig,
  TelemetryQuery,
} from './types.js';
import { untracedAdapter } from './untraced.js';
import {
  type CheckedItems,
  checkItems,
  checkLogRecord,
  checkMetricPoint,
  checkSpan,
  type ItemProblem,
} from './validate.js';
import { type CommitResult, Refused, WriteQueue, type WriteQueueStats } from './write-queue.js';

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: Signal[] = ['traces', 'metrics', 'logs'];

/** What an ingest call did. Ingest never throws and never blocks. */
export interface IngestResult {
  accepted: number;
  /** Items refused: unstorable values (see `messages`) plus, with `reason`, items the queue or config refused. */
  rejected: number;
  /** Why items were refused: the queue is full (retry later), the signal is off, or the backend stores no such data. */
  reason?: 'queue_full' | 'signal_disabled' | 'not_stored';
  retryAfterMs?: number;
  /** One message per reason an item was refused as unstorable, naming the field (e.g. `span field name: ...`). */
  messages?: string[];
  /** With `waitForCommit`: settles when every accepted item is committed, refused by the backend or dropped. */
  committed?: Promise<CommitResult>;
}

export interface IngestOptions {
  /** Refuse new items when the queue is full (a remote client can retry) instead of dropping the oldest. */
  rejectWhenFull?: boolean;
  /** Return a `committed` promise that settles once the batch holding these items is written (group commit). */
  waitForCommit?: boolean;
}

/** What the span queue takes: records from a receiver or exporter, or the SDK's ended spans (converted in the writer). */
export type SpanInput = SpanRecord | ReadableSpan;
/** What the log queue takes: records, or the SDK's emitted log records. */
export type LogInput = LogRecord | ReadableLogRecord;

/** How long writes may fail (backing off) before health() reports not ok, ms. */
export const HEALTH_FAILING_MS = 10_000;

/** Configured storage: queues in front of the adapters and the query API over them. */
export interface TelemetryStorage {
  readonly config: TelemetryConfig;
  readonly query: TelemetryQuery;
  /** Adapter type storing each signal, or `undefined` when the signal is off or not stored. */
  readonly backends: Record<Signal, string | undefined>;
  /**
   * Queues spans. Records are checked at once (unstorable ones refused per item, see `messages`); the SDK's ended
   * spans are converted and checked in the writer, off the hot path.
   */
  ingestSpans(spans: SpanInput[], options?: IngestOptions): IngestResult;
  ingestMetrics(points: MetricPoint[], options?: IngestOptions): IngestResult;
  ingestLogs(records: LogInput[], options?: IngestOptions): IngestResult;
  stats(): Record<Signal, WriteQueueStats | undefined>;
  health(): Promise<HealthStatus & { signals: Record<string, string> }>;
  runRetention(nowNano?: bigint): Promise<RetentionResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
  /** The adapters in use, each initialised once (for tools such as `migrate` and `copy`). */
  readonly adapters: ReadonlyArray<TelemetryAdapter>;
  /** The adapter storing a signal, if any. */
  adapterFor(signal: Signal): TelemetryAdapter | undefined;
}

export interface OpenStorageOptions {
  logger?: DiagnosticLogger;
  /** How long writes may fail (backing off) before health() reports not ok, ms; default {@link HEALTH_FAILING_MS}. */
  healthFailingMs?: number;
}

/** Diagnostics go to stderr, always: stdout belongs to the application's (or the CLI's) data. */
export const consoleLogger: DiagnosticLogger = {
  debug: () => {},
  info: (m) => console.error(m),
  warn: (m) => console.error(m),
  error: (m) => console.error(m),
};

/** Keys of [telemetry] that configure the core itself rather than a backend. */
const CORE_KEYS = new Set([
  'max_cache_size',
  'enable_traces',
  'enable_metrics',
  'enable_logs',
  'service_name',
  'resource_attributes',
  'sampling_ratio',
  'metric_export_interval_ms',
  'max_series_per_metric',
  'retention_interval_ms',
  'batch',
  'traces',
  'metrics',
  'logs',
  'server',
  'source',
  'baseDir',
  ...SDK_CONFIG_KEYS,
]);

interface SignalBackend {
  enabled: boolean;
  options: BackendConfig;
  retentionDays: number;
}

/** Resolves the backend of one signal: its own [telemetry.<signal>] section over the top-level keys. */
export function backendFor(config: TelemetryConfig, signal: Signal): SignalBackend {
  const own = { ...(config[signal] ?? {}) } as Record<string, unknown>;
  const enabled = (own.enabled as boolean | undefined) ?? config[`enable_${signal}`];
  delete own.enabled;
  const base: Record<string, unknown> = {};
  // A section that names another type starts clean: the top-level keys belong to the other backend.
  if (own.type === undefined || own.type === config.type) {
    for (const [k, v] of Object.entries(config)) if (!CORE_KEYS.has(k)) base[k] = v;
  }
  const options = { ...base, ...own } as BackendConfig;
  if (!options.type) options.type = config.type;
  const retentionDays = (own.retention_days as number | undefined) ?? config.retention_days;
  delete options.retention_days;
  return { enabled, options, retentionDays };
}

/** Makes init and close happen once, however often and concurrently they are called. */
class AdapterRuntime {
  private initPromise: Promise<void> | undefined;
  private closePromise: Promise<void> | undefined;
  constructor(readonly adapter: TelemetryAdapter) {}
  init(): Promise<void> {
    this.initPromise ??= this.adapter.init().catch((error) => {
      throw new TelemetryError(`${where(this.adapter.type)} init failed: ${asError(error).message}`, { cause: error });
    });
    return this.initPromise;
  }
  close(): Promise<void> {
    this.closePromise ??= (this.initPromise ?? Promise.resolve()).catch(() => {}).then(() => this.adapter.close());
    return this.closePromise;
  }
}

/**
 * How long a trace read from the store is served from the cache without asking the store again, ms. Another process
 * writing the same store (two servers, or an app and a server, on one SQLite file) may add spans this process never
 * sees, so a cached trace is trusted only this long: a repeated read within it costs nothing, a later one re-reads.
 */
export const TRACE_CACHE_TTL_MS = 1000;

/** The last `max` traces read or written, for fast repeated getTrace calls. */
class TraceCache {
  private readonly entries = new Map<string, { spans: Map<string, SpanRecord>; verified: boolean; at: number }>();
  constructor(private readonly max: number) {}
  get(traceId: string) {
    const e = this.entries.get(traceId);
    if (e?.verified && Date.now() - e.at > TRACE_CACHE_TTL_MS) e.verified = false;
    if (e) {
      this.entries.delete(traceId);
      this.entries.set(traceId, e);
    }
    return e;
  }
  /** A trace first seen through writes is unverified: the store may hold spans this process never saw. */
  add(spans: SpanRecord[]): void {
    if (this.max === 0) return;
    for (const s of spans) {
      let e = this.entries.get(s.traceId);
      if (!e) {
        e = { spans: new Map(), verified: false, at: 0 };
        this.entries.set(s.traceId, e);
        this.evict();
      }
      e.spans.set(s.spanId, s);
    }
  }
  setVerified(traceId: string, spans: SpanRecord[]): void {
    if (this.max === 0) return;
    const e = this.entries.get(traceId) ?? { spans: new Map<string, SpanRecord>(), verified: true, at: 0 };
    for (const s of spans) e.spans.set(s.spanId, s);
    e.verified = true;
    e.at = Date.now();
    this.entries.delete(traceId);
    this.entries.set(traceId, e);
    this.evict();
  }
  clear(): void {
    this.entries.clear();
  }
  private evict(): void {
    while (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The SDK's objects have methods or hrtime tuples; the records have bigint times. */
function isReadableSpan(item: SpanInput): item is ReadableSpan {
  return typeof (item as ReadableSpan).spanContext === 'function';
}
function isReadableLog(item: LogInput): item is ReadableLogRecord {
  return typeof (item as LogRecord).timeUnixNano !== 'bigint';
}

/** A converter for the writer: SDK objects become records and are checked; records were checked at the door. */
function converter<I, R>(
  isSdk: (item: I) => boolean,
  convert: (item: never) => R,
  check: (record: R) => ItemProblem | undefined,
): (item: I) => R | Refused {
  return (item) => {
    if (!isSdk(item)) return item as unknown as R;
    const record = convert(item as never);
    const problem = check(record);
    return problem ? new Refused(problem) : record;
  };
}

/**
 * Opens the configured backends: one adapter per distinct backend (signals routed to the same backend share it),
 * each initialised once, behind bounded write queues, with the query API and retention sweep on top.
 */
export async function openStorage(
  config: TelemetryConfig,
  options: OpenStorageOptions = {},
): Promise<TelemetryStorage> {
  const logger = options.logger ?? consoleLogger;
  const baseDir = config.baseDir ?? process.cwd();
  const bySignal = Object.fromEntries(SIGNALS.map((s) => [s, backendFor(config, s)])) as Record<Signal, SignalBackend>;

  // Group enabled signals by identical backend options.
  const groups = new Map<string, { options: BackendConfig; signals: Signal[] }>();
  for (const signal of SIGNALS) {
    const b = bySignal[signal];
    if (!b.enabled) continue;
    const key = JSON.stringify(b.options);
    const g = groups.get(key) ?? { options: b.options, signals: [] };
    g.signals.push(signal);
    groups.set(key, g);
  }

  const runtimes: AdapterRuntime[] = [];
  const owner: Partial<Record<Signal, AdapterRuntime>> = {};
  try {
    for (const g of groups.values()) {
      const factory = await resolveAdapterFactory(g.options.type);
      const retention: SignalRetention = {
        traces: bySignal.traces.retentionDays,
        metrics: bySignal.metrics.retentionDays,
        logs: bySignal.logs.retentionDays,
      };
      const adapter = await factory({
        options: g.options,
        retention,
        signals: g.signals,
        logger,
        baseDir: resolve(baseDir),
      });
      const runtime = new AdapterRuntime(untracedAdapter(adapter));
      await runtime.init();
      runtimes.push(runtime);
      for (const s of g.signals) owner[s] = runtime;
    }
  } catch (error) {
    await Promise.allSettled(runtimes.map((r) => r.close()));
    throw error;
  }

  const backends = {} as Record<Signal, string | undefined>;
  for (const signal of SIGNALS) {
    const rt = owner[signal];
    if (!bySignal[signal].enabled) {
      backends[signal] = undefined;
      continue;
    }
    const a = rt!.adapter;
    const stores = signal === 'metrics' ? Boolean(a.metrics || a.metricsPull) : Boolean(a[signal]);
    backends[signal] = stores ? a.type : undefined;
    if (!stores) {
      logger.warn(
        `${where()} type = "${a.type}" stores no ${signal}; ${signal} are not stored. Route them to another backend with [telemetry.${signal}] type = "sqlite" (or another type), or set enable_${signal} = false.`,
      );
    } else {
      logger.debug(`${where()} ${signal} -> ${a.type}`);
    }
  }

  const cache = new TraceCache(config.max_cache_size);
  const queues: Partial<Record<Signal, WriteQueue<unknown, unknown>>> = {};
  const traceAdapter = owner.traces?.adapter.traces;
  if (bySignal.traces.enabled && traceAdapter) {
    queues.traces = new WriteQueue<SpanInput, SpanRecord>(
      'traces',
      (b) => traceAdapter.write(b),
      converter(isReadableSpan, spanFromReadable, checkSpan),
      config.batch,
      logger,
      (written) => cache.add(written),
    ) as WriteQueue<unknown, unknown>;
  }
  const metricAdapter = owner.metrics?.adapter.metrics;
  if (bySignal.metrics.enabled && metricAdapter) {
    queues.metrics = new WriteQueue<MetricPoint, MetricPoint>(
      'metrics',
      (b) => metricAdapter.write(b),
      undefined,
      config.batch,
      logger,
    ) as WriteQueue<unknown, unknown>;
  }
  const logAdapter = owner.logs?.adapter.logs;
  if (bySignal.logs.enabled && logAdapter) {
    queues.logs = new WriteQueue<LogInput, LogRecord>(
      'logs',
      (b) => logAdapter.write(b),
      converter(isReadableLog, logFromReadable, checkLogRecord),
      config.batch,
      logger,
    ) as WriteQueue<unknown, unknown>;
  }

  /** Checks records at the door; SDK objects pass through to be checked after conversion in the writer. */
  const doorChecks: Record<Signal, (items: unknown[]) => CheckedItems<unknown>> = {
    traces: (items) =>
      checkItems(
        items as SpanInput[],
        (s) => (isReadableSpan(s) ? undefined : checkSpan(s)),
        'span',
      ) as CheckedItems<unknown>,
    metrics: (items) => checkItems(items as MetricPoint[], checkMetricPoint, 'metric point') as CheckedItems<unknown>,
    logs: (items) =>
      checkItems(
        items as LogInput[],
        (l) => (isReadableLog(l) ? undefined : checkLogRecord(l)),
        'log record',
      ) as CheckedItems<unknown>,
  };

  function ingest(signal: Signal, items: unknown[], opts?: IngestOptions): IngestResult {
    const q = queues[signal];
    if (!q) {
      return {
        accepted: 0,
        rejected: items.length,
        reason: bySignal[signal].enabled ? 'not_stored' : 'signal_disabled',
      };
    }
    const checked = doorChecks[signal](items);
    if (checked.rejected > 0) {
      for (const [reason, count] of Object.entries(checked.byReason))
        q.refuse(reason, count, checked.messages.join('; '));
    }
    const pushed = q.push(checked.good, opts);
    if (checked.rejected === 0) return pushed;
    return { ...pushed, rejected: pushed.rejected + checked.rejected, messages: checked.messages };
  }

  const missing = (signal: Signal): never => {
    const why = bySignal[signal].enabled
      ? `type = "${owner[signal]?.adapter.type}" stores no ${signal}`
      : `${signal} are disabled`;
    throw new QueryError(`${where('query')} cannot query ${signal}: ${why}`, signal);
  };

  const query: TelemetryQuery = {
    async findTraces(q = {}) {
      const store = traceAdapter ?? missing('traces');
      return store.findTraces(normalizeTraceQuery(q, store.capabilities));
    },
    async getTrace(traceId) {
      const store = traceAdapter ?? missing('traces');
      if (typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId)) {
        throw new QueryError(`${where('query')} traceId must be 32 lowercase hex characters`, 'traceId');
      }
      const cached = cache.get(traceId);
      if (cached?.verified) return [...cached.spans.values()].sort(compareSpans);
      const stored = await store.getTrace(traceId);
      if (!stored && !cached) return null;
      cache.setVerified(traceId, stored ?? []);
      return [...cache.get(traceId)!.spans.values()].sort(compareSpans);
    },
    async listServices() {
      return (traceAdapter ?? missing('traces')).listServices();
    },
    async listOperations(service) {
      return (traceAdapter ?? missing('traces')).listOperations(service);
    },
    async listMetrics() {
      const a = owner.metrics?.adapter;
      if (a?.metrics) return a.metrics.listMetrics();
      if (a?.metricsPull?.listMetrics) return a.metricsPull.listMetrics();
      return missing('metrics');
    },
    async queryMetrics(q) {
      const a = owner.metrics?.adapter;
      if (a?.metrics) return a.metrics.queryMetrics(normalizeMetricQuery(q, a.metrics.capabilities));
      if (a?.metricsPull?.queryMetrics)
        return a.metricsPull.queryMetrics(normalizeMetricQuery(q, a.metricsPull.capabilities));
      if (a?.metricsPull) {
        throw new QueryError(
          `${where('query')} metrics go to a pull endpoint; set endpoint = "<Prometheus server URL>" to query them back`,
          'metrics',
        );
      }
      return missing('metrics');
    },
    async readPoints(q = {}) {
      const a = owner.metrics?.adapter;
      if (a?.metrics?.readPoints) return a.metrics.readPoints(normalizeRawPointQuery(q, a.metrics.capabilities));
      if (a?.metrics || a?.metricsPull) {
        throw new QueryError(
          `${where('query')} type = "${a.type}" cannot read back raw metric points (its metric store has no readPoints)`,
          'metrics',
        );
      }
      return missing('metrics');
    },
    async queryLogs(q = {}) {
      const store = logAdapter ?? missing('logs');
      return store.queryLogs(normalizeLogQuery(q, store.capabilities));
    },
  };

  const nowNano = () => BigInt(Date.now()) * 1_000_000n;
  let closing = false;
  async function runRetention(now = nowNano()): Promise<RetentionResult> {
    const total: RetentionResult = {};
    if (closing) return total;
    for (const rt of runtimes) {
      try {
        const r = await rt.adapter.retention(now);
        for (const s of SIGNALS) if (r[s] !== undefined) total[s] = (total[s] ?? 0) + r[s]!;
      } catch (error) {
        logger.error(`${where(rt.adapter.type)} retention sweep failed: ${asError(error).message}`);
      }
    }
    if (total.traces) cache.clear();
    return total;
  }
  let retentionTimer: NodeJS.Timeout | undefined;
  const anyRetention = SIGNALS.some((s) => bySignal[s].enabled && bySignal[s].retentionDays > 0);
  if (config.retention_interval_ms > 0 && anyRetention) {
    retentionTimer = setInterval(() => void runRetention(), config.retention_interval_ms);
    retentionTimer.unref?.();
    const first = setTimeout(() => void runRetention(), 1000);
    first.unref?.();
  }

  let shutdownPromise: Promise<void> | undefined;
  return {
    config,
    query,
    backends,
    adapters: runtimes.map((r) => r.adapter),
    adapterFor: (signal) => owner[signal]?.adapter,
    ingestSpans: (spans, opts) => ingest('traces', spans, opts),
    ingestMetrics: (points, opts) => ingest('metrics', points, opts),
    ingestLogs: (records, opts) => ingest('logs', records, opts),
    stats: () =>
      Object.fromEntries(SIGNALS.map((s) => [s, queues[s] ? { ...queues[s]!.stats } : undefined])) as Record<
        Signal,
        WriteQueueStats | undefined
      >,
    async health() {
      const results = await Promise.all(
        runtimes.map(async (rt) => {
          try {
            return await rt.adapter.health();
          } catch (error) {
            return { ok: false, message: `${rt.adapter.type}: ${asError(error).message}` };
          }
        }),
      );
      const signals: Record<string, string> = {};
      for (const s of SIGNALS) signals[s] = backends[s] ?? (bySignal[s].enabled ? 'not stored' : 'disabled');
      // Writes failing (backing off) for longer than the threshold make the store unhealthy even if it answers pings.
      const now = Date.now();
      const failing: string[] = [];
      for (const s of SIGNALS) {
        const st = queues[s]?.stats;
        if (st?.failingSince !== undefined && now - st.failingSince >= (options.healthFailingMs ?? HEALTH_FAILING_MS)) {
          failing.push(
            `${s} writes failing for ${Math.round((now - st.failingSince) / 1000)} s (${st.queued} queued): ${st.lastError ?? 'unknown error'}`,
          );
        }
        if (st?.corruption) failing.push(`${s}: the store reports corruption: ${st.corruption}`);
      }
      return {
        ok: results.every((r) => r.ok) && failing.length === 0,
        message: [...results.map((r) => r.message), ...failing].join('; ') || 'no backend',
        signals,
        details: { backends: results },
      };
    },
    runRetention,
    async forceFlush() {
      await Promise.all(Object.values(queues).map((q) => q!.flush()));
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        closing = true;
        if (retentionTimer) clearInterval(retentionTimer);
        await Promise.all(Object.values(queues).map((q) => q!.close()));
        await Promise.allSettled(runtimes.map((r) => r.close()));
      })();
      return shutdownPromise;
    },
  };
}
