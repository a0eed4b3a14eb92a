/** Private types of @rohas/telemetry-prometheus. */

/** An exemplar as the OTLP data model has it; the JS SDK does not attach these yet, OTLP-fed producers can. */
export interface PointExemplar {
  filteredAttributes?: Record<string, unknown>;
  value: number;
  /** `[seconds, nanoseconds]` as OTel JS HrTime, or epoch milliseconds. */
  timestamp?: [number, number] | number;
  traceId?: string;
  spanId?: string;
}

/** Options of one render. */
export interface RenderOptions {
  openMetrics: boolean;
  /** Prefix added (with `_`) before every metric name; `''` for none. */
  prefix: string;
  /** Called for every metric whose data carries the SDK's `otel.metric.overflow` series. */
  onOverflow?: (metricName: string) => void;
  /** Called once per problem kind and metric (dropped types, name conflicts). */
  onDrop?: (metricName: string, reason: string) => void;
  /** Filled with how each OpenTelemetry metric name was exposed, so reads can find it again. */
  catalog?: Map<string, CatalogEntry>;
}

/** How one OpenTelemetry metric is exposed. */
export interface CatalogEntry {
  /** Family name in the text format (counters end in `_total`). */
  family: string;
  kind: 'counter' | 'gauge' | 'histogram';
  /** The OpenTelemetry instrument type, as far as the collected data tells. */
  type: 'counter' | 'up_down_counter' | 'gauge' | 'histogram';
  description?: string;
  unit?: string;
}
