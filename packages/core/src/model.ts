/**
 * The backend-neutral data model of @rohas/telemetry: spans, metric points and log records, lossless.
 *
 * Record fields use the OTLP JSON names. Times are nanoseconds since the Unix epoch as `bigint`, so they
 * round-trip exactly through every backend.
 */

/** A scalar attribute value. `bigint` carries OTLP int64 values outside JavaScript's safe integer range. */
export type AttributeScalar = string | number | boolean | bigint;

/**
 * An attribute value with its OpenTelemetry type kept: scalars, homogeneous arrays as the OTel JS API has them,
 * and (for log bodies and OTLP `kvlistValue`/`bytesValue`) maps, bytes and null.
 */
export type AttributeValue = AttributeScalar | null | Uint8Array | AttributeValue[] | { [key: string]: AttributeValue };

/** Attributes as a plain object of typed values, as in the OpenTelemetry JS API. */
export type Attributes = Record<string, AttributeValue>;

/** The resource that produced the telemetry (`service.name`, `host.name`, ...). */
export interface Resource {
  attributes: Attributes;
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

/** The instrumentation scope (library) that produced the telemetry. */
export interface InstrumentationScope {
  name: string;
  version?: string;
  attributes?: Attributes;
  schemaUrl?: string;
}

/** Span kind with the OTLP numbering (`SPAN_KIND_INTERNAL` = 1 ... `SPAN_KIND_CONSUMER` = 5). */
export const SpanKind = {
  UNSPECIFIED: 0,
  INTERNAL: 1,
  SERVER: 2,
  CLIENT: 3,
  PRODUCER: 4,
  CONSUMER: 5,
} as const;
export type SpanKindValue = (typeof SpanKind)[keyof typeof SpanKind];

/** Status code with the OTLP (and OTel JS API) numbering. */
export const StatusCode = { UNSET: 0, OK: 1, ERROR: 2 } as const;
export type StatusCodeValue = (typeof StatusCode)[keyof typeof StatusCode];

export interface SpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

export interface SpanLink {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  traceState?: string;
  attributes: Attributes;
  droppedAttributesCount?: number;
}

/** One finished span, lossless. */
export interface SpanRecord {
  /** Lowercase hex, 32 characters. */
  traceId: string;
  /** Lowercase hex, 16 characters. */
  spanId: string;
  /** Lowercase hex, 16 characters; absent for a root span. */
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: SpanKindValue;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  status: { code: StatusCodeValue; message?: string };
  attributes: Attributes;
  droppedAttributesCount?: number;
  events: SpanEvent[];
  droppedEventsCount?: number;
  links: SpanLink[];
  droppedLinksCount?: number;
  resource: Resource;
  scope: InstrumentationScope;
  /** W3C trace flags (OTLP `flags`). */
  flags?: number;
}

/** The kind of instrument a metric point came from. */
export type InstrumentType = 'counter' | 'up_down_counter' | 'gauge' | 'histogram' | 'exponential_histogram';

/** Aggregation temporality; gauges carry `'unspecified'`. */
export type Temporality = 'cumulative' | 'delta' | 'unspecified';

export interface HistogramValue {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  /** Explicit upper bounds; `counts` has `bounds.length + 1` entries. */
  bounds: number[];
  counts: number[];
}

export interface ExponentialHistogramValue {
  count: number;
  sum?: number;
  min?: number;
  max?: number;
  scale: number;
  zeroCount: number;
  zeroThreshold?: number;
  positive: { offset: number; bucketCounts: number[] };
  negative: { offset: number; bucketCounts: number[] };
}

export interface Exemplar {
  timeUnixNano: bigint;
  value: number;
  traceId?: string;
  spanId?: string;
  filteredAttributes: Attributes;
}

/** One data point of one metric stream. */
export interface MetricPoint {
  name: string;
  description?: string;
  unit?: string;
  type: InstrumentType;
  temporality: Temporality;
  /** For sums: whether the sum only goes up (a counter). */
  isMonotonic?: boolean;
  attributes: Attributes;
  resource: Resource;
  scope: InstrumentationScope;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  /** Value of a counter, up-down counter or gauge point. */
  value?: number;
  histogram?: HistogramValue;
  exponentialHistogram?: ExponentialHistogramValue;
  exemplars?: Exemplar[];
}

/** One log record, lossless. */
export interface LogRecord {
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** 1..24 per the OpenTelemetry log data model; 0 when unset. */
  severityNumber: number;
  severityText?: string;
  body: AttributeValue;
  attributes: Attributes;
  droppedAttributesCount?: number;
  traceId?: string;
  spanId?: string;
  flags?: number;
  eventName?: string;
  resource: Resource;
  scope: InstrumentationScope;
}
