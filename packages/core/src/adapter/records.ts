/**
 * Typed encode/decode of the parts of a record that backends keep as JSON text (resource, scope, events, links,
 * histograms, exemplars). Each codec writes the typed JSON of `encodeAnyValue` (bigint, bytes and non-finite numbers
 * tagged) and reads it back into the model's own types, checking the shape as it goes, so an adapter never needs an
 * `as unknown as` cast to turn a stored value into a record.
 */
import { decodeAnyValue, encodeAnyValue } from '../attributes.js';
import { TelemetryError, where } from '../errors.js';
import type {
  Attributes,
  AttributeValue,
  Exemplar,
  ExponentialHistogramValue,
  HistogramValue,
  InstrumentationScope,
  InstrumentType,
  Resource,
  SpanEvent,
  SpanKindValue,
  SpanLink,
  StatusCodeValue,
  Temporality,
} from '../model.js';

/** One part of a record as typed JSON: `encode`/`decode` for text columns, `toAnyValue`/`fromAnyValue` for maps. */
export interface RecordPartCodec<T> {
  encode(value: T): string;
  decode(text: string): T;
  /** The part as a plain typed value (what `encodeAnyValue` writes), for backends that nest it in a larger value. */
  toAnyValue(value: T): AttributeValue;
  fromAnyValue(value: AttributeValue | undefined): T;
}

type Map_ = { [key: string]: AttributeValue };

function bad(what: string, value: unknown): never {
  throw new TelemetryError(`${where('codec')} stored ${what} is not valid: ${String(value).slice(0, 80)}`);
}
function isMap(v: AttributeValue | undefined): v is Map_ {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}
function mapOf(v: AttributeValue | undefined, what: string): Map_ {
  return isMap(v) ? v : bad(what, v);
}
function listOf(v: AttributeValue | undefined, what: string): AttributeValue[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : bad(what, v);
}
/** An integer as bigint from a bigint, a number or a decimal string. */
export function toBigInt(v: AttributeValue | undefined, what = 'integer'): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return BigInt(v);
  return bad(what, v);
}
function num(v: AttributeValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}
function str(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
function numbers(v: AttributeValue | undefined, what: string): number[] {
  return listOf(v, what).map((x) => num(x) ?? bad(what, x));
}
function attributes(v: AttributeValue | undefined): Attributes {
  return isMap(v) ? v : {};
}
/** Copies a value made of plain objects, arrays and scalars into an AttributeValue, leaving out `undefined`. */
function plain(value: unknown): AttributeValue {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'object') {
    const out: Map_ = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return value;
  return null;
}

/**
 * The typed JSON of any part of a record (a resource, events, a histogram, a plain object of optional parts): the
 * model's parts are made of attribute values only, so `encodeAnyValue` writes them as they are (`undefined` fields
 * are left out), with no copy on the write path.
 */
export function encodeRecordPart(value: object): string {
  return encodeAnyValue(value as AttributeValue);
}

function codec<T extends object>(fromAnyValue: (v: AttributeValue | undefined) => T): RecordPartCodec<T> {
  return {
    encode: encodeRecordPart,
    decode: (text) => fromAnyValue(decodeAnyValue(text)),
    toAnyValue: (value) => plain(value),
    fromAnyValue,
  };
}

function resourceFrom(v: AttributeValue | undefined): Resource {
  const m = mapOf(v, 'resource');
  const r: Resource = { attributes: attributes(m.attributes) };
  const d = num(m.droppedAttributesCount);
  if (d !== undefined) r.droppedAttributesCount = d;
  const u = str(m.schemaUrl);
  if (u !== undefined) r.schemaUrl = u;
  return r;
}

function scopeFrom(v: AttributeValue | undefined): InstrumentationScope {
  const m = mapOf(v, 'scope');
  const s: InstrumentationScope = { name: str(m.name) ?? '' };
  const version = str(m.version);
  if (version !== undefined) s.version = version;
  if (isMap(m.attributes)) s.attributes = m.attributes;
  const u = str(m.schemaUrl);
  if (u !== undefined) s.schemaUrl = u;
  return s;
}

function eventsFrom(v: AttributeValue | undefined): SpanEvent[] {
  return listOf(v, 'events').map((x) => {
    const m = mapOf(x, 'event');
    const e: SpanEvent = {
      name: str(m.name) ?? '',
      timeUnixNano: toBigInt(m.timeUnixNano, 'event time'),
      attributes: attributes(m.attributes),
    };
    const d = num(m.droppedAttributesCount);
    if (d !== undefined) e.droppedAttributesCount = d;
    return e;
  });
}

function linksFrom(v: AttributeValue | undefined): SpanLink[] {
  return listOf(v, 'links').map((x) => {
    const m = mapOf(x, 'link');
    const l: SpanLink = {
      traceId: str(m.traceId) ?? bad('link trace id', m.traceId),
      spanId: str(m.spanId) ?? bad('link span id', m.spanId),
      attributes: attributes(m.attributes),
    };
    const ts = str(m.traceState);
    if (ts !== undefined) l.traceState = ts;
    const d = num(m.droppedAttributesCount);
    if (d !== undefined) l.droppedAttributesCount = d;
    return l;
  });
}

function statsInto<T extends HistogramValue | ExponentialHistogramValue>(m: Map_, out: T): T {
  for (const k of ['sum', 'min', 'max'] as const) {
    const n = num(m[k]);
    if (n !== undefined) out[k] = n;
  }
  return out;
}

function histogramFrom(v: AttributeValue | undefined): HistogramValue {
  const m = mapOf(v, 'histogram');
  return statsInto<HistogramValue>(m, {
    count: num(m.count) ?? 0,
    bounds: numbers(m.bounds, 'histogram bounds'),
    counts: numbers(m.counts, 'histogram counts'),
  });
}

function bucketsFrom(v: AttributeValue | undefined): { offset: number; bucketCounts: number[] } {
  const m = isMap(v) ? v : {};
  return { offset: num(m.offset) ?? 0, bucketCounts: numbers(m.bucketCounts, 'bucket counts') };
}

function exponentialHistogramFrom(v: AttributeValue | undefined): ExponentialHistogramValue {
  const m = mapOf(v, 'exponential histogram');
  const h = statsInto<ExponentialHistogramValue>(m, {
    count: num(m.count) ?? 0,
    scale: num(m.scale) ?? 0,
    zeroCount: num(m.zeroCount) ?? 0,
    positive: bucketsFrom(m.positive),
    negative: bucketsFrom(m.negative),
  });
  const zt = num(m.zeroThreshold);
  if (zt !== undefined) h.zeroThreshold = zt;
  return h;
}

function exemplarsFrom(v: AttributeValue | undefined): Exemplar[] {
  return listOf(v, 'exemplars').map((x) => {
    const m = mapOf(x, 'exemplar');
    const e: Exemplar = {
      timeUnixNano: toBigInt(m.timeUnixNano, 'exemplar time'),
      value: num(m.value) ?? 0,
      filteredAttributes: attributes(m.filteredAttributes),
    };
    const t = str(m.traceId);
    if (t !== undefined) e.traceId = t;
    const s = str(m.spanId);
    if (s !== undefined) e.spanId = s;
    return e;
  });
}

export const resourceCodec: RecordPartCodec<Resource> = codec(resourceFrom);
export const scopeCodec: RecordPartCodec<InstrumentationScope> = codec(scopeFrom);
export const eventsCodec: RecordPartCodec<SpanEvent[]> = codec(eventsFrom);
export const linksCodec: RecordPartCodec<SpanLink[]> = codec(linksFrom);
export const histogramCodec: RecordPartCodec<HistogramValue> = codec(histogramFrom);
export const exponentialHistogramCodec: RecordPartCodec<ExponentialHistogramValue> = codec(exponentialHistogramFrom);
export const exemplarsCodec: RecordPartCodec<Exemplar[]> = codec(exemplarsFrom);

/** A plain object of optional parts (an adapter's `extra` column) as a typed value; `undefined` parts are left out. */
export function toAnyValue(parts: object): AttributeValue {
  return plain(parts);
}

/** The map inside a decoded typed value, or an empty one. */
export function anyValueMap(value: AttributeValue | undefined): { [key: string]: AttributeValue } {
  return isMap(value) ? value : {};
}

/** A stored status code as the model's type (anything but 1 and 2 is unset). */
export function statusCodeOf(value: unknown): StatusCodeValue {
  const n = Number(value);
  return n === 1 || n === 2 ? n : 0;
}

/** A stored span kind as the model's type (an unknown number is unspecified). */
export function spanKindOf(value: unknown): SpanKindValue {
  const n = Number(value);
  return n === 1 || n === 2 || n === 3 || n === 4 || n === 5 ? n : 0;
}

const INSTRUMENT_TYPES: readonly InstrumentType[] = [
  'counter',
  'up_down_counter',
  'gauge',
  'histogram',
  'exponential_histogram',
];
/** A stored instrument type as the model's type; throws on a value that is not one. */
export function instrumentTypeOf(value: unknown): InstrumentType {
  const t = INSTRUMENT_TYPES.find((x) => x === value);
  return t ?? bad('instrument type', value);
}

/** A stored temporality as the model's type (anything else is unspecified). */
export function temporalityOf(value: unknown): Temporality {
  return value === 'cumulative' || value === 'delta' ? value : 'unspecified';
}
