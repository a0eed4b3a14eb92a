/** The query API over stored telemetry and the adapter-facing (normalized) forms of its queries. */
import type { AttributeScalar, Attributes, InstrumentType, LogRecord, MetricPoint, SpanRecord } from './model.js';

/** Attribute filter operators. Which ones an adapter supports is declared in its capabilities. */
export type AttributeOperator = '=' | '!=' | 'exists' | 'wildcard' | 'regex';

/**
 * One attribute condition. `=`/`!=` compare typed values (the number 200 is not the string "200");
 * `wildcard` matches a string value against a glob (`*` any run, `?` one character); `regex` against an
 * ECMAScript-compatible regular expression; `exists` ignores `value`.
 */
export interface AttributeFilter {
  key: string;
  op: AttributeOperator;
  value?: AttributeScalar;
}

/**
 * Attribute conditions as given by callers: a plain object means equality on every key
 * (`{ 'http.route': '/users' }`), an array gives the operator of each condition.
 */
export type AttributeQuery = Record<string, AttributeScalar> | AttributeFilter[];

/** Where a paged query left off; opaque to callers. */
export type Cursor = string;

export interface TraceQuery {
  /** `service.name` of any span in the trace. */
  service?: string;
  /** Span name of any span in the trace. */
  name?: string;
  /** Conditions that one span of the trace must all satisfy (span attributes, then resource attributes). */
  attributes?: AttributeQuery;
  /** Minimum duration of a matching span, in nanoseconds. */
  minDurationNano?: bigint;
  maxDurationNano?: bigint;
  /** Status of a matching span. */
  status?: 'unset' | 'ok' | 'error';
  /** Window on span start time, nanoseconds; `start` inclusive, `end` exclusive. */
  start?: bigint;
  end?: bigint;
  /** Page size; default 20, at most 1000. */
  limit?: number;
  cursor?: Cursor;
}

/** One trace in a search result. */
export interface TraceSummary {
  traceId: string;
  /** Service and name of the root span, or of the earliest span when the root has not arrived. */
  rootServiceName: string;
  rootSpanName: string;
  startTimeUnixNano: bigint;
  /** Latest end minus earliest start of all stored spans of the trace. */
  durationNano: bigint;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface Page<T> {
  items: T[];
  /** Present when there may be more results: pass it back to get the next page. */
  nextCursor?: Cursor;
}

export type MetricAggregation = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';

export interface MetricQuery {
  name: string;
  /** Window on point time, nanoseconds; `start` inclusive, `end` exclusive. */
  start: bigint;
  end: bigint;
  /** Bucket width in nanoseconds; absent means one bucket over the whole window. */
  stepNano?: bigint;
  /**
   * How points in one bucket and group become one value. Default `avg`. For histograms `sum`, `count` and `avg`
   * use the histogram's sum and count, and `pNN` estimates the quantile from the merged buckets.
   */
  aggregation?: MetricAggregation;
  /**
   * Attribute keys that split the result into series. Absent: one series per distinct attribute set.
   * Empty array: all points merged into one series.
   */
  groupBy?: string[];
  attributes?: AttributeQuery;
  service?: string;
}

export interface MetricSeries {
  name: string;
  unit?: string;
  type: InstrumentType;
  /** Values of the group-by keys (all attributes when no group-by was given). */
  labels: Attributes;
  /** One value per non-empty bucket, ascending by time; `timeUnixNano` is the bucket start. */
  points: Array<{ timeUnixNano: bigint; value: number }>;
}

export interface MetricDescriptor {
  name: string;
  description?: string;
  unit?: string;
  type: InstrumentType;
}

export interface LogQuery {
  start?: bigint;
  end?: bigint;
  /** Lowest severity number to return (e.g. 13 = WARN). */
  minSeverity?: number;
  /** Case-sensitive substring of the body (a string body, or the JSON text of a structured one). */
  text?: string;
  /**
   * Match `text` ignoring case: both sides lower-cased (JavaScript's `toLowerCase`, Unicode, locale-independent), or
   * ASCII letters only where the backend declares `ignoreCase: 'ascii'` in its log capabilities. Refused by a
   * backend that declares neither.
   */
  ignoreCase?: boolean;
  traceId?: string;
  spanId?: string;
  service?: string;
  attributes?: AttributeQuery;
  /** Page size; default 100, at most 1000. */
  limit?: number;
  cursor?: Cursor;
  /** Default `desc` (newest first). */
  order?: 'asc' | 'desc';
}

/**
 * A raw point read: the stored {@link MetricPoint}s themselves (temporality, histogram buckets, exemplars, resource and
 * scope), for exact evaluation (the PromQL API) and for lossless export and copy. Paged in time order.
 */
export interface RawPointQuery {
  /** Metric names to read; absent or empty reads every metric. */
  names?: string[];
  /** Window on point time (`timeUnixNano`), nanoseconds; `start` inclusive, `end` exclusive. */
  start?: bigint;
  end?: bigint;
  /** `service.name` of the resource. */
  service?: string;
  /** Conditions on point attributes, then resource attributes (as in queryMetrics). */
  attributes?: AttributeQuery;
  /** Page size; default 1000, at most 10,000. */
  limit?: number;
  cursor?: Cursor;
}

/** Adapter-facing forms of the queries: attribute conditions normalized, limits resolved. */
export interface NormalizedTraceQuery extends Omit<TraceQuery, 'attributes' | 'limit'> {
  attributes: AttributeFilter[];
  limit: number;
}
export interface NormalizedMetricQuery extends Omit<MetricQuery, 'attributes' | 'aggregation'> {
  attributes: AttributeFilter[];
  aggregation: MetricAggregation;
}
export interface NormalizedLogQuery extends Omit<LogQuery, 'attributes' | 'limit' | 'order'> {
  attributes: AttributeFilter[];
  limit: number;
  order: 'asc' | 'desc';
}

export interface NormalizedRawPointQuery extends Omit<RawPointQuery, 'names' | 'attributes' | 'limit'> {
  names: string[];
  attributes: AttributeFilter[];
  limit: number;
}

/** The query API over stored telemetry, the same for every backend. */
export interface TelemetryQuery {
  findTraces(query?: TraceQuery): Promise<Page<TraceSummary>>;
  /** All stored spans of the trace ordered by start time, or `null` when none is stored. */
  getTrace(traceId: string): Promise<SpanRecord[] | null>;
  listServices(): Promise<string[]>;
  listOperations(service: string): Promise<string[]>;
  listMetrics(): Promise<MetricDescriptor[]>;
  queryMetrics(query: MetricQuery): Promise<MetricSeries[]>;
  queryLogs(query?: LogQuery): Promise<Page<LogRecord>>;
  /**
   * Stored metric points as written, ascending by time (ties in the store's own stable order), one page at a time.
   * Throws a QueryError naming the backend when its metric store has no raw read (a pull endpoint).
   */
  readPoints?(query?: RawPointQuery): Promise<Page<MetricPoint>>;
}

/** Every attribute filter operator, in the order capabilities list them. */
export const ATTRIBUTE_OPERATORS: readonly AttributeOperator[] = ['=', '!=', 'exists', 'wildcard', 'regex'];

/** Every metric aggregation, in the order capabilities list them. */
export const ALL_AGGREGATIONS: readonly MetricAggregation[] = [
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'last',
  'p50',
  'p90',
  'p95',
  'p99',
];
