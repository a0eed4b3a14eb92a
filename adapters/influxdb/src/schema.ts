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
  type LogRecord,
  linksCodec,
  resourceCodec,
  type SpanRecord,
  scopeCodec,
  serviceNameOf,
  spanKindOf,
  statusCodeOf,
} from '@rohas/telemetry/adapter';
import type { Measurements, Row, RowValue } from './internal-types.js';
import {
  decodeTagValue,
  encodeTagValue,
  escapeKey,
  type FieldValue,
  formatPoint,
  QuotedString,
} from './line-protocol.js';

export const SECOND = 1_000_000_000n;

export const STATUS_TAG = ['unset', 'ok', 'error'] as const;

/**
 * The point time of a span: the second of its start plus the store sequence (`nextPointSeq`) in the sub-second
 * digits, the same rule as log records. InfluxDB keeps one point per series and time, so two different spans of one
 * series and second must never share a point time: with a sequence they share one only if their sequences differ by
 * a multiple of 10^9 (never within one process; with probability 10^-9 per pair between two writing processes). A span
 * written twice (a retried batch) is stored twice and reads keep the copy with the newest `written_ns`. (Until this
 * rule the sub-second digits were a 30-bit hash of (trace id, span id), which made a re-write overwrite its point but
 * lost one of two spans whose hashes met: about 17 spans a day at 10,000 spans/s of one operation.) The exact start
 * is the `start_ns` field.
 */
export function spanPointTime(start: bigint, seq: bigint): bigint {
  return slotTime(start, seq);
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
 * The store sequence of span, trace-bounds and log points: a plain counter from a random start, one step per point. Its
 * value mod 10^9 is the point's sub-second slot, so two points of one series and second collide only when their
 * sequences differ by a multiple of 10^9: never within one process in practice, and with probability 10^-9 between
 * two processes. (A wall-clock based sequence would not do: points written exactly one second apart would share a
 * slot.)
 */
let pointSeq = BigInt(randomInt(0, 2 ** 47)) * 1000n;
export function nextPointSeq(): bigint {
  pointSeq += 1n;
  return pointSeq;
}

/** A point time in the second of `time`, with `seq` mod 10^9 in the sub-second digits. */
export function slotTime(time: bigint, seq: bigint): bigint {
  return secondOf(time) + (seq % 1_000_000_000n);
}

/** The point time of a log record: its second plus its store sequence (records have no identity). */
export function logPointTime(time: bigint, seq: bigint): bigint {
  return slotTime(time, seq);
}

export const json = (v: object): string => encodeRecordPart(v);

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
export function encoded(obj: object, encode: () => string): Encoded {
  let e = encodedCache.get(obj);
  if (e === undefined) {
    const text = encode();
    e = { field: new QuotedString(text), hash: hash64(text) };
    encodedCache.set(obj, e);
  }
  return e;
}
export const cachedJson = (obj: object): QuotedString => encoded(obj, () => json(obj)).field;

/** 64 bits as hex from two FNV-1a 32-bit hashes (different offset bases) over the parts and a separator, in one pass
 * without concatenating them: a series key, not a security boundary. */
export function hash64(...parts: string[]): string {
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
export function attributesJson(attributes: Attributes): string {
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
export function tagText(value: string): string {
  let t = tagTextCache.get(value);
  if (t === undefined) {
    t = escapeKey(encodeTagValue(value));
    if (tagTextCache.size >= 50_000) tagTextCache.clear();
    tagTextCache.set(value, t);
  }
  return t;
}

export const int = (n: number | undefined): bigint | undefined =>
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

export function spanLine(
  m: Measurements,
  span: SpanRecord,
  traceBucketChars: number,
  written: bigint,
  seq: bigint = nextPointSeq(),
): string {
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
  return formatPoint(m.spans, spanTagSet(span, traceBucketChars), fields, spanPointTime(span.startTimeUnixNano, seq));
}

/**
 * Where each trace's spans are, written with them: per trace of a write batch one point with `trace_id` and the
 * earliest and latest start (`first_ns`, `last_ns`) of the trace's spans in the batch, tagged with the tail of the trace id (`tt`), at the
 * second of their latest start plus the store sequence in the sub-second digits (`slotTime`, as spans: two traces'
 * points never share a time, so none replaces another). A trace id carries no time; these points let a page find
 * the time ranges of its traces' spans in one request (trace-reads.ts) instead of scanning the spans of a whole
 * bucket. Writing the same part again adds a point that says the same thing. The point sits at the
 * second of the part's latest start, so the retention sweep (whole seconds before the cutoff's) removes it only
 * together with every span it points to.
 */
export function traceBoundsLines(
  m: Measurements,
  spans: readonly SpanRecord[],
  seq: () => bigint = nextPointSeq,
): string[] {
  const parts = new Map<string, { first: bigint; last: bigint }>();
  for (const s of spans) {
    const p = parts.get(s.traceId);
    if (!p) parts.set(s.traceId, { first: s.startTimeUnixNano, last: s.startTimeUnixNano });
    else {
      if (s.startTimeUnixNano < p.first) p.first = s.startTimeUnixNano;
      if (s.startTimeUnixNano > p.last) p.last = s.startTimeUnixNano;
    }
  }
  const lines: string[] = [];
  for (const [traceId, { first, last }] of parts) {
    const tags = `,tt=${traceTail(traceId)}`;
    lines.push(
      formatPoint(m.traceBounds, tags, { trace_id: traceId, first_ns: first, last_ns: last }, slotTime(last, seq())),
    );
  }
  return lines;
}

/**
 * The `tt` tag of a trace's bounds points: the last four hex characters of its id (65,536 series at most). The tail,
 * not the head: W3C Trace Context puts the random bytes on the right, and some generators (AWS X-Ray) put a
 * timestamp in the first ones, which would send every recent trace to a few series.
 */
export function traceTail(traceId: string): string {
  return encodeTagValue(traceId.slice(-4));
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
export const str = (v: RowValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);

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

/** Columns a log record needs (logFromRow). */
export const LOG_COLUMNS = [
  'time_ns',
  'observed_ns',
  'severity_number',
  'severity_text',
  'body',
  'attributes',
  'resource',
  'scope',
  'trace_id',
  'span_id',
  'flags',
  'event_name',
  'dropped_attributes',
  'seq',
];

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
