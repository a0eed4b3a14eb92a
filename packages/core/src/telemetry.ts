import { context, type Meter, metrics, propagation, type Tracer, trace } from '@opentelemetry/api';
import { type Logger, logs } from '@opentelemetry/api-logs';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode } from '@opentelemetry/core';
import { type Instrumentation, registerInstrumentations } from '@opentelemetry/instrumentation';
import { defaultResource, type Resource, resourceFromAttributes } from '@opentelemetry/resources';
import {
  LoggerProvider,
  type LogRecordExporter,
  type LogRecordProcessor,
  type ReadableLogRecord,
  type SdkLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  MeterProvider,
  type MetricReader,
  PeriodicExportingMetricReader,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  type ReadableSpan,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { where } from './errors.js';
import { logRecordLimitsFor } from './limits.js';
import { logFromReadable, pointsFromResourceMetrics, spanFromReadable } from './otel-convert.js';
import { collectionOf, leveledLogger, propagatorFor, samplerFor, tracerLimitsFor } from './sdk-config.js';
import { SPAN_METRICS_SCOPE, SpanMetricsProcessor } from './span-metrics.js';
import { consoleLogger, type IngestResult, openStorage, type TelemetryStorage } from './storage.js';
import type { DiagnosticLogger, MetricPoint, TelemetryConfig, TelemetryQuery } from './types.js';

const processorFactories = new Map<string, () => SpanProcessor>();
const readerFactories = new Map<string, () => MetricReader>();
const logProcessorFactories = new Map<string, () => LogRecordProcessor>();
const globalInstrumentations: Instrumentation[] = [];

/** Adds a span processor to every TracerProvider createTelemetry builds from now on (NocoBase's `registerProcessor`). */
export function registerProcessor(name: string, factory: () => SpanProcessor): void {
  processorFactories.set(name, factory);
}
/** Adds a metric reader to every MeterProvider createTelemetry builds from now on (NocoBase's `registerReader`). */
export function registerReader(name: string, factory: () => MetricReader): void {
  readerFactories.set(name, factory);
}
/** Adds a log record processor to every LoggerProvider createTelemetry builds from now on. */
export function registerLogProcessor(name: string, factory: () => LogRecordProcessor): void {
  logProcessorFactories.set(name, factory);
}
/** Instrumentations enabled by every createTelemetry call from now on (see also Telemetry.addInstrumentation). */
export function addInstrumentation(...instrumentations: Array<Instrumentation | Instrumentation[]>): void {
  globalInstrumentations.push(...instrumentations.flat());
}

/** Counts spans handed to storage; for benchmarks and health checks that must show exported = created. */
interface Counter {
  count: number;
}

/** What every part handing data to a storage shares: flushing and shutting down flush the storage's queues. */
abstract class StorageBacked {
  constructor(protected readonly storage: TelemetryStorage) {}
  forceFlush(): Promise<void> {
    return this.storage.forceFlush();
  }
  /** The storage outlives this part (it is closed by its owner), so shutting down only flushes. */
  shutdown(): Promise<void> {
    return this.storage.forceFlush();
  }
  /** Runs one export under the exporter contract: never throw, report the outcome through the callback. */
  protected exportWith(resultCallback: (result: ExportResult) => void, ingest: () => IngestResult): void {
    try {
      const r = ingest();
      const failed = r.rejected > 0 && r.reason !== 'not_stored';
      if (!failed) {
        resultCallback({ code: ExportResultCode.SUCCESS });
        return;
      }
      // Unstorable items were refused one by one (the others are queued); say which field, as the receiver does.
      const why = r.reason === 'queue_full' ? 'the write queue is full' : (r.messages ?? []).join('; ');
      resultCallback({
        code: ExportResultCode.FAILED,
        error: new Error(`${where()} ${r.rejected} item(s) not accepted: ${why}`),
      });
    } catch (error) {
      resultCallback({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }
}

/**
 * The span processor createTelemetry installs: every ended span goes into the storage's bounded queue, converted
 * and written in batches off the hot path. Unlike the SDK's BatchSpanProcessor it never drops silently: drops
 * happen only when the queue bound is reached and are counted in `stats()`.
 */
export class StorageSpanProcessor extends StorageBacked implements SpanProcessor {
  readonly ended: Counter = { count: 0 };
  onStart(): void {}
  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & 1) === 0) return;
    this.ended.count++;
    // Raw ReadableSpans are queued; the queue's writer turns them into SpanRecords (and checks them) off the hot path.
    this.storage.ingestSpans([span]);
  }
}

/** Log processor counterpart of {@link StorageSpanProcessor}. */
export class StorageLogProcessor extends StorageBacked implements LogRecordProcessor {
  onEmit(record: SdkLogRecord): void {
    this.storage.ingestLogs([record]);
  }
}

/**
 * A SpanExporter over a storage, for apps that already run a NodeSDK: `new BatchSpanProcessor(new
 * StorageSpanExporter(storage))`. Never throws; reports a failure result when the queue refused the spans.
 */
export class StorageSpanExporter extends StorageBacked implements SpanExporter {
  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.exportWith(resultCallback, () => this.storage.ingestSpans(spans.map(spanFromReadable)));
  }
}

/** A PushMetricExporter over a storage (cumulative temporality), for a PeriodicExportingMetricReader. */
export class StorageMetricExporter extends StorageBacked implements PushMetricExporter {
  private readonly overflowed = new Set<string>();
  constructor(
    storage: TelemetryStorage,
    private readonly logger: DiagnosticLogger = consoleLogger,
  ) {
    super(storage);
  }
  export(metricsData: ResourceMetrics, resultCallback: (result: ExportResult) => void): void {
    this.exportWith(resultCallback, () => {
      const points = pointsFromResourceMetrics(metricsData);
      this.noteOverflow(points);
      return this.storage.ingestMetrics(points);
    });
  }
  private noteOverflow(points: MetricPoint[]): void {
    for (const p of points) {
      if (p.attributes['otel.metric.overflow'] === true && !this.overflowed.has(p.name)) {
        this.overflowed.add(p.name);
        this.logger.warn(
          `${where('metrics')} metric ${p.name} has more attribute sets than max_series_per_metric; the rest are folded into one series with otel.metric.overflow=true. Raise max_series_per_metric or drop high-cardinality attributes.`,
        );
      }
    }
  }
  selectAggregationTemporality(): AggregationTemporality {
    return AggregationTemporality.CUMULATIVE;
  }
}

/** A LogRecordExporter over a storage, for an existing LoggerProvider's batch processor. */
export class StorageLogExporter extends StorageBacked implements LogRecordExporter {
  export(records: ReadableLogRecord[], resultCallback: (result: ExportResult) => void): void {
    this.exportWith(resultCallback, () => this.storage.ingestLogs(records.map(logFromReadable)));
  }
}

export interface CreateTelemetryOptions {
  /** Where rohas-telemetry reports drops, retries and start-up notes; default the console. */
  logger?: DiagnosticLogger;
  /** Register the providers as the global OpenTelemetry providers (and an AsyncLocalStorage context manager). Default true. */
  registerGlobal?: boolean;
  /** Extra span processors, metric readers and log processors for this instance only. */
  spanProcessors?: SpanProcessor[];
  metricReaders?: MetricReader[];
  logProcessors?: LogRecordProcessor[];
  instrumentations?: Instrumentation[];
  /** Extra resource attributes, merged over the config's. */
  resource?: Resource;
}

/** What createTelemetry returns. */
export interface Telemetry {
  readonly config: TelemetryConfig;
  /** A tracer, meter and logger named after the service. */
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly logger: Logger;
  readonly tracerProvider: BasicTracerProvider;
  readonly meterProvider: MeterProvider;
  readonly loggerProvider: LoggerProvider;
  /** Reads what was stored, the same for every backend. */
  readonly query: TelemetryQuery;
  readonly storage: TelemetryStorage;
  readonly resource: Resource;
  /** Queue sizes, written, dropped, failed and retried items per signal, and spans ended. */
  stats(): ReturnType<TelemetryStorage['stats']> & { spansEnded: number };
  /** NocoBase-style access: `telemetry.trace.getTracer(name)`; the name defaults to the service name. */
  readonly trace: { getTracer(name?: string, version?: string): Tracer };
  /** NocoBase-style access: `telemetry.metric.getMeter(name)`; the name defaults to the service name. */
  readonly metric: { getMeter(name?: string, version?: string): Meter };
  /** Enables instrumentations against these providers. */
  addInstrumentation(...instrumentations: Array<Instrumentation | Instrumentation[]>): void;
  /** Writes everything ended so far; resolves when it is stored. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the providers and closes the backends. Nothing already ended is lost unless the backend stays down past `batch.shutdown_timeout_ms`. */
  shutdown(): Promise<void>;
}

/**
 * Builds OpenTelemetry tracer, meter and logger providers whose data goes to the backend(s) the config names,
 * with bounded batching queues, the trace cache, the retention sweep and the query API.
 */
export async function createTelemetry(
  config: TelemetryConfig,
  options: CreateTelemetryOptions = {},
): Promise<Telemetry> {
  // OTEL_SDK_DISABLED collects nothing; OTEL_LOG_LEVEL (log_level) filters the diagnostics (sdk-config.ts).
  config = collectionOf(config);
  const logger = options.logger ?? (config.log_level ? leveledLogger(config.log_level) : consoleLogger);
  const storage = await openStorage(config, { logger });

  let resource = defaultResource().merge(
    resourceFromAttributes({ ...config.resource_attributes, 'service.name': config.service_name }),
  );
  if (options.resource) resource = resource.merge(options.resource);

  const spanProcessor = new StorageSpanProcessor(storage);
  const spanProcessors: SpanProcessor[] = [];
  if (config.enable_traces) spanProcessors.push(spanProcessor);
  spanProcessors.push(...[...processorFactories.values()].map((f) => f()), ...(options.spanProcessors ?? []));
  const metricsAdapter = config.enable_metrics ? storage.adapterFor('metrics') : undefined;
  // The derived duration histograms are kept in-process and reported by a MetricProducer when the one metric reader
  // is the periodic reader built below (the producer is handed to it); any other reader gets SDK histograms.
  const onlyOurReader =
    !metricsAdapter?.metricsPull &&
    !!metricsAdapter?.metrics &&
    readerFactories.size === 0 &&
    !options.metricReaders?.length;
  const derived =
    config.derive_span_metrics === false
      ? undefined
      : new SpanMetricsProcessor(config.service_name, {
          maxSeries: config.max_series_per_metric,
          histograms: onlyOurReader ? 'producer' : 'sdk',
        });
  if (derived) spanProcessors.push(derived);
  const tracerProvider = new BasicTracerProvider({
    resource,
    spanProcessors,
    sampler: samplerFor(config),
    ...tracerLimitsFor(config),
  });

  const readers: MetricReader[] = [];
  if (metricsAdapter) {
    const limit = config.max_series_per_metric;
    if (metricsAdapter?.metricsPull) {
      const noted = new Set<string>();
      readers.push(
        metricsAdapter.metricsPull.createReader({
          cardinalityLimit: limit,
          onOverflow: (name) => {
            if (noted.has(name)) return;
            noted.add(name);
            logger.warn(
              `${where('metrics')} metric ${name} has more attribute sets than max_series_per_metric (${limit}); the rest are folded into one overflow series.`,
            );
          },
        }) as MetricReader,
      );
    } else if (metricsAdapter?.metrics) {
      readers.push(
        new PeriodicExportingMetricReader({
          exporter: new StorageMetricExporter(storage, logger),
          exportIntervalMillis: config.metric_export_interval_ms,
          exportTimeoutMillis: Math.min(30_000, config.metric_export_interval_ms),
          cardinalityLimits: { default: limit },
          ...(onlyOurReader && derived ? { metricProducers: [derived.producer(resource)] } : {}),
        }),
      );
    }
  }
  readers.push(...[...readerFactories.values()].map((f) => f()), ...(options.metricReaders ?? []));
  const meterProvider = new MeterProvider({ resource, readers });
  derived?.bind(meterProvider.getMeter(SPAN_METRICS_SCOPE));

  const logProcessors: LogRecordProcessor[] = [];
  if (config.enable_logs) logProcessors.push(new StorageLogProcessor(storage));
  logProcessors.push(...[...logProcessorFactories.values()].map((f) => f()), ...(options.logProcessors ?? []));
  const loggerProvider = new LoggerProvider({
    resource,
    processors: logProcessors,
    logRecordLimits: logRecordLimitsFor(config),
  });

  const registerGlobal = options.registerGlobal ?? true;
  let contextManager: AsyncLocalStorageContextManager | undefined;
  if (registerGlobal) {
    contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(propagatorFor(config, logger));
    trace.setGlobalTracerProvider(tracerProvider);
    metrics.setGlobalMeterProvider(meterProvider);
    logs.setGlobalLoggerProvider(loggerProvider);
  }

  const disableInstrumentations: Array<() => void> = [];
  const addInstr = (...list: Array<Instrumentation | Instrumentation[]>) => {
    disableInstrumentations.push(
      registerInstrumentations({ instrumentations: list.flat(), tracerProvider, meterProvider, loggerProvider }),
    );
  };
  if (globalInstrumentations.length || options.instrumentations?.length) {
    addInstr([...globalInstrumentations, ...(options.instrumentations ?? [])]);
  }

  const name = config.service_name;
  let shutdownPromise: Promise<void> | undefined;
  return {
    config,
    tracer: tracerProvider.getTracer(name),
    meter: meterProvider.getMeter(name),
    logger: loggerProvider.getLogger(name),
    tracerProvider,
    meterProvider,
    loggerProvider,
    query: storage.query,
    storage,
    resource,
    stats: () => ({ ...storage.stats(), spansEnded: spanProcessor.ended.count }),
    trace: { getTracer: (tracerName = name, version) => tracerProvider.getTracer(tracerName, version) },
    metric: { getMeter: (meterName = name, version) => meterProvider.getMeter(meterName, version) },
    addInstrumentation: addInstr,
    async forceFlush() {
      await tracerProvider.forceFlush();
      await meterProvider.forceFlush();
      await loggerProvider.forceFlush();
      await storage.forceFlush();
    },
    shutdown() {
      shutdownPromise ??= (async () => {
        for (const disable of disableInstrumentations) disable();
        // Providers first: the metric reader's last collection and every ended span reach the queues before they close.
        const results = await Promise.allSettled([
          tracerProvider.shutdown(),
          meterProvider.shutdown(),
          loggerProvider.shutdown(),
        ]);
        for (const r of results)
          if (r.status === 'rejected')
            logger.error(`${where()} provider shutdown failed: ${(r.reason as Error)?.message}`);
        await storage.shutdown();
        if (registerGlobal) {
          trace.disable();
          metrics.disable();
          logs.disable();
          propagation.disable();
          context.disable();
          contextManager?.disable();
        }
      })();
      return shutdownPromise;
    },
  };
}
