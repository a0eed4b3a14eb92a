/*
 * The mapping between records and InfluxDB points; schemas/influxdb.md explains the choices.
 * Tags hold only bounded values (service, span name, kind, status, trace bucket, metric name, instrument type,
 * metric series id, severity). Everything else — ids, exact times, attributes, bodies — is a field, so attribute keys
 * never become tag keys and series cardinality does not grow with them.
 */
import { randomInt } from 'node:crypto';
import {
  type Attributes,
  decodeAnyValue,
  decodeAttributes,
  encodeAnyValue,
  encodeAttributes,
  encodeRecordPart,
  eventsCodec,
  exemplarsCodec,
  exponentialHistogramCodec,
  histogramCodec,
  instrumentTypeOf,
  type LogRecord,
  linksCodec,
  type MetricPoint,
  resourceCodec,
  type SpanRecord,
  scopeCodec,
  serviceNameOf,
  spanKindOf,
  statusCodeOf,
  temporalityOf,
} from '@rohas/telemetry/adapter';
import type { Measurements, Row, RowValue } from './internal-types.js';
import {
  decodeTagValue,
  encodeTagValue,
  escapeKey,
  type FieldValue,
  formatFieldValue,
  formatPoint,
  QuotedString,
  quoteString,
} from './line-protocol.js';

export const SECOND = 1_000_000_000n;

export const STATUS_TAG = ['unset', 'ok', 'error'] as const;

/** FNV-1a, 32 bits, from a given offset basis. */
function fnv32(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The point time of a span: the second of its start plus a 30-bit hash of (traceId, spanId) in the sub-second
 * digits. Re-writing a span lands on the same series and time and so overwrites it; two different spans of one
 * series collide only when they start in the same second and share the hash (p ≈ 1e-9 per such pair). The exact
 * start is the `start_ns` field.
 */
export function spanPointTime(traceId: string, spanId: string, start: bigint): bigint {
  const key = `${traceId}:${spanId}`;
  const h = (fnv32(key, 0x811c9dc5) * 0x200000 + (fnv32(key, 0x050c5d1f) >>> 11)) % 1_000_000_000;
  return secondOf(start) + BigInt(h);
}

/** Start of the second of a nanosecond time (times before 1970 round towards minus infinity too). */
export function secondOf(t: bigint): bigint {
  const r = t % SECOND;
  return r < 0n ? t - r - SECOND : t - r;
}

/** Point-time window that contains every point whose exact time is in [from, to). */
export function slottedWindow(from: bigint | undefined, to: bigint | undefined): { from?: bigint; to?: bigint } {
  const w: { from?: bigint; to?: bigint } = {};
  if (from !== undefined) w.from = secondOf(from);
  if (to !== undefined) w.to = secondOf(to - 1n) + SECOND;
  return w;
}

let lastSeq = 0n;
/** A write stamp for spans (`written_ns`): strictly increasing in this process, ordered by wall time across processes. */
export function nextSeq(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastSeq = now > lastSeq ? now : lastSeq + 1n;
  return lastSeq;
}

/*
 * The store sequence of log records: a plain counter from a random start, one step per record. Its value mod 10^9 is
 * the record's sub-second slot, so two records of one series and second collide only when their sequences differ by a
 * multiple of 10^9: never within one process in practice, and with probability 10^-9 between two processes. (A
 * wall-clock based sequence would not do: records written exactly one second apart would share a slot.)
 */
let logSeq = BigInt(randomInt(0, 2 ** 47)) * 1000n;
export function nextLogSeq(): bigint {
  logSeq += 1n;
  return logSeq;
}

/** The point time of a log record: its second plus its store sequence in the sub-second digits (records have no identity). */
export function logPointTime(time: bigint, seq: bigint): bigint {
  return secondOf(time) + (seq % 1_000_000_000n);
}

const json = (v: object): string => encodeRecordPart(v);

/*
 * Resources and scopes are shared by many records (the core caches them per SDK resource), so their encoded, quoted JSON and a
 * hash of it are kept per object. Records are treated as immutable once handed to the adapter, as the OpenTelemetry
 * exporter contract does.
 */
interface Encoded {
  field: QuotedString;
  hash: string;
}
const encodedCache = new WeakMap<object, Encoded>();
function encoded(obj: object, encode: () => string): Encoded {
  let e = encodedCache.get(obj);
  if (e === undefined) {
    const text = encode();
    e = { field: new QuotedString(text), hash: hash64(text) };
    encodedCache.set(obj, e);
  }
  return e;
}
const cachedJson = (obj: object): QuotedString => encoded(obj, () => json(obj)).field;

/** 64 bits as hex from two FNV-1a 32-bit hashes (different offset bases) over the parts and a separator, in one pass
 * without concatenating them: a series key, not a security boundary. */
function hash64(...parts: string[]): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (const text of parts) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x01000193);
    }
    a = Math.imul(a, 0x01000193);
    b = Math.imul(b, 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/**
 * encodeAttributes of the core, without its intermediate object when every value is a string, a finite number or a
 * boolean (the common case): plain JSON.stringify gives the same text for those.
 */
function attributesJson(attributes: Attributes): string {
  for (const k in attributes) {
    const v = attributes[k];
    const t = typeof v;
    if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v)) || v === undefined) continue;
    return encodeAttributes(attributes);
  }
  return JSON.stringify(attributes);
}

/** Escaped tag text per value: tag values are low-cardinality by design, so this stays small (and is capped). */
const tagTextCache = new Map<string, string>();
function tagText(value: string): string {
  let t = tagTextCache.get(value);
  if (t === undefined) {
    t = escapeKey(encodeTagValue(value));
    if (tagTextCache.size >= 50_000) tagTextCache.clear();
    tagTextCache.set(value, t);
  }
  return t;
}

const int = (n: number | undefined): bigint | undefined =>
  n === undefined || n === 0 ? undefined : BigInt(Math.trunc(n));

// ---------------------------------------------------------------------------------------------------------------------
// Spans
// ---------------------------------------------------------------------------------------------------------------------

/** The tag set of a span, escaped and in key order (kind, name, service, status, tb). */
export function spanTagSet(span: SpanRecord, traceBucketChars: number): string {
  const status = STATUS_TAG[span.status.code] ?? String(span.status.code);
  let set = `,kind=${span.kind},name=${tagText(span.name)},service=${tagText(serviceNameOf(span.resource))},status=${tagText(status)}`;
  if (traceBucketChars > 0) set += `,tb=${tagText(span.traceId.slice(0, traceBucketChars))}`;
  return set;
}

export function traceBucket(traceId: string, chars: number): string {
  return encodeTagValue(traceId.slice(0, chars));
}

export function spanLine(m: Measurements, span: SpanRecord, traceBucketChars: number, written: bigint): string {
  const fields: Record<string, FieldValue | undefined> = {
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId || undefined,
    start_ns: span.startTimeUnixNano,
    end_ns: span.endTimeUnixNano,
    duration_ns: span.endTimeUnixNano - span.startTimeUnixNano,
    status_code: BigInt(span.status.code),
    status_message: span.status.message,
    trace_state: span.traceState,
    flags: span.flags === undefined ? undefined : BigInt(span.flags),
    attributes: attributesJson(span.attributes),
    resource: cachedJson(span.resource),
    scope: cachedJson(span.scope),
    events: span.events.length ? json(span.events) : undefined,
    links: span.links.length ? json(span.links) : undefined,
    dropped_attributes: int(span.droppedAttributesCount),
    dropped_events: int(span.droppedEventsCount),
    dropped_links: int(span.droppedLinksCount),
    written_ns: written,
  };
  return formatPoint(
    m.spans,
    spanTagSet(span, traceBucketChars),
    fields,
    spanPointTime(span.traceId, span.spanId, span.startTimeUnixNano),
  );
}

/** Columns a full span needs. */
export const SPAN_COLUMNS = [
  'name',
  'kind',
  'trace_id',
  'span_id',
  'parent_span_id',
  'start_ns',
  'end_ns',
  'status_code',
  'status_message',
  'trace_state',
  'flags',
  'attributes',
  'resource',
  'scope',
  'events',
  'links',
  'dropped_attributes',
  'dropped_events',
  'dropped_links',
  'written_ns',
];

export function toBigInt(v: RowValue | undefined): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string' && v !== '') return BigInt(v);
  throw new Error(`expected an integer, got ${String(v)}`);
}
const toNum = (v: RowValue | undefined): number | undefined => (v === null || v === undefined ? undefined : Number(v));
const str = (v: RowValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

export function spanFromRow(row: Row): SpanRecord {
  const span: SpanRecord = {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    name: decodeTagValue(row.name as string),
    kind: spanKindOf(row.kind),
    startTimeUnixNano: toBigInt(row.start_ns),
    endTimeUnixNano: toBigInt(row.end_ns),
    status: { code: statusCodeOf(row.status_code) },
    attributes: decodeAttributes(str(row.attributes)),
    events: row.events ? eventsCodec.decode(row.events as string) : [],
    links: row.links ? linksCodec.decode(row.links as string) : [],
    resource: resourceCodec.decode(row.resource as string),
    scope: scopeCodec.decode(row.scope as string),
  };
  const parent = str(row.parent_span_id);
  if (parent) span.parentSpanId = parent;
  const message = str(row.status_message);
  if (message !== undefined) span.status.message = message;
  const traceState = str(row.trace_state);
  if (traceState !== undefined) span.traceState = traceState;
  if (row.flags !== null && row.flags !== undefined) span.flags = Number(row.flags);
  const da = toNum(row.dropped_attributes);
  if (da) span.droppedAttributesCount = da;
  const de = toNum(row.dropped_events);
  if (de) span.droppedEventsCount = de;
  const dl = toNum(row.dropped_links);
  if (dl) span.droppedLinksCount = dl;
  return span;
}

// ---------------------------------------------------------------------------------------------------------------------
// Metrics
// ---------------------------------------------------------------------------------------------------------------------

/** The parts of a metric line that are the same for consecutive points of one stream, kept for the next point. */
interface MetricStreamText {
  measurement: string;
  name: string;
  type: string;
  resource: object;
  scope: object;
  description: string | undefined;
  unit: string | undefined;
  temporality: string;
  isMonotonic: boolean | undefined;
  /** `<measurement>,metric=..,service=..,sid=` */
  head: string;
  /** `,type=.. ` */
  typeTag: string;
  /** `resource=..,scope=..,temporality=..[,monotonic=..],descriptor=..,start_ns=` */
  tail: string;
  resourceHash: string;
}
/** Per metric name: points of one name usually share resource, scope and descriptor. Capped, as names are bounded. */
const streams = new Map<string, MetricStreamText>();

function streamText(m: Measurements, p: MetricPoint): MetricStreamText {
  const l = streams.get(p.name);
  if (
    l &&
    l.measurement === m.metrics &&
    l.name === p.name &&
    l.type === p.type &&
    l.resource === p.resource &&
    l.scope === p.scope &&
    l.description === p.description &&
    l.unit === p.unit &&
    l.temporality === p.temporality &&
    l.isMonotonic === p.isMonotonic
  ) {
    return l;
  }
  const resource = encoded(p.resource, () => json(p.resource));
  const monotonic = p.isMonotonic === undefined ? '' : `monotonic=${p.isMonotonic},`;
  const text: MetricStreamText = {
    measurement: m.metrics,
    name: p.name,
    type: p.type,
    resource: p.resource,
    scope: p.scope,
    description: p.description,
    unit: p.unit,
    temporality: p.temporality,
    isMonotonic: p.isMonotonic,
    head: `${m.metrics},metric=${tagText(p.name)},service=${tagText(serviceNameOf(p.resource))},sid=`,
    typeTag: `,type=${tagText(p.type)} `,
    tail: `resource=${resource.field.text},scope=${cachedJson(p.scope).text},temporality=${quoteString(p.temporality)},${monotonic}descriptor=${descriptorJson(p.description, p.unit).text},start_ns=`,
    resourceHash: resource.hash,
  };
  if (streams.size >= 10_000) streams.clear();
  streams.set(p.name, text);
  return text;
}

export function metricLine(m: Measurements, p: MetricPoint): string {
  // The hot path of metric ingest: the line is built directly (no field object), and what consecutive points of one
  // stream share is reused. Attribute objects are new per data point (the core copies them), so they are encoded here.
  const attributesText = attributesJson(p.attributes);
  const st = streamText(m, p);
  const sid = hash64(attributesText, st.resourceHash, p.scope.name, p.scope.version ?? '', p.temporality, p.unit ?? '');
  let fields = '';
  if (p.value !== undefined) {
    fields = Number.isFinite(p.value)
      ? `value=${formatFieldValue(p.value)},`
      : `value_text=${quoteString(String(p.value))},`;
  }
  const h = p.histogram ?? p.exponentialHistogram;
  if (h) {
    fields += `count=${Math.trunc(h.count)}i,`;
    if (h.sum !== undefined && Number.isFinite(h.sum)) fields += `sum=${formatFieldValue(h.sum)},`;
    fields += p.histogram ? `histogram=${quoteString(json(p.histogram))},` : `exp_histogram=${quoteString(json(h))},`;
  }
  if (p.exemplars?.length) fields += `exemplars=${quoteString(json(p.exemplars))},`;
  return [
    st.head,
    sid,
    st.typeTag,
    fields,
    'attributes=',
    quoteString(attributesText),
    ',',
    st.tail,
    String(p.startTimeUnixNano),
    'i ',
    String(p.timeUnixNano),
  ].join('');
}

const descriptors = new Map<string, QuotedString>();
let lastDescriptor: { description: string | undefined; unit: string | undefined; text: QuotedString } | undefined;
function descriptorJson(description: string | undefined, unit: string | undefined): QuotedString {
  if (lastDescriptor && lastDescriptor.description === description && lastDescriptor.unit === unit)
    return lastDescriptor.text;
  const key = `${description ?? ''}\u0000${unit ?? ''}`;
  let text = descriptors.get(key);
  if (text === undefined) {
    text = new QuotedString(json({ description, unit }));
    if (descriptors.size > 10_000) descriptors.clear();
    descriptors.set(key, text);
  }
  lastDescriptor = { description, unit, text };
  return text;
}

export function descriptorOf(text: string | undefined): { description?: string; unit?: string } {
  if (!text) return {};
  const d = decodeAnyValue(text) as { description?: string; unit?: string };
  const out: { description?: string; unit?: string } = {};
  if (d.description) out.description = d.description;
  if (d.unit) out.unit = d.unit;
  return out;
}

export function metricFromRow(row: Row): MetricPoint {
  const p: MetricPoint = {
    name: decodeTagValue(row.metric as string),
    ...descriptorOf(str(row.descriptor)),
    type: instrumentTypeOf(row.type),
    temporality: temporalityOf(row.temporality),
    attributes: decodeAttributes(str(row.attributes)),
    resource: resourceCodec.decode(row.resource as string),
    scope: scopeCodec.decode(row.scope as string),
    startTimeUnixNano: toBigInt(row.start_ns),
    timeUnixNano: toBigInt(row.time),
  };
  if (typeof row.monotonic === 'boolean') p.isMonotonic = row.monotonic;
  if (row.value !== null && row.value !== undefined) p.value = Number(row.value);
  else if (typeof row.value_text === 'string') p.value = Number(row.value_text);
  if (typeof row.histogram === 'string') p.histogram = histogramCodec.decode(row.histogram);
  if (typeof row.exp_histogram === 'string')
    p.exponentialHistogram = exponentialHistogramCodec.decode(row.exp_histogram);
  if (typeof row.exemplars === 'string') p.exemplars = exemplarsCodec.decode(row.exemplars);
  return p;
}

// ---------------------------------------------------------------------------------------------------------------------
// Logs
// ---------------------------------------------------------------------------------------------------------------------

export function logLine(m: Measurements, r: LogRecord, seq: bigint): string {
  const fields: Record<string, FieldValue | undefined> = {
    time_ns: r.timeUnixNano,
    observed_ns: r.observedTimeUnixNano,
    severity_number: BigInt(Math.trunc(r.severityNumber)),
    severity_text: r.severityText,
    body: encodeAnyValue(r.body),
    attributes: attributesJson(r.attributes),
    resource: cachedJson(r.resource),
    scope: cachedJson(r.scope),
    trace_id: r.traceId || undefined,
    span_id: r.spanId || undefined,
    flags: r.flags === undefined ? undefined : BigInt(r.flags),
    event_name: r.eventName,
    dropped_attributes: int(r.droppedAttributesCount),
    seq,
  };
  const tagSet = `,service=${tagText(serviceNameOf(r.resource))},severity=${Math.trunc(r.severityNumber)}`;
  return formatPoint(m.logs, tagSet, fields, logPointTime(r.timeUnixNano, seq));
}

export function logFromRow(row: Row): LogRecord {
  const r: LogRecord = {
    timeUnixNano: toBigInt(row.time_ns),
    observedTimeUnixNano: toBigInt(row.observed_ns),
    severityNumber: Number(row.severity_number),
    body: decodeAnyValue(row.body as string),
    attributes: decodeAttributes(str(row.attributes)) as Attributes,
    resource: resourceCodec.decode(row.resource as string),
    scope: scopeCodec.decode(row.scope as string),
  };
  const text = str(row.severity_text);
  if (text !== undefined) r.severityText = text;
  const traceId = str(row.trace_id);
  if (traceId) r.traceId = traceId;
  const spanId = str(row.span_id);
  if (spanId) r.spanId = spanId;
  if (row.flags !== null && row.flags !== undefined) r.flags = Number(row.flags);
  const eventName = str(row.event_name);
  if (eventName !== undefined) r.eventName = eventName;
  const da = toNum(row.dropped_attributes);
  if (da) r.droppedAttributesCount = da;
  return r;
}
