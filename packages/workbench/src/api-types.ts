/**
 * The JSON shapes of the query HTTP API (/tmp/rohas/HTTP-API.md): the core record types with every bigint
 * (times, durations, int64 attribute values) as a decimal string and bytes as base64.
 */

export type JsonAttributeValue =
  | string
  | number
  | boolean
  | null
  | JsonAttributeValue[]
  | { [key: string]: JsonAttributeValue };
export type JsonAttributes = Record<string, JsonAttributeValue>;

export interface JsonResource {
  attributes: JsonAttributes;
  droppedAttributesCount?: number;
  schemaUrl?: string;
}

export interface JsonScope {
  name: string;
  version?: string;
  attributes?: JsonAttributes;
}

export interface JsonSpanEvent {
  name: string;
  timeUnixNano: string;
  attributes: JsonAttributes;
}

export interface JsonSpanLink {
  traceId: string;
  spanId: string;
  traceState?: string;
  attributes: JsonAttributes;
}

export interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  traceState?: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  status: { code: number; message?: string };
  attributes: JsonAttributes;
  events: JsonSpanEvent[];
  links: JsonSpanLink[];
  resource: JsonResource;
  scope: JsonScope;
  droppedAttributesCount?: number;
  droppedEventsCount?: number;
  droppedLinksCount?: number;
}

export interface TraceSummary {
  traceId: string;
  rootServiceName: string;
  rootSpanName: string;
  startTimeUnixNano: string;
  durationNano: string;
  spanCount: number;
  errorCount: number;
  services: string[];
}

export interface MetricDescriptor {
  name: string;
  description?: string;
  unit?: string;
  type: 'counter' | 'up_down_counter' | 'gauge' | 'histogram' | 'exponential_histogram';
}

export interface MetricSeries {
  name: string;
  unit?: string;
  type: MetricDescriptor['type'];
  labels: JsonAttributes;
  points: Array<{ timeUnixNano: string; value: number }>;
}

export interface JsonExemplar {
  timeUnixNano: string;
  value: number;
  traceId?: string;
  spanId?: string;
  filteredAttributes: JsonAttributes;
}

/** A stored metric point as written (GET /telemetry/metrics/points); only the fields the Workbench reads. */
export interface JsonMetricPoint {
  name: string;
  type: MetricDescriptor['type'];
  unit?: string;
  attributes: JsonAttributes;
  resource: JsonResource;
  timeUnixNano: string;
  exemplars?: JsonExemplar[];
}

export interface JsonLogRecord {
  timeUnixNano: string;
  observedTimeUnixNano: string;
  severityNumber: number;
  severityText?: string;
  body: JsonAttributeValue;
  attributes: JsonAttributes;
  traceId?: string;
  spanId?: string;
  eventName?: string;
  resource: JsonResource;
  scope: JsonScope;
}

export interface Health {
  ok: boolean;
  backend?: string;
  message?: string;
  signals?: Partial<Record<'traces' | 'metrics' | 'logs', string>>;
}

export type Aggregation = 'sum' | 'avg' | 'min' | 'max' | 'count' | 'last' | 'p50' | 'p90' | 'p95' | 'p99';
