import type {
  Attributes,
  AttributeValue,
  Exemplar,
  InstrumentationScope,
  LogRecord,
  MetricPoint,
  Resource,
  SpanEvent,
  SpanLink,
  SpanRecord,
} from '../core-types.js';

/*
 * OTLP request -> rohas records. One converter serves both encodings: a protobufjs-decoded message (camelCase fields,
 * 64-bit values as Long, ids as Uint8Array, enums as numbers, unset fields only on the prototype) and a parsed OTLP/JSON
 * body (camelCase keys, ids as hex strings, 64-bit values as decimal strings or numbers, enums as integers or names).
 *
 * A body whose structure is wrong (a string where an object belongs, a non-numeric time) is malformed: the whole
 * request is refused with 400 (OtlpFormatError). An item that is well-formed but not storable (a trace id that is not
 * 16 bytes, an unknown span kind) is rejected on its own and reported as partial success.
 */

/** A structurally invalid OTLP body; `path` names the field (`resourceSpans[0].scopeSpans[0].spans[3].startTimeUnixNano`). */
export class OtlpFormatError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'OtlpFormatError';
    this.path = path;
  }
}

/** Items converted from one request, and those refused with the reasons (at most a few messages are kept). */
export interface ConvertResult<T> {
  items: T[];
  rejected: number;
  errors: string[];
}

const MAX_ERRORS = 5;
/** Deepest AnyValue nesting accepted; deeper bodies are malformed (protects the stack and every backend's JSON). */
const MAX_DEPTH = 64;

type Obj = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;

/** A field's value when it was set (own property): protobufjs keeps defaults of unset fields on the prototype. */
function field(o: Obj, key: string): unknown {
  return hasOwn.call(o, key) ? o[key] : undefined;
}

function asObj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw new OtlpFormatError(path, 'must be an object');
  return v as Obj;
}

function asArr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpFormatError(path, 'must be an array');
  return v;
}

function asStr(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OtlpFormatError(path, 'must be a string');
  return v;
}

function asBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new OtlpFormatError(path, 'must be a boolean');
  return v;
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

function isLong(v: unknown): v is LongLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LongLike).low === 'number' &&
    typeof (v as LongLike).high === 'number'
  );
}

const INT_TEXT = /^-?\d{1,20}$/;

/** A 64-bit integer field (fixed64, uint64, int64, sfixed64) as bigint; JSON gives it as a string or a number. */
function asBig(v: unknown, path: string, signed: boolean): bigint {
  if (v === undefined || v === null) return 0n;
  let big: bigint;
  if (isLong(v)) {
    big = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? big : BigInt.asIntN(64, big);
  }
  if (typeof v === 'string' && INT_TEXT.test(v)) big = BigInt(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
  else throw new OtlpFormatError(path, 'must be a 64-bit integer (a decimal string or an integer number)');
  const min = signed ? -(1n << 63n) : 0n;
  const max = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
  if (big < min || big > max) throw new OtlpFormatError(path, `is out of the ${signed ? 'int64' : 'uint64'} range`);
  return big;
}

/** A 64-bit count as a number: counts in the data model are numbers; past 2^53 they are rounded, never wrapped. */
function asCount(v: unknown, path: string): number {
  return Number(asBig(v, path, false));
}

function asU32(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new OtlpFormatError(path, 'must be a uint32');
  return n;
}

function asI32(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff)
    throw new OtlpFormatError(path, 'must be an int32');
  return n;
}

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

function asDouble(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v in SPECIAL_DOUBLES) return SPECIAL_DOUBLES[v];
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  throw new OtlpFormatError(path, 'must be a number');
}

/** An enum: an integer, or (accepted from JSON writers that use names) the enum value's name. */
function asEnum(v: unknown, names: Record<string, number>, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && hasOwn.call(names, v)) return names[v]!;
  throw new OtlpFormatError(path, `must be an enum integer or one of ${Object.keys(names).join(', ')}`);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex. Returns undefined when empty (unset) and null when present but invalid
 * (wrong length, all zero bytes), so the caller can reject the item.
 */
function asId(v: unknown, bytes: number, path: string): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  let hex: string;
  if (v instanceof Uint8Array) {
    if (v.length === 0) return undefined;
    if (v.length !== bytes) return null;
    hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  } else if (typeof v === 'string') {
    if (v === '') return undefined;
    if (v.length !== bytes * 2 || !HEX.test(v)) return null;
    hex = v.toLowerCase();
  } else {
    throw new OtlpFormatError(path, 'must be a hex string');
  }
  return /^0+$/.test(hex) ? null : hex;
}

function asBytes(v: unknown, path: string): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return new Uint8Array(Buffer.from(v, 'base64'));
  throw new OtlpFormatError(path, 'must be base64 bytes');
}

function setKey(out: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  // A key named __proto__ must become a plain own property, not replace the object's prototype.
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** An OTLP AnyValue as an attribute value: int64 inside the safe range -> number, beyond it -> bigint. */
export function anyValue(v: unknown, path: string, depth = 0): AttributeValue {
  if (depth > MAX_DEPTH) throw new OtlpFormatError(path, `nests deeper than ${MAX_DEPTH} levels`);
  const o = asObj(v, path);
  if (!o) return null;
  let x = field(o, 'stringValue');
  if (x !== undefined && x !== null) return asStr(x, `${path}.stringValue`)!;
  x = field(o, 'boolValue');
  if (x !== undefined && x !== null) return asBool(x, `${path}.boolValue`)!;
  x = field(o, 'intValue');
  if (x !== undefined && x !== null) {
    const big = asBig(x, `${path}.intValue`, true);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  x = field(o, 'doubleValue');
  if (x !== undefined && x !== null) return asDouble(x, `${path}.doubleValue`)!;
  x = field(o, 'arrayValue');
  if (x !== undefined && x !== null) {
    const values = asArr(field(asObj(x, `${path}.arrayValue`)!, 'values'), `${path}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  x = field(o, 'kvlistValue');
  if (x !== undefined && x !== null) {
    return keyValues(field(asObj(x, `${path}.kvlistValue`)!, 'values'), `${path}.kvlistValue.values`, depth + 1);
  }
  x = field(o, 'bytesValue');
  if (x !== undefined && x !== null) return asBytes(x, `${path}.bytesValue`);
  return null;
}

/** A KeyValue list as attributes; a repeated key keeps its last value. */
export function keyValues(list: unknown, path: string, depth = 0): Attributes {
  const out: Attributes = {};
  const items = asArr(list, path);
  for (let i = 0; i < items.length; i++) {
    const kv = asObj(items[i], `${path}[${i}]`);
    if (!kv) continue;
    const key = asStr(field(kv, 'key'), `${path}[${i}].key`) ?? '';
    setKey(out, key, anyValue(field(kv, 'value'), `${path}[${i}].value`, depth));
  }
  return out;
}

function resourceOf(container: Obj, path: string): Resource {
  const r = asObj(field(container, 'resource'), `${path}.resource`);
  const resource: Resource = { attributes: r ? keyValues(field(r, 'attributes'), `${path}.resource.attributes`) : {} };
  const dropped = r ? asU32(field(r, 'droppedAttributesCount'), `${path}.resource.droppedAttributesCount`) : 0;
  if (dropped) resource.droppedAttributesCount = dropped;
  const schemaUrl = asStr(field(container, 'schemaUrl'), `${path}.schemaUrl`);
  if (schemaUrl) resource.schemaUrl = schemaUrl;
  return resource;
}

/** The scope of a Scope* message. Its dropped_attributes_count has no place in the data model and is not kept. */
function scopeOf(container: Obj, path: string): InstrumentationScope {
  const s = asObj(field(container, 'scope'), `${path}.scope`);
  const scope: InstrumentationScope = { name: s ? (asStr(field(s, 'name'), `${path}.scope.name`) ?? '') : '' };
  if (s) {
    const version = asStr(field(s, 'version'), `${path}.scope.version`);
    if (version) scope.version = version;
    const attributes = keyValues(field(s, 'attributes'), `${path}.scope.attributes`);
    if (Object.keys(attributes).length > 0) scope.attributes = attributes;
  }
  const schemaUrl = asStr(field(container, 'schemaUrl'), `${path}.schemaUrl`);
  if (schemaUrl) scope.schemaUrl = schemaUrl;
  return scope;
}

function note(result: ConvertResult<unknown>, message: string): void {
  result.rejected++;
  if (result.errors.length < MAX_ERRORS) result.errors.push(message);
}

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };
const TEMPORALITIES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  for (let k = 1; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${name}${k === 1 ? '' : k}`] = i * 4 + k;
});

/** ExportTraceServiceRequest -> SpanRecords. */
export function spansFromRequest(request: unknown): ConvertResult<SpanRecord> {
  const result: ConvertResult<SpanRecord> = { items: [], rejected: 0, errors: [] };
  const req = asObj(request, '$') ?? {};
  const resourceSpans = asArr(field(req, 'resourceSpans'), 'resourceSpans');
  for (let i = 0; i < resourceSpans.length; i++) {
    const rPath = `resourceSpans[${i}]`;
    const rs = asObj(resourceSpans[i], rPath);
    if (!rs) continue;
    const resource = resourceOf(rs, rPath);
    const scopeSpans = asArr(field(rs, 'scopeSpans'), `${rPath}.scopeSpans`);
    for (let j = 0; j < scopeSpans.length; j++) {
      const sPath = `${rPath}.scopeSpans[${j}]`;
      const ss = asObj(scopeSpans[j], sPath);
      if (!ss) continue;
      const scope = scopeOf(ss, sPath);
      const spans = asArr(field(ss, 'spans'), `${sPath}.spans`);
      for (let k = 0; k < spans.length; k++) {
        const path = `${sPath}.spans[${k}]`;
        const s = asObj(spans[k], path);
        if (!s) continue;
        const span = spanOf(s, path, resource, scope, result);
        if (span) result.items.push(span);
      }
    }
  }
  return result;
}

function spanOf(
  s: Obj,
  path: string,
  resource: Resource,
  scope: InstrumentationScope,
  result: ConvertResult<SpanRecord>,
): SpanRecord | undefined {
  const traceId = asId(field(s, 'traceId'), 16, `${path}.traceId`);
  const spanId = asId(field(s, 'spanId'), 8, `${path}.spanId`);
  const parentSpanId = asId(field(s, 'parentSpanId'), 8, `${path}.parentSpanId`);
  if (!traceId || !spanId || parentSpanId === null) {
    note(result, `${path}: traceId must be 16 non-zero bytes, spanId and parentSpanId 8 non-zero bytes (hex in JSON)`);
    return undefined;
  }
  const kind = asEnum(field(s, 'kind'), SPAN_KINDS, `${path}.kind`);
  const statusObj = asObj(field(s, 'status'), `${path}.status`);
  const code = statusObj ? asEnum(field(statusObj, 'code'), STATUS_CODES, `${path}.status.code`) : 0;
  if (kind < 0 || kind > 5 || code < 0 || code > 2) {
    note(result, `${path}: unknown span kind ${kind} or status code ${code}`);
    return undefined;
  }
  const span: SpanRecord = {
    traceId,
    spanId,
    name: asStr(field(s, 'name'), `${path}.name`) ?? '',
    kind: kind as SpanRecord['kind'],
    startTimeUnixNano: asBig(field(s, 'startTimeUnixNano'), `${path}.startTimeUnixNano`, false),
    endTimeUnixNano: asBig(field(s, 'endTimeUnixNano'), `${path}.endTimeUnixNano`, false),
    status: { code: code as SpanRecord['status']['code'] },
    attributes: keyValues(field(s, 'attributes'), `${path}.attributes`),
    events: [],
    links: [],
    resource,
    scope,
  };
  if (parentSpanId) span.parentSpanId = parentSpanId;
  const traceState = asStr(field(s, 'traceState'), `${path}.traceState`);
  if (traceState) span.traceState = traceState;
  const message = statusObj ? asStr(field(statusObj, 'message'), `${path}.status.message`) : undefined;
  if (message) span.status.message = message;
  const flags = asU32(field(s, 'flags'), `${path}.flags`);
  if (flags) span.flags = flags;
  const droppedAttributes = asU32(field(s, 'droppedAttributesCount'), `${path}.droppedAttributesCount`);
  if (droppedAttributes) span.droppedAttributesCount = droppedAttributes;
  const droppedEvents = asU32(field(s, 'droppedEventsCount'), `${path}.droppedEventsCount`);
  if (droppedEvents) span.droppedEventsCount = droppedEvents;
  const droppedLinks = asU32(field(s, 'droppedLinksCount'), `${path}.droppedLinksCount`);
  if (droppedLinks) span.droppedLinksCount = droppedLinks;

  const events = asArr(field(s, 'events'), `${path}.events`);
  for (let i = 0; i < events.length; i++) {
    const ePath = `${path}.events[${i}]`;
    const e = asObj(events[i], ePath);
    if (!e) continue;
    const event: SpanEvent = {
      name: asStr(field(e, 'name'), `${ePath}.name`) ?? '',
      timeUnixNano: asBig(field(e, 'timeUnixNano'), `${ePath}.timeUnixNano`, false),
      attributes: keyValues(field(e, 'attributes'), `${ePath}.attributes`),
    };
    const dropped = asU32(field(e, 'droppedAttributesCount'), `${ePath}.droppedAttributesCount`);
    if (dropped) event.droppedAttributesCount = dropped;
    span.events.push(event);
  }

  const links = asArr(field(s, 'links'), `${path}.links`);
  for (let i = 0; i < links.length; i++) {
    const lPath = `${path}.links[${i}]`;
    const l = asObj(links[i], lPath);
    if (!l) continue;
    const linkTrace = asId(field(l, 'traceId'), 16, `${lPath}.traceId`);
    const linkSpan = asId(field(l, 'spanId'), 8, `${lPath}.spanId`);
    if (!linkTrace || !linkSpan) {
      note(result, `${lPath}: a link needs a 16-byte traceId and an 8-byte spanId`);
      return undefined;
    }
    const link: SpanLink = {
      traceId: linkTrace,
      spanId: linkSpan,
      attributes: keyValues(field(l, 'attributes'), `${lPath}.attributes`),
    };
    const ts = asStr(field(l, 'traceState'), `${lPath}.traceState`);
    if (ts) link.traceState = ts;
    const dropped = asU32(field(l, 'droppedAttributesCount'), `${lPath}.droppedAttributesCount`);
    if (dropped) link.droppedAttributesCount = dropped;
    // Link.flags (W3C flags of the linked context) has no field in SpanLink yet; it is read (validated) but not kept.
    asU32(field(l, 'flags'), `${lPath}.flags`);
    span.links.push(link);
  }
  return span;
}

/** ExportMetricsServiceRequest -> MetricPoints. See README "What happens to each OTLP metric type". */
export function metricsFromRequest(request: unknown): ConvertResult<MetricPoint> {
  const result: ConvertResult<MetricPoint> = { items: [], rejected: 0, errors: [] };
  const req = asObj(request, '$') ?? {};
  const resourceMetrics = asArr(field(req, 'resourceMetrics'), 'resourceMetrics');
  for (let i = 0; i < resourceMetrics.length; i++) {
    const rPath = `resourceMetrics[${i}]`;
    const rm = asObj(resourceMetrics[i], rPath);
    if (!rm) continue;
    const resource = resourceOf(rm, rPath);
    const scopeMetrics = asArr(field(rm, 'scopeMetrics'), `${rPath}.scopeMetrics`);
    for (let j = 0; j < scopeMetrics.length; j++) {
      const sPath = `${rPath}.scopeMetrics[${j}]`;
      const sm = asObj(scopeMetrics[j], sPath);
      if (!sm) continue;
      const scope = scopeOf(sm, sPath);
      const metrics = asArr(field(sm, 'metrics'), `${sPath}.metrics`);
      for (let k = 0; k < metrics.length; k++) {
        const mPath = `${sPath}.metrics[${k}]`;
        const m = asObj(metrics[k], mPath);
        if (m) metricPoints(m, mPath, resource, scope, result);
      }
    }
  }
  return result;
}

interface MetricBase {
  name: string;
  description?: string;
  unit?: string;
  resource: Resource;
  scope: InstrumentationScope;
}

function temporalityOf(v: unknown, path: string): MetricPoint['temporality'] {
  const t = asEnum(v, TEMPORALITIES, path);
  return t === 1 ? 'delta' : t === 2 ? 'cumulative' : 'unspecified';
}

function pointBase(
  base: MetricBase,
  p: Obj,
  path: string,
  attributesKey = 'attributes',
): Omit<MetricPoint, 'type' | 'temporality'> {
  const point: Omit<MetricPoint, 'type' | 'temporality'> = {
    name: base.name,
    attributes: keyValues(field(p, attributesKey), `${path}.${attributesKey}`),
    resource: base.resource,
    scope: base.scope,
    startTimeUnixNano: asBig(field(p, 'startTimeUnixNano'), `${path}.startTimeUnixNano`, false),
    timeUnixNano: asBig(field(p, 'timeUnixNano'), `${path}.timeUnixNano`, false),
  };
  if (base.description) point.description = base.description;
  if (base.unit) point.unit = base.unit;
  const exemplars = asArr(field(p, 'exemplars'), `${path}.exemplars`);
  if (exemplars.length > 0) {
    point.exemplars = [];
    for (let i = 0; i < exemplars.length; i++) {
      const ePath = `${path}.exemplars[${i}]`;
      const e = asObj(exemplars[i], ePath);
      if (!e) continue;
      const ex: Exemplar = {
        timeUnixNano: asBig(field(e, 'timeUnixNano'), `${ePath}.timeUnixNano`, false),
        value: numberValue(e, ePath) ?? 0,
        filteredAttributes: keyValues(field(e, 'filteredAttributes'), `${ePath}.filteredAttributes`),
      };
      const traceId = asId(field(e, 'traceId'), 16, `${ePath}.traceId`);
      const spanId = asId(field(e, 'spanId'), 8, `${ePath}.spanId`);
      if (traceId) ex.traceId = traceId;
      if (spanId) ex.spanId = spanId;
      point.exemplars.push(ex);
    }
  }
  return point;
}

/** as_double / as_int of a number point or exemplar; int64 values become numbers (the model's value is a number). */
function numberValue(p: Obj, path: string): number | undefined {
  const d = field(p, 'asDouble');
  if (d !== undefined && d !== null) return asDouble(d, `${path}.asDouble`);
  const i = field(p, 'asInt');
  if (i !== undefined && i !== null) return Number(asBig(i, `${path}.asInt`, true));
  return undefined;
}

/** Points flagged NO_RECORDED_VALUE (a staleness marker) carry no value: they are skipped, not stored. */
function noRecordedValue(p: Obj, path: string): boolean {
  return (asU32(field(p, 'flags'), `${path}.flags`) & 1) === 1;
}

function metricPoints(
  m: Obj,
  path: string,
  resource: Resource,
  scope: InstrumentationScope,
  result: ConvertResult<MetricPoint>,
): void {
  const base: MetricBase = { name: asStr(field(m, 'name'), `${path}.name`) ?? '', resource, scope };
  const description = asStr(field(m, 'description'), `${path}.description`);
  if (description) base.description = description;
  const unit = asStr(field(m, 'unit'), `${path}.unit`);
  if (unit) base.unit = unit;
  // Metric.metadata (field 12) has no place in the data model; it is validated and dropped.
  keyValues(field(m, 'metadata'), `${path}.metadata`);

  const gauge = asObj(field(m, 'gauge'), `${path}.gauge`);
  const sum = asObj(field(m, 'sum'), `${path}.sum`);
  const histogram = asObj(field(m, 'histogram'), `${path}.histogram`);
  const expHistogram = asObj(field(m, 'exponentialHistogram'), `${path}.exponentialHistogram`);
  const summary = asObj(field(m, 'summary'), `${path}.summary`);
  const data = gauge ?? sum ?? histogram ?? expHistogram ?? summary;
  const kind = gauge
    ? 'gauge'
    : sum
      ? 'sum'
      : histogram
        ? 'histogram'
        : expHistogram
          ? 'exponentialHistogram'
          : 'summary';
  if (!data) return; // a metric without data points has nothing to store
  if (base.name === '') {
    const count = asArr(field(data, 'dataPoints'), `${path}.${kind}.dataPoints`).length;
    for (let i = 0; i < count; i++) note(result, `${path}: a metric needs a name`);
    return;
  }
  const dataPoints = asArr(field(data, 'dataPoints'), `${path}.${kind}.dataPoints`);
  const temporality =
    kind === 'gauge' || kind === 'summary'
      ? 'unspecified'
      : temporalityOf(field(data, 'aggregationTemporality'), `${path}.${kind}.aggregationTemporality`);
  const isMonotonic = sum ? (asBool(field(sum, 'isMonotonic'), `${path}.sum.isMonotonic`) ?? false) : undefined;

  for (let i = 0; i < dataPoints.length; i++) {
    const pPath = `${path}.${kind}.dataPoints[${i}]`;
    const p = asObj(dataPoints[i], pPath);
    if (!p || noRecordedValue(p, pPath)) continue;
    if (gauge || sum) {
      const point: MetricPoint = {
        ...pointBase(base, p, pPath),
        type: gauge ? 'gauge' : isMonotonic ? 'counter' : 'up_down_counter',
        temporality,
      };
      if (sum) point.isMonotonic = isMonotonic;
      point.value = numberValue(p, pPath) ?? 0;
      result.items.push(point);
    } else if (histogram) {
      const counts = asArr(field(p, 'bucketCounts'), `${pPath}.bucketCounts`).map((c, k) =>
        asCount(c, `${pPath}.bucketCounts[${k}]`),
      );
      const bounds = asArr(field(p, 'explicitBounds'), `${pPath}.explicitBounds`).map(
        (b, k) => asDouble(b, `${pPath}.explicitBounds[${k}]`)!,
      );
      if (counts.length !== 0 && counts.length !== bounds.length + 1) {
        note(result, `${pPath}: bucketCounts must have explicitBounds.length + 1 entries`);
        continue;
      }
      const point: MetricPoint = {
        ...pointBase(base, p, pPath),
        type: 'histogram',
        temporality,
        histogram: { count: asCount(field(p, 'count'), `${pPath}.count`), bounds, counts },
      };
      addSumMinMax(point.histogram!, p, pPath);
      result.items.push(point);
    } else if (expHistogram) {
      const buckets = (key: 'positive' | 'negative') => {
        const b = asObj(field(p, key), `${pPath}.${key}`);
        return {
          offset: b ? asI32(field(b, 'offset'), `${pPath}.${key}.offset`) : 0,
          bucketCounts: b
            ? asArr(field(b, 'bucketCounts'), `${pPath}.${key}.bucketCounts`).map((c, k) =>
                asCount(c, `${pPath}.${key}.bucketCounts[${k}]`),
              )
            : [],
        };
      };
      const value: NonNullable<MetricPoint['exponentialHistogram']> = {
        count: asCount(field(p, 'count'), `${pPath}.count`),
        scale: asI32(field(p, 'scale'), `${pPath}.scale`),
        zeroCount: asCount(field(p, 'zeroCount'), `${pPath}.zeroCount`),
        positive: buckets('positive'),
        negative: buckets('negative'),
      };
      const zeroThreshold = asDouble(field(p, 'zeroThreshold'), `${pPath}.zeroThreshold`);
      if (zeroThreshold) value.zeroThreshold = zeroThreshold;
      addSumMinMax(value, p, pPath);
      result.items.push({
        ...pointBase(base, p, pPath),
        type: 'exponential_histogram',
        temporality,
        exponentialHistogram: value,
      });
    } else {
      // Summary: the data model has no summary type. As Prometheus does, each quantile becomes a gauge point of the
      // metric with a `quantile` attribute, and count and sum become `<name>_count` / `<name>_sum` cumulative counters.
      const common = pointBase(base, p, pPath);
      const quantiles = asArr(field(p, 'quantileValues'), `${pPath}.quantileValues`);
      for (let q = 0; q < quantiles.length; q++) {
        const qPath = `${pPath}.quantileValues[${q}]`;
        const qv = asObj(quantiles[q], qPath);
        if (!qv) continue;
        result.items.push({
          ...common,
          attributes: { ...common.attributes, quantile: asDouble(field(qv, 'quantile'), `${qPath}.quantile`) ?? 0 },
          type: 'gauge',
          temporality: 'unspecified',
          value: asDouble(field(qv, 'value'), `${qPath}.value`) ?? 0,
        });
      }
      const { exemplars: _ignored, ...plain } = common;
      result.items.push({
        ...plain,
        name: `${base.name}_count`,
        type: 'counter',
        temporality: 'cumulative',
        isMonotonic: true,
        value: asCount(field(p, 'count'), `${pPath}.count`),
      });
      result.items.push({
        ...plain,
        name: `${base.name}_sum`,
        type: 'counter',
        temporality: 'cumulative',
        isMonotonic: true,
        value: asDouble(field(p, 'sum'), `${pPath}.sum`) ?? 0,
      });
    }
  }
}

function addSumMinMax(target: { sum?: number; min?: number; max?: number }, p: Obj, path: string): void {
  for (const key of ['sum', 'min', 'max'] as const) {
    const v = asDouble(field(p, key), `${path}.${key}`);
    if (v !== undefined) target[key] = v;
  }
}

/** ExportLogsServiceRequest -> LogRecords. */
export function logsFromRequest(
  request: unknown,
  nowNano: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
): ConvertResult<LogRecord> {
  const result: ConvertResult<LogRecord> = { items: [], rejected: 0, errors: [] };
  const req = asObj(request, '$') ?? {};
  const resourceLogs = asArr(field(req, 'resourceLogs'), 'resourceLogs');
  for (let i = 0; i < resourceLogs.length; i++) {
    const rPath = `resourceLogs[${i}]`;
    const rl = asObj(resourceLogs[i], rPath);
    if (!rl) continue;
    const resource = resourceOf(rl, rPath);
    const scopeLogs = asArr(field(rl, 'scopeLogs'), `${rPath}.scopeLogs`);
    for (let j = 0; j < scopeLogs.length; j++) {
      const sPath = `${rPath}.scopeLogs[${j}]`;
      const sl = asObj(scopeLogs[j], sPath);
      if (!sl) continue;
      const scope = scopeOf(sl, sPath);
      const records = asArr(field(sl, 'logRecords'), `${sPath}.logRecords`);
      for (let k = 0; k < records.length; k++) {
        const path = `${sPath}.logRecords[${k}]`;
        const r = asObj(records[k], path);
        if (!r) continue;
        const traceId = asId(field(r, 'traceId'), 16, `${path}.traceId`);
        const spanId = asId(field(r, 'spanId'), 8, `${path}.spanId`);
        if (traceId === null || spanId === null) {
          note(result, `${path}: traceId must be 16 bytes and spanId 8 bytes (hex in JSON) when present`);
          continue;
        }
        const severityNumber = asEnum(field(r, 'severityNumber'), SEVERITY_NAMES, `${path}.severityNumber`);
        if (severityNumber < 0 || severityNumber > 24) {
          note(result, `${path}: severityNumber must be 0..24`);
          continue;
        }
        let time = asBig(field(r, 'timeUnixNano'), `${path}.timeUnixNano`, false);
        let observed = asBig(field(r, 'observedTimeUnixNano'), `${path}.observedTimeUnixNano`, false);
        // A record without a time would sit at 1970 and never show in a time window: it takes its observed time, and
        // a record with neither takes the time it was received (as the OpenTelemetry log data model suggests).
        if (observed === 0n) observed = time === 0n ? nowNano() : time;
        if (time === 0n) time = observed;
        const record: LogRecord = {
          timeUnixNano: time,
          observedTimeUnixNano: observed,
          severityNumber,
          body: anyValue(field(r, 'body'), `${path}.body`),
          attributes: keyValues(field(r, 'attributes'), `${path}.attributes`),
          resource,
          scope,
        };
        const severityText = asStr(field(r, 'severityText'), `${path}.severityText`);
        if (severityText) record.severityText = severityText;
        const dropped = asU32(field(r, 'droppedAttributesCount'), `${path}.droppedAttributesCount`);
        if (dropped) record.droppedAttributesCount = dropped;
        const flags = asU32(field(r, 'flags'), `${path}.flags`);
        if (flags) record.flags = flags;
        if (traceId) record.traceId = traceId;
        if (spanId) record.spanId = spanId;
        const eventName = asStr(field(r, 'eventName'), `${path}.eventName`);
        if (eventName) record.eventName = eventName;
        result.items.push(record);
      }
    }
  }
  return result;
}
