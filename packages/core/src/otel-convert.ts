import type { HrTime, Attributes as OtelAttributes } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import {
  AggregationTemporality,
  DataPointType,
  type ExponentialHistogram,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type {
  Attributes,
  AttributeValue,
  InstrumentationScope,
  InstrumentType,
  LogRecord,
  MetricPoint,
  Resource,
  SpanKindValue,
  SpanRecord,
  StatusCodeValue,
} from './types.js';

/** OpenTelemetry's `[seconds, nanoseconds]` as exact bigint nanoseconds. */
export function hrTimeToNano(time: HrTime): bigint {
  return BigInt(time[0]) * 1_000_000_000n + BigInt(time[1]);
}

function copyAttributes(attrs: OtelAttributes | Record<string, unknown> | undefined): Attributes {
  const out: Attributes = {};
  if (!attrs) return out;
  // Called for every attribute of every span on the storing path: own keys without entry arrays, and the common
  // scalar values copied as they are (what anyValue returns for them).
  const keys = Object.keys(attrs);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = (attrs as Record<string, unknown>)[k];
    if (v === undefined) continue;
    out[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : anyValue(v);
  }
  return out;
}

function anyValue(v: unknown): AttributeValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return v;
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(anyValue);
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return copyAttributes(v as Record<string, unknown>);
  return String(v);
}

function resourceOf(resource: { attributes: OtelAttributes; schemaUrl?: string } | undefined): Resource {
  const r: Resource = { attributes: copyAttributes(resource?.attributes) };
  if (resource?.schemaUrl) r.schemaUrl = resource.schemaUrl;
  return r;
}

// Resources and scopes are shared by every span of a provider; converting each once keeps batches cheap.
const resourceCache = new WeakMap<object, Resource>();
function cachedResource(resource: { attributes: OtelAttributes; schemaUrl?: string }): Resource {
  let r = resourceCache.get(resource);
  if (!r) {
    r = resourceOf(resource);
    resourceCache.set(resource, r);
  }
  return r;
}

function scopeOf(scope: {
  name: string;
  version?: string;
  schemaUrl?: string;
  attributes?: OtelAttributes;
}): InstrumentationScope {
  const s: InstrumentationScope = { name: scope.name };
  if (scope.version) s.version = scope.version;
  if (scope.schemaUrl) s.schemaUrl = scope.schemaUrl;
  if (scope.attributes && Object.keys(scope.attributes).length > 0) s.attributes = copyAttributes(scope.attributes);
  return s;
}

const scopeCache = new WeakMap<object, InstrumentationScope>();
function cachedScope(scope: Parameters<typeof scopeOf>[0]): InstrumentationScope {
  let s = scopeCache.get(scope);
  if (!s) {
    s = scopeOf(scope);
    scopeCache.set(scope, s);
  }
  return s;
}

/** Converts a finished SDK span to the lossless record. The API's SpanKind is shifted to the OTLP numbering. */
export function spanFromReadable(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const record: SpanRecord = {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    name: span.name,
    kind: (span.kind + 1) as SpanKindValue,
    startTimeUnixNano: hrTimeToNano(span.startTime),
    endTimeUnixNano: hrTimeToNano(span.endTime),
    status: span.status.message
      ? { code: span.status.code as StatusCodeValue, message: span.status.message }
      : { code: span.status.code as StatusCodeValue },
    attributes: copyAttributes(span.attributes),
    events: span.events.map((e) => ({
      name: e.name,
      timeUnixNano: hrTimeToNano(e.time),
      attributes: copyAttributes(e.attributes),
      ...(e.droppedAttributesCount ? { droppedAttributesCount: e.droppedAttributesCount } : {}),
    })),
    links: span.links.map((l) => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      ...(l.context.traceState ? { traceState: l.context.traceState.serialize() } : {}),
      attributes: copyAttributes(l.attributes),
      ...(l.droppedAttributesCount ? { droppedAttributesCount: l.droppedAttributesCount } : {}),
    })),
    resource: cachedResource(span.resource),
    scope: cachedScope(span.instrumentationScope),
    flags: ctx.traceFlags,
  };
  const parent = span.parentSpanContext?.spanId;
  if (parent) record.parentSpanId = parent;
  if (ctx.traceState) record.traceState = ctx.traceState.serialize();
  if (span.droppedAttributesCount) record.droppedAttributesCount = span.droppedAttributesCount;
  if (span.droppedEventsCount) record.droppedEventsCount = span.droppedEventsCount;
  if (span.droppedLinksCount) record.droppedLinksCount = span.droppedLinksCount;
  return record;
}

function instrumentType(metric: MetricData): InstrumentType {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'up_down_counter';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    case DataPointType.EXPONENTIAL_HISTOGRAM:
      return 'exponential_histogram';
  }
}

/** Flattens one collection of the metrics SDK into one record per data point. */
export function pointsFromResourceMetrics(rm: ResourceMetrics): MetricPoint[] {
  const out: MetricPoint[] = [];
  const resource = resourceOf(rm.resource);
  for (const sm of rm.scopeMetrics) {
    const scope = scopeOf(sm.scope);
    for (const metric of sm.metrics) {
      const type = instrumentType(metric);
      const temporality =
        metric.dataPointType === DataPointType.GAUGE
          ? 'unspecified'
          : metric.aggregationTemporality === AggregationTemporality.DELTA
            ? 'delta'
            : 'cumulative';
      for (const dp of metric.dataPoints) {
        const p: MetricPoint = {
          name: metric.descriptor.name,
          type,
          temporality,
          attributes: copyAttributes(dp.attributes),
          resource,
          scope,
          startTimeUnixNano: hrTimeToNano(dp.startTime),
          timeUnixNano: hrTimeToNano(dp.endTime),
        };
        if (metric.descriptor.description) p.description = metric.descriptor.description;
        if (metric.descriptor.unit) p.unit = metric.descriptor.unit;
        if (metric.dataPointType === DataPointType.SUM) p.isMonotonic = metric.isMonotonic;
        if (metric.dataPointType === DataPointType.HISTOGRAM) {
          const h = dp.value as Histogram;
          p.histogram = { count: h.count, bounds: [...h.buckets.boundaries], counts: [...h.buckets.counts] };
          if (h.sum !== undefined) p.histogram.sum = h.sum;
          if (h.min !== undefined) p.histogram.min = h.min;
          if (h.max !== undefined) p.histogram.max = h.max;
        } else if (metric.dataPointType === DataPointType.EXPONENTIAL_HISTOGRAM) {
          const h = dp.value as ExponentialHistogram;
          p.exponentialHistogram = {
            count: h.count,
            scale: h.scale,
            zeroCount: h.zeroCount,
            positive: { offset: h.positive.offset, bucketCounts: [...h.positive.bucketCounts] },
            negative: { offset: h.negative.offset, bucketCounts: [...h.negative.bucketCounts] },
          };
          if (h.sum !== undefined) p.exponentialHistogram.sum = h.sum;
          if (h.min !== undefined) p.exponentialHistogram.min = h.min;
          if (h.max !== undefined) p.exponentialHistogram.max = h.max;
        } else {
          p.value = dp.value as number;
        }
        out.push(p);
      }
    }
  }
  return out;
}

/** Converts an SDK log record to the lossless record. */
export function logFromReadable(log: ReadableLogRecord): LogRecord {
  const record: LogRecord = {
    timeUnixNano: hrTimeToNano(log.hrTime),
    observedTimeUnixNano: hrTimeToNano(log.hrTimeObserved),
    severityNumber: log.severityNumber ?? 0,
    body: log.body === undefined ? null : anyValue(log.body),
    attributes: copyAttributes(log.attributes as Record<string, unknown>),
    resource: cachedResource(log.resource),
    scope: scopeOf(log.instrumentationScope as Parameters<typeof scopeOf>[0]),
  };
  if (log.severityText) record.severityText = log.severityText;
  if (log.droppedAttributesCount) record.droppedAttributesCount = log.droppedAttributesCount;
  if (log.eventName) record.eventName = log.eventName;
  if (log.spanContext) {
    record.traceId = log.spanContext.traceId;
    record.spanId = log.spanContext.spanId;
    record.flags = log.spanContext.traceFlags;
  }
  return record;
}
