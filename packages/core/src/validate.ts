import type {
  Attributes,
  AttributeValue,
  InstrumentationScope,
  InstrumentType,
  LogRecord,
  MetricPoint,
  Resource,
  SpanRecord,
  Temporality,
} from './types.js';

/*
 * Per-item validation at the door. Every value some backend cannot store exactly is refused here, per item, before
 * anything is acknowledged — never by failing the batch that would also hold other clients' items:
 *
 * - timestamps outside 0 .. 2^63-1 ns (OTLP's fixed64 allows up to 2^64-1; SQLite and PostgreSQL store int64),
 * - integers outside int64 (attribute values, counts),
 * - strings holding a lone UTF-16 surrogate (PostgreSQL's json refuses it; other stores would silently turn it into
 *   U+FFFD). NUL (U+0000) is not refused: every adapter stores it exactly (the conformance suite's hostile strings
 *   hold one), escaping it where its backend's text type cannot hold it,
 * - NaN and ±Infinity in attribute values and metric values (JSON, InfluxDB line protocol and the JSON columns of
 *   SQLite/PostgreSQL cannot hold them),
 * - a span or point whose end is before its start.
 *
 * The same rules apply to every backend, so what one store accepts every store accepts.
 */

/** Why an item was refused; the keys of `rejectedByReason` in the write-queue stats. */
export type RejectReason =
  | 'timestamp_out_of_range'
  | 'integer_out_of_range'
  | 'lone_surrogate'
  | 'non_finite_number'
  | 'end_before_start'
  | 'unknown_kind'
  | 'value_too_large';

/** One refused item: the reason and the field at fault (e.g. `attributes["http.url"]`). */
export interface ItemProblem {
  reason: RejectReason;
  field: string;
}

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);
const MAX_TIME = MAX_INT64;

// A lone high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badString(value: string, field: string): ItemProblem | undefined {
  // isWellFormed (Node 20) is a fast path; the regex is the fallback where it is missing.
  const wellFormed = (value as { isWellFormed?: () => boolean }).isWellFormed?.() ?? !LONE_SURROGATE.test(value);
  return wellFormed ? undefined : { reason: 'lone_surrogate', field };
}

function badTime(value: bigint, field: string): ItemProblem | undefined {
  return value < 0n || value > MAX_TIME ? { reason: 'timestamp_out_of_range', field } : undefined;
}

function badNumber(value: number | undefined, field: string): ItemProblem | undefined {
  return value !== undefined && !Number.isFinite(value) ? { reason: 'non_finite_number', field } : undefined;
}

function badValue(value: AttributeValue, field: string, depth = 0): ItemProblem | undefined {
  switch (typeof value) {
    case 'string':
      return badString(value, field);
    case 'number':
      return badNumber(value, field);
    case 'bigint':
      return value < MIN_INT64 || value > MAX_INT64 ? { reason: 'integer_out_of_range', field } : undefined;
    case 'boolean':
      return undefined;
    default:
      break;
  }
  if (value === null || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const p = badValue(value[i]!, `${field}[${i}]`, depth + 1);
      if (p) return p;
    }
    return undefined;
  }
  return badAttributes(value as Attributes, field, depth + 1);
}

function badAttributes(attrs: Attributes | undefined, field: string, depth = 0): ItemProblem | undefined {
  if (!attrs) return undefined;
  for (const key in attrs) {
    const name = `${field}[${JSON.stringify(key)}]`;
    const k = badString(key, `${field} key`);
    if (k) return k;
    const p = badValue(attrs[key]!, name, depth);
    if (p) return p;
  }
  return undefined;
}

// Resources and scopes are shared by every item of one SDK or one request: each object is checked once.
const checkedResources = new WeakMap<object, ItemProblem | null>();
const checkedScopes = new WeakMap<object, ItemProblem | null>();

function badResourceScope(resource: Resource, scope: InstrumentationScope): ItemProblem | undefined {
  let r = resource ? checkedResources.get(resource) : null;
  if (r === undefined) {
    r = badAttributes(resource.attributes, 'resource.attributes') ?? null;
    checkedResources.set(resource, r);
  }
  if (r) return r;
  let s = scope ? checkedScopes.get(scope) : null;
  if (s === undefined) {
    s =
      badString(scope.name ?? '', 'scope.name') ??
      badString(scope.version ?? '', 'scope.version') ??
      badAttributes(scope.attributes, 'scope.attributes') ??
      null;
    checkedScopes.set(scope, s);
  }
  return s ?? undefined;
}

function badOptionalString(value: string | undefined, field: string): ItemProblem | undefined {
  return value === undefined ? undefined : badString(value, field);
}

/** Both times in range, and the end not before the start. */
function badWindow(start: bigint, end: bigint, startField: string, endField: string): ItemProblem | undefined {
  return (
    badTime(start, startField) ??
    badTime(end, endField) ??
    (end < start ? { reason: 'end_before_start' as const, field: endField } : undefined)
  );
}

/** The first value of a span no backend can store exactly, or undefined when the span is storable. */
export function checkSpan(span: SpanRecord): ItemProblem | undefined {
  const p =
    badWindow(span.startTimeUnixNano, span.endTimeUnixNano, 'startTimeUnixNano', 'endTimeUnixNano') ??
    badString(span.name, 'name') ??
    badOptionalString(span.traceState, 'traceState') ??
    badOptionalString(span.status?.message, 'status.message') ??
    badAttributes(span.attributes, 'attributes');
  if (p) return p;
  for (let i = 0; i < span.events.length; i++) {
    const e = span.events[i]!;
    const q =
      badTime(e.timeUnixNano, `events[${i}].timeUnixNano`) ??
      badString(e.name, `events[${i}].name`) ??
      badAttributes(e.attributes, `events[${i}].attributes`);
    if (q) return q;
  }
  for (let i = 0; i < span.links.length; i++) {
    const l = span.links[i]!;
    const q =
      badOptionalString(l.traceState, `links[${i}].traceState`) ??
      badAttributes(l.attributes, `links[${i}].attributes`);
    if (q) return q;
  }
  return badResourceScope(span.resource, span.scope);
}

function badCount(value: number | undefined, field: string): ItemProblem | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value)) return { reason: 'non_finite_number', field };
  return value < 0 || value > Number.MAX_SAFE_INTEGER ? { reason: 'integer_out_of_range', field } : undefined;
}

/** How a numeric field of a histogram is bounded: a float, a count (0 .. 2^53-1), or a list of either. */
type NumericKind = 'number' | 'count' | 'numbers' | 'counts';

/** The numeric fields of each histogram shape and their bounds, checked in this order (the first problem wins). */
const HISTOGRAM_FIELDS: ReadonlyArray<readonly [string, NumericKind]> = [
  ['count', 'count'],
  ['sum', 'number'],
  ['min', 'number'],
  ['max', 'number'],
  ['bounds', 'numbers'],
  ['counts', 'counts'],
];
const EXPONENTIAL_HISTOGRAM_FIELDS: ReadonlyArray<readonly [string, NumericKind]> = [
  ['count', 'count'],
  ['sum', 'number'],
  ['min', 'number'],
  ['max', 'number'],
  ['zeroCount', 'count'],
  ['zeroThreshold', 'number'],
  ['positive.bucketCounts', 'counts'],
  ['negative.bucketCounts', 'counts'],
];

function badNumeric(value: unknown, kind: NumericKind, field: string): ItemProblem | undefined {
  if (kind === 'number') return badNumber(value as number | undefined, field);
  if (kind === 'count') return badCount(value as number | undefined, field);
  const values = (value ?? []) as number[];
  for (let i = 0; i < values.length; i++) {
    const p = badNumeric(values[i], kind === 'counts' ? 'count' : 'number', `${field}[${i}]`);
    if (p) return p;
  }
  return undefined;
}

/** Checks an object's numeric fields against a table of (dotted path, bound). */
function badFields(
  value: object,
  table: ReadonlyArray<readonly [string, NumericKind]>,
  prefix: string,
): ItemProblem | undefined {
  for (const [path, kind] of table) {
    let v: unknown = value;
    for (const part of path.split('.')) v = (v as Record<string, unknown> | undefined)?.[part];
    const p = badNumeric(v, kind, `${prefix}.${path}`);
    if (p) return p;
  }
  return undefined;
}

/** The first value of a metric point no backend can store exactly, or undefined. */
const INSTRUMENT_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'up_down_counter',
  'gauge',
  'histogram',
  'exponential_histogram',
] satisfies InstrumentType[]);
const TEMPORALITIES: ReadonlySet<string> = new Set(['cumulative', 'delta', 'unspecified'] satisfies Temporality[]);

function badKind(point: MetricPoint): ItemProblem | undefined {
  if (!INSTRUMENT_TYPES.has(point.type)) return { reason: 'unknown_kind', field: 'type' };
  if (!TEMPORALITIES.has(point.temporality)) return { reason: 'unknown_kind', field: 'temporality' };
  return undefined;
}

export function checkMetricPoint(point: MetricPoint): ItemProblem | undefined {
  const p =
    badKind(point) ??
    badWindow(point.startTimeUnixNano, point.timeUnixNano, 'startTimeUnixNano', 'timeUnixNano') ??
    badString(point.name, 'name') ??
    badOptionalString(point.description, 'description') ??
    badOptionalString(point.unit, 'unit') ??
    badNumber(point.value, 'value') ??
    badAttributes(point.attributes, 'attributes');
  if (p) return p;
  const h =
    (point.histogram && badFields(point.histogram, HISTOGRAM_FIELDS, 'histogram')) ||
    (point.exponentialHistogram &&
      badFields(point.exponentialHistogram, EXPONENTIAL_HISTOGRAM_FIELDS, 'exponentialHistogram'));
  if (h) return h;
  for (let i = 0; i < (point.exemplars?.length ?? 0); i++) {
    const x = point.exemplars![i]!;
    const q =
      badTime(x.timeUnixNano, `exemplars[${i}].timeUnixNano`) ??
      badNumber(x.value, `exemplars[${i}].value`) ??
      badAttributes(x.filteredAttributes, `exemplars[${i}].filteredAttributes`);
    if (q) return q;
  }
  return badResourceScope(point.resource, point.scope);
}

/** The first value of a log record no backend can store exactly, or undefined. */
export function checkLogRecord(log: LogRecord): ItemProblem | undefined {
  return (
    badTime(log.timeUnixNano, 'timeUnixNano') ??
    badTime(log.observedTimeUnixNano, 'observedTimeUnixNano') ??
    badOptionalString(log.severityText, 'severityText') ??
    badOptionalString(log.eventName, 'eventName') ??
    badValue(log.body, 'body') ??
    badAttributes(log.attributes, 'attributes') ??
    badResourceScope(log.resource, log.scope)
  );
}

/** The result of checking a list of items: the storable ones and a count and sample message per reason refused. */
export interface CheckedItems<T> {
  good: T[];
  rejected: number;
  /** Count of refused items per reason. */
  byReason: Partial<Record<RejectReason, number>>;
  /** One message per reason, naming the field of the first item refused for it. */
  messages: string[];
}

const DESCRIBE: Record<RejectReason, string> = {
  timestamp_out_of_range: 'a timestamp outside 0 .. 2^63-1 ns',
  integer_out_of_range: 'an integer outside the 64-bit signed range',
  lone_surrogate: 'a string with a lone UTF-16 surrogate',
  non_finite_number: 'NaN or ±Infinity',
  end_before_start: 'an end time before the start time',
  unknown_kind: 'a missing or unknown metric type or temporality',
  value_too_large: 'a string or bytes value longer than the receiver allows ([telemetry.server] max_value_bytes)',
};

/** A message for one problem, e.g. `span field startTimeUnixNano: a timestamp outside 0 .. 2^63-1 ns`. */
export function describeProblem(what: string, problem: ItemProblem): string {
  return `${what} field ${problem.field}: ${DESCRIBE[problem.reason]}`;
}

/** Splits items into storable ones and refused ones (counted by reason, one message per reason). */
export function checkItems<T>(items: T[], check: (item: T) => ItemProblem | undefined, what: string): CheckedItems<T> {
  let good: T[] | undefined;
  const out: CheckedItems<T> = { good: items, rejected: 0, byReason: {}, messages: [] };
  for (let i = 0; i < items.length; i++) {
    const problem = check(items[i]!);
    if (!problem) {
      good?.push(items[i]!);
      continue;
    }
    good ??= items.slice(0, i);
    out.rejected++;
    const seen = out.byReason[problem.reason];
    out.byReason[problem.reason] = (seen ?? 0) + 1;
    if (seen === undefined) out.messages.push(`${describeProblem(what, problem)} (item ${i})`);
  }
  if (good) out.good = good;
  return out;
}

/** What the door checks of one request found, without the items: the refusals counted by reason, one message each. */
export type CheckSummary = Omit<CheckedItems<unknown>, 'good'>;

const RECORD_CHECKS: Record<'traces' | 'metrics' | 'logs', [(item: never) => ItemProblem | undefined, string]> = {
  traces: [checkSpan, 'span'],
  metrics: [checkMetricPoint, 'metric point'],
  logs: [checkLogRecord, 'log record'],
};

/**
 * The door checks of one signal's records (spans, metric points or log records — not the SDK's objects), as the
 * storage runs them at `ingest*`. A receiver that decodes requests in a worker thread runs them there and hands the
 * storage the good items with `IngestOptions.checked` (the summary), so they are not checked again on the event loop.
 */
export function checkRecords(
  signal: 'traces' | 'metrics' | 'logs',
  items: unknown[],
  options: { maxValueBytes?: number } = {},
): CheckedItems<unknown> {
  const [check, what] = RECORD_CHECKS[signal];
  const max = options.maxValueBytes;
  const checkAll =
    max === undefined ? check : (item: never) => check(item) ?? oversizedValue(item as object, max, '', new Map());
  return checkItems(items as never[], checkAll, what) as CheckedItems<unknown>;
}

/**
 * The first string or bytes value anywhere in a record (attributes at any depth, event and link attributes, a log
 * body, the resource and scope) longer than `max` bytes in UTF-8, as an ItemProblem naming its path. A receiver's
 * bound: one such value costs the event loop a copy of it per thread it crosses (strings cannot be transferred).
 * Records are trees except for their resource and scope, which many records of a request share: those are walked
 * once per request (`shared`, one per checkRecords call).
 */
function oversizedValue(
  value: object,
  max: number,
  path: string,
  shared: Map<object, ItemProblem | null>,
): ItemProblem | undefined {
  if (value instanceof Uint8Array)
    return value.byteLength > max ? { reason: 'value_too_large', field: path } : undefined;
  const array = Array.isArray(value);
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    if (typeof v === 'string') {
      // UTF-8 takes 1..3 bytes per UTF-16 unit: only a string within 3x of the bound needs counting.
      if (v.length * 3 > max && (v.length > max || Buffer.byteLength(v) > max))
        return { reason: 'value_too_large', field: fieldPath(path, key, array) };
    } else if (v !== null && typeof v === 'object') {
      const isShared = path === '' && (key === 'resource' || key === 'scope');
      let p = isShared ? shared.get(v) : undefined;
      if (p === undefined) {
        p = oversizedValue(v, max, fieldPath(path, key, array), shared) ?? null;
        if (isShared) shared.set(v, p);
      }
      if (p) return p;
    }
  }
  return undefined;
}

function fieldPath(path: string, key: string, array: boolean): string {
  if (array) return `${path}[${key}]`;
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) return path ? `${path}.${key}` : key;
  return `${path}[${JSON.stringify(key)}]`;
}
