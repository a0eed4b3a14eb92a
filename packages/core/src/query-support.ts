import { QueryError, where } from './errors.js';
import { ALL_AGGREGATIONS, ATTRIBUTE_OPERATORS } from './query.js';
import type {
  AttributeFilter,
  AttributeOperator,
  AttributeQuery,
  HistogramValue,
  LogCapabilities,
  LogQuery,
  MetricAggregation,
  MetricCapabilities,
  MetricQuery,
  NormalizedLogQuery,
  NormalizedMetricQuery,
  NormalizedRawPointQuery,
  NormalizedTraceQuery,
  RawPointQuery,
  TraceCapabilities,
  TraceQuery,
} from './types.js';

export const DEFAULT_TRACE_LIMIT = 20;
export const DEFAULT_LOG_LIMIT = 100;
export const MAX_LIMIT = 1000;

/** Turns the caller's attribute conditions into a checked filter list. */
export function normalizeAttributes(query: AttributeQuery | undefined, field = 'attributes'): AttributeFilter[] {
  if (query === undefined) return [];
  if (Array.isArray(query)) {
    return query.map((f, i) => {
      if (!f || typeof f.key !== 'string' || f.key === '') {
        throw new QueryError(`${where('query')} ${field}[${i}].key must be a non-empty string`, `${field}[${i}].key`);
      }
      if (!ATTRIBUTE_OPERATORS.includes(f.op)) {
        throw new QueryError(
          `${where('query')} ${field}[${i}].op is ${JSON.stringify(f.op)}; allowed: ${ATTRIBUTE_OPERATORS.join(', ')}`,
          `${field}[${i}].op`,
        );
      }
      if (f.op !== 'exists' && f.value === undefined) {
        throw new QueryError(
          `${where('query')} ${field}[${i}].value is required for op ${f.op}`,
          `${field}[${i}].value`,
        );
      }
      if ((f.op === 'wildcard' || f.op === 'regex') && typeof f.value !== 'string') {
        throw new QueryError(
          `${where('query')} ${field}[${i}].value must be a string for op ${f.op}`,
          `${field}[${i}].value`,
        );
      }
      if (f.op === 'regex') {
        try {
          new RegExp(f.value as string, 'u');
        } catch (error) {
          throw new QueryError(
            `${where('query')} ${field}[${i}].value is not a valid regular expression: ${(error as Error).message}`,
            `${field}[${i}].value`,
          );
        }
      }
      return f.op === 'exists' ? { key: f.key, op: f.op } : { key: f.key, op: f.op, value: f.value };
    });
  }
  if (typeof query !== 'object' || query === null) {
    throw new QueryError(
      `${where('query')} ${field} must be an object of key/value pairs or an array of filters`,
      field,
    );
  }
  return Object.entries(query).map(([key, value]) => {
    const t = typeof value;
    if (t !== 'string' && t !== 'number' && t !== 'boolean' && t !== 'bigint') {
      throw new QueryError(
        `${where('query')} ${field}.${key} must be a string, number, boolean or bigint`,
        `${field}.${key}`,
      );
    }
    return { key, op: '=' as const, value };
  });
}

function checkLimit(limit: number | undefined, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new QueryError(`${where('query')} limit must be an integer from 1 to ${MAX_LIMIT}, got ${limit}`, 'limit');
  }
  return limit;
}

function checkWindow(start: bigint | undefined, end: bigint | undefined): void {
  for (const [name, v] of [
    ['start', start],
    ['end', end],
  ] as const) {
    if (v !== undefined && typeof v !== 'bigint') {
      throw new QueryError(`${where('query')} ${name} must be a bigint of nanoseconds since the epoch`, name);
    }
  }
  if (start !== undefined && end !== undefined && end < start) {
    throw new QueryError(`${where('query')} end (${end}) is before start (${start})`, 'end');
  }
}

function checkOperators(filters: AttributeFilter[], allowed: readonly AttributeOperator[], what: string): void {
  for (const f of filters) {
    if (!allowed.includes(f.op)) {
      throw new QueryError(
        `${where('query')} this backend's ${what} store does not support attribute operator ${f.op} (supported: ${allowed.join(', ') || 'none'})`,
        'attributes',
      );
    }
  }
}

export function normalizeTraceQuery(query: TraceQuery = {}, caps?: TraceCapabilities): NormalizedTraceQuery {
  checkWindow(query.start, query.end);
  const out: NormalizedTraceQuery = {
    ...query,
    attributes: normalizeAttributes(query.attributes),
    limit: checkLimit(query.limit, DEFAULT_TRACE_LIMIT),
  };
  if (query.status !== undefined && !['unset', 'ok', 'error'].includes(query.status)) {
    throw new QueryError(`${where('query')} status must be one of unset, ok, error`, 'status');
  }
  for (const k of ['minDurationNano', 'maxDurationNano'] as const) {
    if (query[k] !== undefined && typeof query[k] !== 'bigint')
      throw new QueryError(`${where('query')} ${k} must be a bigint`, k);
  }
  if (caps) {
    checkOperators(out.attributes, caps.attributeOperators, 'trace');
    const used: Array<[TraceCapabilities['filters'][number], boolean]> = [
      ['service', query.service !== undefined],
      ['name', query.name !== undefined],
      ['duration', query.minDurationNano !== undefined || query.maxDurationNano !== undefined],
      ['status', query.status !== undefined],
      ['time', query.start !== undefined || query.end !== undefined],
    ];
    for (const [filter, isUsed] of used) {
      if (isUsed && !caps.filters.includes(filter)) {
        throw new QueryError(`${where('query')} this backend's trace store cannot filter on ${filter}`, filter);
      }
    }
    if (query.cursor !== undefined && !caps.paging)
      throw new QueryError(`${where('query')} this backend's trace store has no paging`, 'cursor');
  }
  return out;
}

export function normalizeMetricQuery(query: MetricQuery, caps?: MetricCapabilities): NormalizedMetricQuery {
  if (!query || typeof query.name !== 'string' || query.name === '')
    throw new QueryError(`${where('query')} name is required`, 'name');
  if (typeof query.start !== 'bigint' || typeof query.end !== 'bigint') {
    throw new QueryError(`${where('query')} start and end are required, as bigint nanoseconds`, 'start');
  }
  checkWindow(query.start, query.end);
  if (query.stepNano !== undefined && (typeof query.stepNano !== 'bigint' || query.stepNano <= 0n)) {
    throw new QueryError(`${where('query')} stepNano must be a positive bigint`, 'step');
  }
  if (query.stepNano !== undefined && (query.end - query.start) / query.stepNano > 11_000n) {
    throw new QueryError(`${where('query')} window / step gives more than 11,000 buckets; use a larger step`, 'step');
  }
  const aggregation = query.aggregation ?? 'avg';
  if (!ALL_AGGREGATIONS.includes(aggregation)) {
    throw new QueryError(`${where('query')} aggregation must be one of ${ALL_AGGREGATIONS.join(', ')}`, 'aggregation');
  }
  const out: NormalizedMetricQuery = { ...query, aggregation, attributes: normalizeAttributes(query.attributes) };
  if (caps) {
    if (!caps.aggregations.includes(aggregation)) {
      throw new QueryError(
        `${where('query')} this backend's metric store does not support aggregation ${aggregation} (supported: ${caps.aggregations.join(', ')})`,
        'aggregation',
      );
    }
    checkOperators(out.attributes, caps.attributeOperators, 'metric');
    if (query.groupBy !== undefined && !caps.groupBy)
      throw new QueryError(`${where('query')} this backend's metric store has no group-by`, 'groupBy');
  }
  return out;
}

/** Default and largest page of a raw point read. */
export const DEFAULT_POINT_LIMIT = 1000;
export const MAX_POINT_LIMIT = 10_000;

export function normalizeRawPointQuery(query: RawPointQuery = {}, caps?: MetricCapabilities): NormalizedRawPointQuery {
  checkWindow(query.start, query.end);
  const names = query.names ?? [];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' || n === ''))
    throw new QueryError(`${where('query')} names must be an array of non-empty metric names`, 'names');
  let limit = DEFAULT_POINT_LIMIT;
  if (query.limit !== undefined) {
    if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_POINT_LIMIT) {
      throw new QueryError(
        `${where('query')} limit must be an integer from 1 to ${MAX_POINT_LIMIT}, got ${query.limit}`,
        'limit',
      );
    }
    limit = query.limit;
  }
  const out: NormalizedRawPointQuery = {
    ...query,
    names: [...new Set(names)],
    attributes: normalizeAttributes(query.attributes),
    limit,
  };
  if (caps) checkOperators(out.attributes, caps.attributeOperators, 'metric');
  return out;
}

export function normalizeLogQuery(query: LogQuery = {}, caps?: LogCapabilities): NormalizedLogQuery {
  checkWindow(query.start, query.end);
  const order = query.order ?? 'desc';
  if (order !== 'asc' && order !== 'desc') throw new QueryError(`${where('query')} order must be asc or desc`, 'order');
  const out: NormalizedLogQuery = {
    ...query,
    attributes: normalizeAttributes(query.attributes),
    limit: checkLimit(query.limit, DEFAULT_LOG_LIMIT),
    order,
  };
  if (caps) {
    checkOperators(out.attributes, caps.attributeOperators, 'log');
    const used: Array<[LogCapabilities['filters'][number], boolean]> = [
      ['severity', query.minSeverity !== undefined],
      ['text', query.text !== undefined],
      ['traceId', query.traceId !== undefined],
      ['spanId', query.spanId !== undefined],
      ['service', query.service !== undefined],
      ['time', query.start !== undefined || query.end !== undefined],
    ];
    for (const [filter, isUsed] of used) {
      if (isUsed && !caps.filters.includes(filter))
        throw new QueryError(`${where('query')} this backend's log store cannot filter on ${filter}`, filter);
    }
    if (query.ignoreCase && query.text !== undefined && !caps.ignoreCase)
      throw new QueryError(`${where('query')} this backend's log store cannot match text ignoring case`, 'ignoreCase');
    if (query.cursor !== undefined && !caps.paging)
      throw new QueryError(`${where('query')} this backend's log store has no paging`, 'cursor');
  }
  return out;
}

/** Encodes a paging position (any JSON value; bigints allowed) as an opaque URL-safe cursor. */
export function encodeCursor(position: unknown): string {
  const json = JSON.stringify(position, (_k, v) => (typeof v === 'bigint' ? { $n: v.toString() } : v));
  return Buffer.from(json, 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; a tampered cursor is a {@link QueryError}. */
export function decodeCursor<T>(cursor: string): T {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'), (_k, v) =>
      v && typeof v === 'object' && typeof v.$n === 'string' && Object.keys(v).length === 1 ? BigInt(v.$n) : v,
    ) as T;
  } catch (error) {
    throw new QueryError(
      `${where('query')} cursor is not one this server issued: ${(error as Error).message}`,
      'cursor',
    );
  }
}

/** Quantile of `q` (0..1) from explicit-bucket counts, interpolating linearly inside the bucket as Prometheus does. */
export function histogramQuantile(q: number, bounds: number[], counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return Number.NaN;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (seen + c >= rank && c > 0) {
      const lower = i === 0 ? Math.min(0, bounds[0] ?? 0) : bounds[i - 1]!;
      const upper = i < bounds.length ? bounds[i]! : (bounds[bounds.length - 1] ?? 0);
      if (i === bounds.length) return upper;
      return lower + ((upper - lower) * (rank - seen)) / c;
    }
    seen += c;
  }
  return bounds[bounds.length - 1] ?? Number.NaN;
}

const QUANTILES: Partial<Record<MetricAggregation, number>> = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 };

export function quantileOf(aggregation: MetricAggregation): number | undefined {
  return QUANTILES[aggregation];
}

/** Merges explicit-bucket histograms with the same bounds; a histogram with other bounds is skipped. */
export function mergeHistograms(histograms: HistogramValue[]): HistogramValue | undefined {
  const first = histograms[0];
  if (!first) return undefined;
  const counts = first.counts.map(() => 0);
  let count = 0;
  let sum = 0;
  for (const h of histograms) {
    if (h.bounds.length !== first.bounds.length || h.bounds.some((b, i) => b !== first.bounds[i])) continue;
    h.counts.forEach((c, i) => {
      counts[i] = counts[i]! + c;
    });
    count += h.count;
    sum += h.sum ?? 0;
  }
  return { bounds: first.bounds, counts, count, sum };
}

/**
 * Reduces the points of one bucket and group to one value — the reference semantics of every aggregation.
 * `values` are the points' numbers in time order; for histograms pass `histograms` instead.
 */
export function aggregatePoints(
  aggregation: MetricAggregation,
  values: number[],
  histograms?: HistogramValue[],
): number | undefined {
  if (histograms && histograms.length > 0) {
    const q = quantileOf(aggregation);
    if (q !== undefined) {
      const merged = mergeHistograms(histograms)!;
      return histogramQuantile(q, merged.bounds, merged.counts);
    }
    const sums = histograms.map((h) => h.sum ?? 0);
    const counts = histograms.map((h) => h.count);
    switch (aggregation) {
      case 'sum':
        return sums.reduce((a, b) => a + b, 0);
      case 'count':
        return counts.reduce((a, b) => a + b, 0);
      case 'avg': {
        const c = counts.reduce((a, b) => a + b, 0);
        return c === 0 ? undefined : sums.reduce((a, b) => a + b, 0) / c;
      }
      case 'min':
        return Math.min(...histograms.map((h) => h.min ?? Number.POSITIVE_INFINITY));
      case 'max':
        return Math.max(...histograms.map((h) => h.max ?? Number.NEGATIVE_INFINITY));
      case 'last':
        return sums[sums.length - 1];
      default:
        return undefined;
    }
  }
  if (values.length === 0) return undefined;
  switch (aggregation) {
    case 'sum':
      return values.reduce((a, b) => a + b, 0);
    case 'avg':
      return values.reduce((a, b) => a + b, 0) / values.length;
    case 'min':
      return Math.min(...values);
    case 'max':
      return Math.max(...values);
    case 'count':
      return values.length;
    case 'last':
      return values[values.length - 1];
    default: {
      const q = quantileOf(aggregation)!;
      const sorted = [...values].sort((a, b) => a - b);
      const pos = q * (sorted.length - 1);
      const lo = Math.floor(pos);
      const hi = Math.ceil(pos);
      return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
    }
  }
}

/** Start of the bucket that `time` falls into, for a window starting at `start` with buckets of `step`. */
export function bucketStart(time: bigint, start: bigint, step: bigint | undefined): bigint {
  if (step === undefined) return start;
  return start + ((time - start) / step) * step;
}

/** A stable key for a set of labels (sorted keys), for grouping in memory. */
export function labelsKey(labels: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
    (_k, v) => (typeof v === 'bigint' ? `${v}n` : v),
  );
}
