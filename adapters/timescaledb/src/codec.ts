import type {
  Attributes,
  AttributeValue,
  InstrumentationScope,
  LogRecord,
  MetricPoint,
  Resource,
  SpanRecord,
} from '@rohas/telemetry/adapter';
import {
  decodeAnyValue,
  decodeAttributes,
  encodeAnyValue,
  eventsCodec,
  histogramCodec,
  linksCodec,
  scopeCodec,
  serviceNameOf,
  spanKindOf,
  statusCodeOf,
  toAnyValue,
} from '@rohas/telemetry/adapter';
import { type CopyValue, copyField, copyJson } from './copy-format.js';
import {
  anyValueForDb,
  attributesForDb,
  escapeNullable,
  escapeText,
  jsonForDb,
  jsonFromDb,
  unescapeText,
} from './text-encoding.js';

/* Rows as the tables hold them, and back. Everything a column does not hold goes into `extra` (typed JSON). */

export const SPAN_COLUMNS = [
  'trace_id',
  'span_id',
  'parent_span_id',
  'name',
  'kind',
  'start_ns',
  'end_ns',
  'duration_ns',
  'status_code',
  'status_message',
  'service_name',
  'attributes',
  'resource_attributes',
  'extra',
] as const;
export const SPAN_TYPES = [
  'text',
  'text',
  'text',
  'text',
  'smallint',
  'bigint',
  'bigint',
  'bigint',
  'smallint',
  'text',
  'text',
  'jsonb',
  'jsonb',
  'jsonb',
];

export const METRIC_COLUMNS = [
  'name',
  'service_name',
  'time_ns',
  'start_ns',
  'type',
  'temporality',
  'is_monotonic',
  'unit',
  'description',
  'value',
  'h_count',
  'h_sum',
  'h_min',
  'h_max',
  'histogram',
  'attributes',
  'resource_attributes',
  'extra',
] as const;
export const METRIC_TYPES = [
  'text',
  'text',
  'bigint',
  'bigint',
  'text',
  'text',
  'boolean',
  'text',
  'text',
  'float8',
  'float8',
  'float8',
  'float8',
  'float8',
  'jsonb',
  'jsonb',
  'jsonb',
  'jsonb',
];

export const LOG_COLUMNS = [
  'time_ns',
  'observed_ns',
  'severity_number',
  'severity_text',
  'body_text',
  'body_is_string',
  'trace_id',
  'span_id',
  'service_name',
  'attributes',
  'resource_attributes',
  'extra',
] as const;
export const LOG_TYPES = [
  'bigint',
  'bigint',
  'smallint',
  'text',
  'text',
  'boolean',
  'text',
  'text',
  'text',
  'jsonb',
  'jsonb',
  'jsonb',
];

/** Encodes a plain object of optional parts as typed JSON for an `extra` column (undefined parts are left out). */
function extraJson(parts: Record<string, unknown>): string {
  return anyValueForDb(toAnyValue(parts));
}
function decodeExtra(text: string): Record<string, unknown> {
  return decodeAnyValue(jsonFromDb(text)) as Record<string, unknown>;
}
export const attributesFromDb = (text: string): Attributes => decodeAttributes(jsonFromDb(text));

function resourceFrom(attributesText: string, extra: Record<string, unknown>): Resource {
  const r: Resource = { attributes: attributesFromDb(attributesText) };
  if (extra.rdac !== undefined) r.droppedAttributesCount = extra.rdac as number;
  if (extra.rsu !== undefined) r.schemaUrl = extra.rsu as string;
  return r;
}

/*
 * Resources and scopes are shared by many records (the core hands the same object to every span of a process), so
 * their encoded forms are cached per object. Records are treated as immutable once written, as the OTel SDK does.
 */
const resourceCache = new WeakMap<Resource, { service: string; attributes: string; extra: string }>();
const scopeCache = new WeakMap<InstrumentationScope, string>();

function encodedResource(r: Resource): { service: string; attributes: string; extra: string } {
  let e = resourceCache.get(r);
  if (!e) {
    let extra = '';
    if (r.droppedAttributesCount !== undefined) extra += `,"rdac":${encodeAnyValue(r.droppedAttributesCount)}`;
    if (r.schemaUrl !== undefined) extra += `,"rsu":${encodeAnyValue(r.schemaUrl)}`;
    e = { service: escapeText(serviceNameOf(r)), attributes: attributesForDb(r.attributes), extra };
    resourceCache.set(r, e);
  }
  return e;
}

function encodedScope(scope: InstrumentationScope): string {
  let e = scopeCache.get(scope);
  if (e === undefined) {
    e = scopeCodec.encode(scope);
    scopeCache.set(scope, e);
  }
  return e;
}

/** `,"key":<typed JSON>` when the value is set. */
const part = (key: string, v: unknown) => (v === undefined ? '' : `,"${key}":${encodeAnyValue(v as AttributeValue)}`);

export function spanRow(s: SpanRecord): CopyValue[] {
  const r = encodedResource(s.resource);
  // The same typed JSON as encodeAnyValue of { scope, ts, dac, ... }, built by concatenation: this runs per span.
  const extra = `{"scope":${encodedScope(s.scope)}${part('ts', s.traceState)}${part('dac', s.droppedAttributesCount)}${
    s.events.length ? part('events', s.events) : ''
  }${part('dec', s.droppedEventsCount)}${s.links.length ? part('links', s.links) : ''}${part('dlc', s.droppedLinksCount)}${r.extra}${part('flags', s.flags)}}`;
  return [
    escapeText(s.traceId),
    escapeText(s.spanId),
    escapeNullable(s.parentSpanId || undefined),
    escapeText(s.name),
    s.kind,
    s.startTimeUnixNano,
    s.endTimeUnixNano,
    s.endTimeUnixNano - s.startTimeUnixNano,
    s.status.code,
    escapeNullable(s.status.message),
    r.service,
    attributesForDb(s.attributes),
    r.attributes,
    jsonForDb(extra),
  ];
}

export interface SpanDbRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  kind: number;
  start_ns: string;
  end_ns: string;
  status_code: number;
  status_message: string | null;
  service_name: string;
  attributes: string;
  resource_attributes: string;
  extra: string;
}

export function spanFromRow(r: SpanDbRow): SpanRecord {
  const x = decodeExtra(r.extra);
  const span: SpanRecord = {
    traceId: unescapeText(r.trace_id),
    spanId: unescapeText(r.span_id),
    name: unescapeText(r.name),
    kind: spanKindOf(r.kind),
    startTimeUnixNano: BigInt(r.start_ns),
    endTimeUnixNano: BigInt(r.end_ns),
    status: { code: statusCodeOf(r.status_code) },
    attributes: attributesFromDb(r.attributes),
    events: eventsCodec.fromAnyValue(x.events as AttributeValue | undefined),
    links: linksCodec.fromAnyValue(x.links as AttributeValue | undefined),
    resource: resourceFrom(r.resource_attributes, x),
    scope: scopeCodec.fromAnyValue(x.scope as AttributeValue | undefined),
  };
  if (r.parent_span_id !== null) span.parentSpanId = unescapeText(r.parent_span_id);
  if (x.ts !== undefined) span.traceState = x.ts as string;
  if (r.status_message !== null) span.status.message = unescapeText(r.status_message);
  if (x.dac !== undefined) span.droppedAttributesCount = x.dac as number;
  if (x.dec !== undefined) span.droppedEventsCount = x.dec as number;
  if (x.dlc !== undefined) span.droppedLinksCount = x.dlc as number;
  if (x.flags !== undefined) span.flags = x.flags as number;
  return span;
}

export function metricRow(p: MetricPoint): CopyValue[] {
  const h = p.histogram;
  return [
    escapeText(p.name),
    escapeText(serviceNameOf(p.resource)),
    p.timeUnixNano,
    p.startTimeUnixNano,
    p.type,
    p.temporality,
    p.isMonotonic ?? null,
    escapeNullable(p.unit),
    escapeNullable(p.description),
    p.value ?? null,
    h ? h.count : null,
    h?.sum ?? null,
    h?.min ?? null,
    h?.max ?? null,
    h ? anyValueForDb(histogramCodec.toAnyValue(h)) : null,
    attributesForDb(p.attributes),
    attributesForDb(p.resource.attributes),
    extraJson({
      scope: p.scope,
      rdac: p.resource.droppedAttributesCount,
      rsu: p.resource.schemaUrl,
      eh: p.exponentialHistogram,
      ex: p.exemplars,
    }),
  ];
}

export function logRow(l: LogRecord): CopyValue[] {
  const isString = typeof l.body === 'string';
  return [
    l.timeUnixNano,
    l.observedTimeUnixNano,
    l.severityNumber,
    escapeNullable(l.severityText),
    escapeText(isString ? (l.body as string) : encodeAnyValue(l.body)),
    isString,
    escapeNullable(l.traceId || undefined),
    escapeNullable(l.spanId || undefined),
    escapeText(serviceNameOf(l.resource)),
    attributesForDb(l.attributes),
    attributesForDb(l.resource.attributes),
    extraJson({
      dac: l.droppedAttributesCount,
      flags: l.flags,
      en: l.eventName,
      scope: l.scope,
      rdac: l.resource.droppedAttributesCount,
      rsu: l.resource.schemaUrl,
    }),
  ];
}

export interface LogDbRow {
  seq: string;
  time_ns: string;
  observed_ns: string;
  severity_number: number;
  severity_text: string | null;
  body_text: string;
  body_is_string: boolean;
  trace_id: string | null;
  span_id: string | null;
  attributes: string;
  resource_attributes: string;
  extra: string;
}

export function logFromRow(r: LogDbRow): LogRecord {
  const x = decodeExtra(r.extra);
  const text = unescapeText(r.body_text);
  const log: LogRecord = {
    timeUnixNano: BigInt(r.time_ns),
    observedTimeUnixNano: BigInt(r.observed_ns),
    severityNumber: r.severity_number,
    body: r.body_is_string ? text : decodeAnyValue(text),
    attributes: attributesFromDb(r.attributes),
    resource: resourceFrom(r.resource_attributes, x),
    scope: scopeCodec.fromAnyValue(x.scope as AttributeValue | undefined),
  };
  if (r.severity_text !== null) log.severityText = unescapeText(r.severity_text);
  if (x.dac !== undefined) log.droppedAttributesCount = x.dac as number;
  if (r.trace_id !== null) log.traceId = unescapeText(r.trace_id);
  if (r.span_id !== null) log.spanId = unescapeText(r.span_id);
  if (x.flags !== undefined) log.flags = x.flags as number;
  if (x.en !== undefined) log.eventName = x.en as string;
  return log;
}

/** A span as one COPY text line: spanRow with each column's escaping chosen by its type (numbers need none). */
export function spanLine(s: SpanRecord): string {
  const r = spanRow(s);
  return `${copyField(r[0])}\t${copyField(r[1])}\t${copyField(r[2])}\t${copyField(r[3])}\t${r[4]}\t${r[5]}\t${r[6]}\t${r[7]}\t${r[8]}\t${copyField(r[9])}\t${copyField(r[10])}\t${copyJson(r[11] as string)}\t${copyJson(r[12] as string)}\t${copyJson(r[13] as string)}\n`;
}

/** A metric_points row as the raw point read selects it (every column). */
export interface MetricDbRow {
  seq: string;
  name: string;
  time_ns: string;
  start_ns: string;
  type: string;
  temporality: string;
  is_monotonic: boolean | null;
  unit: string | null;
  description: string | null;
  value: number | null;
  histogram: string | null;
  attributes: string;
  resource_attributes: string;
  extra: string;
}

/** The stored point back from its row, losslessly (the inverse of {@link metricRow}). */
export function metricFromRow(r: MetricDbRow): MetricPoint {
  const x = decodeExtra(r.extra);
  const p: MetricPoint = {
    name: unescapeText(r.name),
    type: r.type as MetricPoint['type'],
    temporality: r.temporality as MetricPoint['temporality'],
    attributes: attributesFromDb(r.attributes),
    resource: resourceFrom(r.resource_attributes, x),
    scope: x.scope as InstrumentationScope,
    startTimeUnixNano: BigInt(r.start_ns),
    timeUnixNano: BigInt(r.time_ns),
  };
  if (r.description !== null) p.description = unescapeText(r.description);
  if (r.unit !== null) p.unit = unescapeText(r.unit);
  if (r.is_monotonic !== null) p.isMonotonic = r.is_monotonic;
  if (r.value !== null) p.value = Number(r.value);
  if (r.histogram !== null)
    p.histogram = decodeAnyValue(jsonFromDb(r.histogram)) as unknown as MetricPoint['histogram'];
  if (x.eh !== undefined) p.exponentialHistogram = x.eh as MetricPoint['exponentialHistogram'];
  if (x.ex !== undefined) p.exemplars = x.ex as MetricPoint['exemplars'];
  return p;
}
