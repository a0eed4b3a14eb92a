import type {
  Attributes,
  AttributeValue,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  MetricPoint,
  Resource,
  SpanRecord,
} from '../core-types.js';

/*
 * rohas records -> OTLP/JSON request bodies (ExportTraceServiceRequest etc.), as the OTLP JSON mapping writes them:
 * lowerCamelCase keys, hex ids, 64-bit integers as decimal strings, enums as integers. Used by `export`/`copy`, and
 * readable by `import` and by any OTLP/JSON receiver.
 */

type Json = Record<string, unknown>;

/** An attribute value as an OTLP AnyValue (JSON mapping). */
export function toAnyValue(v: AttributeValue | undefined): Json {
  if (v === null || v === undefined) return {};
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() };
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return { intValue: String(v) };
    return { doubleValue: Number.isFinite(v) ? v : String(v) };
  }
  if (v instanceof Uint8Array) return { bytesValue: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAnyValue) } };
  return { kvlistValue: { values: toKeyValues(v) } };
}

/**
 * Attributes as OTLP KeyValues, in key order: attributes are a map, and backends give keys back in their own order
 * (PostgreSQL's jsonb sorts them), so sorting makes an export of the same data the same bytes from every backend.
 */
export function toKeyValues(attributes: Attributes | undefined): Json[] {
  if (!attributes) return [];
  return Object.keys(attributes)
    .sort()
    .map((key) => ({ key, value: toAnyValue(attributes[key]) }));
}

function resourceJson(r: Resource): Json {
  const out: Json = { attributes: toKeyValues(r.attributes) };
  if (r.droppedAttributesCount) out.droppedAttributesCount = r.droppedAttributesCount;
  return out;
}

function scopeJson(s: InstrumentationScope): Json {
  const out: Json = { name: s.name };
  if (s.version) out.version = s.version;
  if (s.attributes && Object.keys(s.attributes).length > 0) out.attributes = toKeyValues(s.attributes);
  return out;
}

/** A resource's or scope's identity: the same attributes in any key order are the same resource. */
const identity = (v: unknown) =>
  JSON.stringify(v, (_k, x) => {
    if (typeof x === 'bigint') return x.toString();
    if (x instanceof Uint8Array) return Buffer.from(x).toString('base64');
    if (x && typeof x === 'object' && !Array.isArray(x))
      return Object.fromEntries(
        Object.keys(x)
          .sort()
          .map((k) => [k, (x as Record<string, unknown>)[k]]),
      );
    return x;
  });

/** Groups items by resource, then scope, keeping first-seen order. */
function group<T extends { resource: Resource; scope: InstrumentationScope }>(
  items: T[],
): Array<{ resource: Resource; scopes: Array<{ scope: InstrumentationScope; items: T[] }> }> {
  const byResource = new Map<
    string,
    { resource: Resource; scopes: Map<string, { scope: InstrumentationScope; items: T[] }> }
  >();
  // Items converted from one request share resource objects: remember each object's identity text once.
  const seen = new WeakMap<object, string>();
  const keyOf = (o: object) => {
    let k = seen.get(o);
    if (k === undefined) {
      k = identity(o);
      seen.set(o, k);
    }
    return k;
  };
  for (const item of items) {
    const rk = keyOf(item.resource);
    let r = byResource.get(rk);
    if (!r) {
      r = { resource: item.resource, scopes: new Map() };
      byResource.set(rk, r);
    }
    const sk = keyOf(item.scope);
    let s = r.scopes.get(sk);
    if (!s) {
      s = { scope: item.scope, items: [] };
      r.scopes.set(sk, s);
    }
    s.items.push(item);
  }
  return [...byResource.values()].map((r) => ({ resource: r.resource, scopes: [...r.scopes.values()] }));
}

function withSchema(out: Json, schemaUrl: string | undefined): Json {
  if (schemaUrl) out.schemaUrl = schemaUrl;
  return out;
}

export function spansToOtlpJson(spans: SpanRecord[]): Json {
  return {
    resourceSpans: group(spans).map((r) =>
      withSchema(
        {
          resource: resourceJson(r.resource),
          scopeSpans: r.scopes.map((s) =>
            withSchema({ scope: scopeJson(s.scope), spans: s.items.map(spanJson) }, s.scope.schemaUrl),
          ),
        },
        r.resource.schemaUrl,
      ),
    ),
  };
}

function spanJson(s: SpanRecord): Json {
  const out: Json = {
    traceId: s.traceId,
    spanId: s.spanId,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano.toString(),
    endTimeUnixNano: s.endTimeUnixNano.toString(),
    attributes: toKeyValues(s.attributes),
    events: s.events.map((e) => {
      const ev: Json = { timeUnixNano: e.timeUnixNano.toString(), name: e.name, attributes: toKeyValues(e.attributes) };
      if (e.droppedAttributesCount) ev.droppedAttributesCount = e.droppedAttributesCount;
      return ev;
    }),
    links: s.links.map((l) => {
      const link: Json = { traceId: l.traceId, spanId: l.spanId, attributes: toKeyValues(l.attributes) };
      if (l.traceState) link.traceState = l.traceState;
      if (l.droppedAttributesCount) link.droppedAttributesCount = l.droppedAttributesCount;
      return link;
    }),
    status: s.status.message ? { code: s.status.code, message: s.status.message } : { code: s.status.code },
  };
  if (s.parentSpanId) out.parentSpanId = s.parentSpanId;
  if (s.traceState) out.traceState = s.traceState;
  if (s.flags) out.flags = s.flags;
  if (s.droppedAttributesCount) out.droppedAttributesCount = s.droppedAttributesCount;
  if (s.droppedEventsCount) out.droppedEventsCount = s.droppedEventsCount;
  if (s.droppedLinksCount) out.droppedLinksCount = s.droppedLinksCount;
  return out;
}

export function logsToOtlpJson(records: LogRecord[]): Json {
  return {
    resourceLogs: group(records).map((r) =>
      withSchema(
        {
          resource: resourceJson(r.resource),
          scopeLogs: r.scopes.map((s) =>
            withSchema({ scope: scopeJson(s.scope), logRecords: s.items.map(logJson) }, s.scope.schemaUrl),
          ),
        },
        r.resource.schemaUrl,
      ),
    ),
  };
}

function logJson(l: LogRecord): Json {
  const out: Json = {
    timeUnixNano: l.timeUnixNano.toString(),
    observedTimeUnixNano: l.observedTimeUnixNano.toString(),
    severityNumber: l.severityNumber,
    body: toAnyValue(l.body),
    attributes: toKeyValues(l.attributes),
  };
  if (l.severityText) out.severityText = l.severityText;
  if (l.droppedAttributesCount) out.droppedAttributesCount = l.droppedAttributesCount;
  if (l.flags) out.flags = l.flags;
  if (l.traceId) out.traceId = l.traceId;
  if (l.spanId) out.spanId = l.spanId;
  if (l.eventName) out.eventName = l.eventName;
  return out;
}

const TEMPORALITY = { unspecified: 0, delta: 1, cumulative: 2 } as const;

function doubleJson(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

function exemplarJson(e: Exemplar): Json {
  const out: Json = {
    timeUnixNano: e.timeUnixNano.toString(),
    asDouble: doubleJson(e.value),
    filteredAttributes: toKeyValues(e.filteredAttributes),
  };
  if (e.traceId) out.traceId = e.traceId;
  if (e.spanId) out.spanId = e.spanId;
  return out;
}

function pointJson(p: MetricPoint): Json {
  const out: Json = {
    attributes: toKeyValues(p.attributes),
    startTimeUnixNano: p.startTimeUnixNano.toString(),
    timeUnixNano: p.timeUnixNano.toString(),
  };
  if (p.exemplars?.length) out.exemplars = p.exemplars.map(exemplarJson);
  if (p.histogram) {
    const h = p.histogram;
    Object.assign(out, {
      count: String(h.count),
      bucketCounts: h.counts.map(String),
      explicitBounds: h.bounds.map(doubleJson),
    });
    if (h.sum !== undefined) out.sum = doubleJson(h.sum);
    if (h.min !== undefined) out.min = doubleJson(h.min);
    if (h.max !== undefined) out.max = doubleJson(h.max);
  } else if (p.exponentialHistogram) {
    const h = p.exponentialHistogram;
    Object.assign(out, {
      count: String(h.count),
      scale: h.scale,
      zeroCount: String(h.zeroCount),
      positive: { offset: h.positive.offset, bucketCounts: h.positive.bucketCounts.map(String) },
      negative: { offset: h.negative.offset, bucketCounts: h.negative.bucketCounts.map(String) },
    });
    if (h.zeroThreshold) out.zeroThreshold = h.zeroThreshold;
    if (h.sum !== undefined) out.sum = doubleJson(h.sum);
    if (h.min !== undefined) out.min = doubleJson(h.min);
    if (h.max !== undefined) out.max = doubleJson(h.max);
  } else {
    out.asDouble = doubleJson(p.value ?? 0);
  }
  return out;
}

export function metricsToOtlpJson(points: MetricPoint[]): Json {
  return {
    resourceMetrics: group(points).map((r) =>
      withSchema(
        {
          resource: resourceJson(r.resource),
          scopeMetrics: r.scopes.map((s) => {
            const metrics = new Map<string, { first: MetricPoint; points: MetricPoint[] }>();
            for (const p of s.items) {
              const key = `${p.name}\u0000${p.type}\u0000${p.temporality}\u0000${p.unit ?? ''}`;
              const m = metrics.get(key);
              if (m) m.points.push(p);
              else metrics.set(key, { first: p, points: [p] });
            }
            return withSchema(
              { scope: scopeJson(s.scope), metrics: [...metrics.values()].map((m) => metricJson(m.first, m.points)) },
              s.scope.schemaUrl,
            );
          }),
        },
        r.resource.schemaUrl,
      ),
    ),
  };
}

function metricJson(first: MetricPoint, points: MetricPoint[]): Json {
  const out: Json = { name: first.name };
  if (first.description) out.description = first.description;
  if (first.unit) out.unit = first.unit;
  const dataPoints = points.map(pointJson);
  const aggregationTemporality = TEMPORALITY[first.temporality];
  switch (first.type) {
    case 'gauge':
      out.gauge = { dataPoints };
      break;
    case 'counter':
    case 'up_down_counter':
      out.sum = { dataPoints, aggregationTemporality, isMonotonic: first.type === 'counter' };
      break;
    case 'histogram':
      out.histogram = { dataPoints, aggregationTemporality };
      break;
    case 'exponential_histogram':
      out.exponentialHistogram = { dataPoints, aggregationTemporality };
      break;
  }
  return out;
}
