/**
 * Metrics derived from spans as they end, in-process, with no store reads (`derive_span_metrics`, default on):
 *
 * - the Rohas reference handler metrics (`handler.execution.count` / `.duration` / `.errors` / `.success`, the same
 *   instruments {@link createHandlerMetrics} makes), one execution per server or consumer span: `handler_name` is
 *   `http.route` (or `messaging.destination.name` for a consumer) when the instrumentation set it, else the span
 *   name; `handler_type` is `api` for a server span and `event` for a consumer span; `status` is `error` when the
 *   span's status is ERROR.
 * - per-service request, error and duration series in the shape of the OpenTelemetry Collector's spanmetrics
 *   connector (`connector/spanmetricsconnector` in opentelemetry-collector-contrib), which Jaeger's Service
 *   Performance Monitoring reads: `traces.span.metrics.calls` (counter) and `traces.span.metrics.duration`
 *   (histogram, ms) with `service.name`, `span.name`, `span.kind` and `status.code` attributes (values as the
 *   connector writes them: `SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`). Error rate = calls with
 *   `status.code = STATUS_CODE_ERROR` / calls; p50/p99 from the duration histogram.
 *
 * Cost: this runs in `onEnd` of every entry span, on the app's hot path. A synchronous SDK instrument hashes its
 * attribute set on every recording (sorted keys, JSON.stringify), which made five recordings a span the largest part
 * of the processor's cost. So the counts live here, in two maps keyed by a cheap string, and reach the SDK through
 * observable counters read at collection time. The two duration histograms: with `histograms: 'producer'` (what
 * createTelemetry picks when every metric reader is one it built) they are kept here too, per series
 * (in-process-histogram.ts), and reported by {@link SpanMetricsProcessor.producer}, a MetricProducer the reader
 * collects; otherwise (`'sdk'`, the default: readers we do not build, e.g. an adapter's pull endpoint, could not
 * see a producer) they are SDK histograms recorded per span with an attribute object made once per series. Both
 * report the same names, units, bounds, attributes and cumulative data. The maps are bounded like the SDK's own
 * series (`maxSeries`, the config's `max_series_per_metric`): further series fold into one with
 * `otel.metric.overflow = true`, as the SDK does.
 */
import {
  type Attributes,
  type BatchObservableResult,
  type Histogram,
  type Meter,
  type ObservableCounter,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { MetricProducer } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { DEFAULT_DURATION_BUCKETS_MS } from './handler-metrics.js';
import {
  type HistogramDescriptor,
  type HistogramSeriesState,
  histogramData,
  histogramProducer,
  newSeriesState,
  recordInto,
} from './in-process-histogram.js';

/** The spanmetrics connector's default histogram bounds, ms (2 ms .. 15 s). */
export const SPAN_METRICS_BUCKETS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000];

const KIND_NAMES: Record<number, string> = {
  [SpanKind.INTERNAL]: 'SPAN_KIND_INTERNAL',
  [SpanKind.SERVER]: 'SPAN_KIND_SERVER',
  [SpanKind.CLIENT]: 'SPAN_KIND_CLIENT',
  [SpanKind.PRODUCER]: 'SPAN_KIND_PRODUCER',
  [SpanKind.CONSUMER]: 'SPAN_KIND_CONSUMER',
};
const STATUS_NAMES: Record<number, string> = {
  [SpanStatusCode.UNSET]: 'STATUS_CODE_UNSET',
  [SpanStatusCode.OK]: 'STATUS_CODE_OK',
  [SpanStatusCode.ERROR]: 'STATUS_CODE_ERROR',
};
const OVERFLOW: Attributes = Object.freeze({ 'otel.metric.overflow': true });

const HANDLER_DURATION: HistogramDescriptor = {
  name: 'handler.execution.duration',
  description: 'Handler execution time',
  unit: 'ms',
  bounds: DEFAULT_DURATION_BUCKETS_MS,
};
const CALL_DURATION: HistogramDescriptor = {
  name: 'traces.span.metrics.duration',
  description: 'Duration of server and consumer spans, per service, operation and status',
  unit: 'ms',
  bounds: SPAN_METRICS_BUCKETS_MS,
};
/** The instrumentation scope of the derived metrics. */
export const SPAN_METRICS_SCOPE = '@rohas/telemetry/span-metrics';

/** The handler name of an entry span: its route or destination when the instrumentation gives one, else its name. */
export function handlerNameOf(span: ReadableSpan): string {
  const a = span.attributes;
  const route = a['http.route'] ?? (span.kind === SpanKind.CONSUMER ? a['messaging.destination.name'] : undefined);
  return typeof route === 'string' && route !== '' ? route : span.name;
}

/** One handler series: `attrs` carries `status` (count, duration); `base` does not (errors, success). */
interface HandlerSeries {
  attrs: Attributes;
  base: Attributes;
  failed: boolean;
  count: number;
  /** The duration histogram's series, in 'producer' mode. */
  duration?: HistogramSeriesState;
}
/** One spanmetrics-connector series. */
interface CallSeries {
  attrs: Attributes;
  calls: number;
  duration?: HistogramSeriesState;
}

/** Options of {@link SpanMetricsProcessor}. */
export interface SpanMetricsOptions {
  /** Series kept per derived metric before the rest fold into one overflow series; default 2000 (the SDK's). */
  maxSeries?: number;
  /**
   * Where the two duration histograms are kept: `'sdk'` (default) records them on SDK histograms made by
   * {@link SpanMetricsProcessor.bind}; `'producer'` keeps them here and reports them through
   * {@link SpanMetricsProcessor.producer}, which must then be given to every metric reader.
   */
  histograms?: 'sdk' | 'producer';
}

/**
 * A span processor that records the derived metrics on a Meter. The Meter comes after construction ({@link bind}),
 * because the tracer provider that owns this processor is built before the meter provider.
 */
export class SpanMetricsProcessor implements SpanProcessor {
  private readonly handlers = new Map<string, HandlerSeries>();
  private readonly calls = new Map<string, CallSeries>();
  private readonly handlerOverflow: { ok?: HandlerSeries; failed?: HandlerSeries } = {};
  private callOverflow: CallSeries | undefined;
  private readonly maxSeries: number;
  private readonly inProcess: boolean;
  private handlerDuration: Histogram | undefined;
  private callDuration: Histogram | undefined;
  private unbind: (() => void) | undefined;
  private bound = false;
  /** The last span's resource and its service name: one resource serves a whole process. */
  private lastResource: ReadableSpan['resource'] | undefined;
  private lastService = '';

  constructor(
    private readonly serviceName: string,
    options: SpanMetricsOptions = {},
  ) {
    this.maxSeries = Math.max(1, options.maxSeries ?? 2000);
    this.inProcess = options.histograms === 'producer';
  }

  /** The in-process duration histograms ('producer' mode) as a MetricProducer for a metric reader. */
  producer(resource: Resource): MetricProducer {
    return histogramProducer(resource, SPAN_METRICS_SCOPE, () => {
      if (!this.inProcess) return [];
      const now = millisToHrTime(Date.now());
      // The two handler overflow series (ok, failed) share one duration state: one attribute set, one series.
      const handlers = [...this.handlers.values(), this.handlerOverflow.ok ?? this.handlerOverflow.failed];
      const calls = [...this.calls.values(), this.callOverflow];
      return [
        histogramData(
          HANDLER_DURATION,
          handlers.flatMap((h) => (h?.duration ? [h.duration] : [])),
          now,
        ),
        histogramData(
          CALL_DURATION,
          calls.flatMap((c) => (c?.duration ? [c.duration] : [])),
          now,
        ),
      ];
    });
  }

  /** Creates the instruments on `meter`; spans ending before this are not counted. */
  bind(meter: Meter): this {
    this.unbind?.();
    const counter = (name: string, description: string, unit: string): ObservableCounter =>
      meter.createObservableCounter(name, { description, unit });
    const executions = counter('handler.execution.count', 'Handler executions', '{execution}');
    const errors = counter('handler.execution.errors', 'Handler executions that failed', '{execution}');
    const success = counter('handler.execution.success', 'Handler executions that succeeded', '{execution}');
    const calls = counter(
      'traces.span.metrics.calls',
      'Server and consumer spans ended, per service, operation and status (spanmetrics connector shape)',
      '{call}',
    );
    if (!this.inProcess) {
      const histogram = (d: HistogramDescriptor): Histogram =>
        meter.createHistogram(d.name, {
          description: d.description,
          unit: d.unit,
          advice: { explicitBucketBoundaries: [...d.bounds] },
        });
      this.handlerDuration = histogram(HANDLER_DURATION);
      this.callDuration = histogram(CALL_DURATION);
    }
    this.bound = true;
    const observe = (r: BatchObservableResult) => {
      // errors and success drop `status`: two handler series (success, error) of one handler are two attribute sets
      // there only through `status`, so each base set is observed once.
      for (const h of this.handlers.values()) {
        r.observe(executions, h.count, h.attrs);
        r.observe(h.failed ? errors : success, h.count, h.base);
      }
      for (const c of this.calls.values()) r.observe(calls, c.calls, c.attrs);
      // One observation per attribute set and instrument (a second one would replace the first).
      const { ok, failed } = this.handlerOverflow;
      if (ok || failed) r.observe(executions, (ok?.count ?? 0) + (failed?.count ?? 0), OVERFLOW);
      if (ok) r.observe(success, ok.count, OVERFLOW);
      if (failed) r.observe(errors, failed.count, OVERFLOW);
      if (this.callOverflow) r.observe(calls, this.callOverflow.calls, OVERFLOW);
    };
    const observables = [executions, errors, success, calls];
    meter.addBatchObservableCallback(observe, observables);
    this.unbind = () => meter.removeBatchObservableCallback(observe, observables);
    return this;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const kind = span.kind;
    if ((kind !== SpanKind.SERVER && kind !== SpanKind.CONSUMER) || !this.bound) return;
    const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    const code = span.status.code;
    const failed = code === SpanStatusCode.ERROR;
    const handlerName = handlerNameOf(span);

    const hKey = `${kind}\u0000${failed ? 1 : 0}\u0000${handlerName}`;
    let h = this.handlers.get(hKey);
    if (!h) h = this.newHandler(hKey, handlerName, kind, failed);
    h.count++;
    if (h.duration) recordInto(h.duration, HANDLER_DURATION.bounds, ms);
    else this.handlerDuration!.record(ms, h.attrs);

    if (span.resource !== this.lastResource) {
      this.lastResource = span.resource;
      this.lastService = String(span.resource.attributes['service.name'] ?? this.serviceName);
    }
    const cKey = `${kind}\u0000${code}\u0000${this.lastService}\u0000${span.name}`;
    let c = this.calls.get(cKey);
    if (!c) c = this.newCall(cKey, span.name, kind, code);
    c.calls++;
    if (c.duration) recordInto(c.duration, CALL_DURATION.bounds, ms);
    else this.callDuration!.record(ms, c.attrs);
  }

  private newHandler(key: string, handlerName: string, kind: SpanKind, failed: boolean): HandlerSeries {
    if (this.handlers.size >= this.maxSeries - 1) {
      // Past the bound: one overflow series per outcome (errors and success need the split; count sums both).
      const slot = failed ? 'failed' : 'ok';
      const other = this.handlerOverflow[failed ? 'ok' : 'failed'];
      this.handlerOverflow[slot] ??= other?.duration
        ? { attrs: OVERFLOW, base: OVERFLOW, failed, count: 0, duration: other.duration }
        : this.withDuration({ attrs: OVERFLOW, base: OVERFLOW, failed, count: 0 }, HANDLER_DURATION);
      return this.handlerOverflow[slot];
    }
    const base: Attributes = {
      handler_name: handlerName,
      handler_type: kind === SpanKind.SERVER ? 'api' : 'event',
      language: 'typescript',
    };
    const h: HandlerSeries = this.withDuration(
      { attrs: { ...base, status: failed ? 'error' : 'success' }, base, failed, count: 0 },
      HANDLER_DURATION,
    );
    this.handlers.set(key, h);
    return h;
  }

  private newCall(key: string, name: string, kind: SpanKind, code: SpanStatusCode): CallSeries {
    if (this.calls.size >= this.maxSeries - 1) {
      this.callOverflow ??= this.withDuration({ attrs: OVERFLOW, calls: 0 }, CALL_DURATION);
      return this.callOverflow;
    }
    const attrs: Attributes = {
      'service.name': this.lastService,
      'span.name': name,
      'span.kind': KIND_NAMES[kind]!,
      'status.code': STATUS_NAMES[code]!,
    };
    const c: CallSeries = this.withDuration({ attrs, calls: 0 }, CALL_DURATION);
    this.calls.set(key, c);
    return c;
  }

  /** In 'producer' mode a series carries its duration histogram's state (the overflow series share one). */
  private withDuration<S extends HandlerSeries | CallSeries>(series: S, d: HistogramDescriptor): S {
    if (this.inProcess) series.duration = newSeriesState(series.attrs, d.bounds);
    return series;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.unbind?.();
    this.unbind = undefined;
    return Promise.resolve();
  }
}
