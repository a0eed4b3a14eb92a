/**
 * Metrics derived from spans as they end, in-process, with no store reads (`derive_span_metrics`, default on):
 *
 * - the Rohas reference handler metrics (`handler.execution.count` / `.duration` / `.errors` / `.success`) through
 *   {@link createHandlerMetrics}, one execution per server or consumer span: `handler_name` is `http.route` (or
 *   `messaging.destination.name` for a consumer) when the instrumentation set it, else the span name;
 *   `handler_type` is `api` for a server span and `event` for a consumer span; `status` is `error` when the span's
 *   status is ERROR.
 * - per-service request, error and duration series in the shape of the OpenTelemetry Collector's spanmetrics
 *   connector (`connector/spanmetricsconnector` in opentelemetry-collector-contrib), which Jaeger's Service
 *   Performance Monitoring reads: `traces.span.metrics.calls` (counter) and `traces.span.metrics.duration`
 *   (histogram, ms) with `service.name`, `span.name`, `span.kind` and `status.code` attributes (values as the
 *   connector writes them: `SPAN_KIND_SERVER`, `STATUS_CODE_ERROR`). Error rate = calls with
 *   `status.code = STATUS_CODE_ERROR` / calls; p50/p99 from the duration histogram.
 */
import {
  type Attributes,
  type Counter,
  type Histogram,
  type Meter,
  SpanKind,
  SpanStatusCode,
} from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createHandlerMetrics, type HandlerMetrics } from './handler-metrics.js';

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

/** The handler name of an entry span: its route or destination when the instrumentation gives one, else its name. */
export function handlerNameOf(span: ReadableSpan): string {
  const a = span.attributes;
  const route = a['http.route'] ?? (span.kind === SpanKind.CONSUMER ? a['messaging.destination.name'] : undefined);
  return typeof route === 'string' && route !== '' ? route : span.name;
}

/**
 * A span processor that records the derived metrics on a Meter. The Meter comes after construction ({@link bind}),
 * because the tracer provider that owns this processor is built before the meter provider.
 */
export class SpanMetricsProcessor implements SpanProcessor {
  private handlers: HandlerMetrics | undefined;
  private calls: Counter | undefined;
  private duration: Histogram | undefined;

  constructor(private readonly serviceName: string) {}

  /** Creates the instruments on `meter`; spans ending before this are not counted. */
  bind(meter: Meter): this {
    this.handlers = createHandlerMetrics(meter, { systemMetrics: false });
    this.calls = meter.createCounter('traces.span.metrics.calls', {
      description: 'Server and consumer spans ended, per service, operation and status (spanmetrics connector shape)',
      unit: '{call}',
    });
    this.duration = meter.createHistogram('traces.span.metrics.duration', {
      description: 'Duration of server and consumer spans, per service, operation and status',
      unit: 'ms',
      advice: { explicitBucketBoundaries: SPAN_METRICS_BUCKETS_MS },
    });
    return this;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if (span.kind !== SpanKind.SERVER && span.kind !== SpanKind.CONSUMER) return;
    if (!this.handlers) return;
    const ms = span.duration[0] * 1e3 + span.duration[1] / 1e6;
    const failed = span.status.code === SpanStatusCode.ERROR;
    const serviceName = span.resource.attributes['service.name'] ?? this.serviceName;
    this.handlers.recordExecution(
      {
        handlerName: handlerNameOf(span),
        handlerType: span.kind === SpanKind.SERVER ? 'api' : 'event',
        language: 'typescript',
      },
      ms,
      failed ? 'error' : 'success',
    );
    const attrs: Attributes = {
      'service.name': String(serviceName),
      'span.name': span.name,
      'span.kind': KIND_NAMES[span.kind]!,
      'status.code': STATUS_NAMES[span.status.code]!,
    };
    this.calls!.add(1, attrs);
    this.duration!.record(ms, attrs);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    this.handlers?.close();
    return Promise.resolve();
  }
}
