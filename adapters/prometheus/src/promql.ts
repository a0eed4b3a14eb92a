/**
 * PromQL text built from a normalized metric query. PromQL has no bind parameters, so every value goes through
 * {@link promqlString} (a double-quoted string literal with Go escapes) and every regex through {@link regexLiteral}.
 */
import type { AttributeFilter, MetricAggregation, NormalizedMetricQuery } from '@rohas/telemetry/adapter';
import { QueryError } from '@rohas/telemetry/adapter';
import { sanitizeLabelName } from './naming.js';
import { attributeValueText } from './render.js';

/**
 * A PromQL double-quoted string literal holding exactly `value`: backslash, double quote and every control
 * character are escaped (as `\\`, `\"`, `\n`, `\t`, `\r` or `\xHH`), so no input can end the literal early or
 * change the query around it. Characters above U+007F are written as themselves (PromQL strings are UTF-8).
 */
export function promqlString(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** RE2 text matching `text` literally. */
export function regexQuote(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** RE2 (fully anchored, as Prometheus applies it) equivalent of the core's glob: `*` any run, `?` one character. */
export function globToRe2(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '(?s:.*)';
    else if (ch === '?') out += '(?s:.)';
    else out += regexQuote(ch);
  }
  return out;
}

/** Label matcher for one attribute filter (label names are the sanitized attribute keys, as exposed). */
export function labelMatcher(filter: AttributeFilter): string {
  const label = sanitizeLabelName(filter.key);
  const value = filter.value === undefined ? '' : attributeValueText(filter.value);
  switch (filter.op) {
    case '=':
      return `${label}=${promqlString(value)}`;
    case '!=':
      return `${label}!=${promqlString(value)}`;
    case 'exists':
      return `${label}!=""`;
    case 'wildcard':
      return `${label}=~${promqlString(globToRe2(value))}`;
    case 'regex':
      // Prometheus anchors label regexes; the core's regex is a search, so allow anything around it.
      return `${label}=~${promqlString(`(?s:.*)(?:${value})(?s:.*)`)}`;
  }
}

/** Prometheus duration text of nanoseconds (ms precision, at least 1ms). */
export function promDuration(nano: bigint): string {
  const ms = nano / 1_000_000n;
  return `${ms > 0n ? ms : 1n}ms`;
}

/** Labels that come from scraping or from the exposition itself, not from metric attributes. */
export const NON_ATTRIBUTE_LABELS = ['job', 'instance', 'otel_scope_name', 'otel_scope_version'];

/** How a query's metric name is stored in Prometheus. */
export interface ResolvedMetric {
  /** Family name as in the text format (counters end in `_total`). */
  family: string;
  type: 'counter' | 'gauge' | 'histogram';
}

function selector(series: string, q: NormalizedMetricQuery): string {
  const matchers = q.attributes.map(labelMatcher);
  return `${series}{${matchers.join(',')}}`;
}

/**
 * Restricts a range-vector expression to the service's targets: the service name lives in `target_info`, joined on
 * the target's job and instance as the specification describes.
 */
function forService(expr: string, q: NormalizedMetricQuery, range: string): string {
  if (q.service === undefined) return expr;
  return `(${expr} and on (job, instance) last_over_time(target_info{service_name=${promqlString(q.service)}}[${range}]))`;
}

function grouping(q: NormalizedMetricQuery, extra: string[] = []): string {
  if (q.groupBy === undefined) return `without (${[...NON_ATTRIBUTE_LABELS].join(', ')})`;
  return `by (${[...q.groupBy.map(sanitizeLabelName), ...extra].join(', ')})`;
}

const QUANTILE: Partial<Record<MetricAggregation, string>> = { p50: '0.5', p90: '0.9', p95: '0.95', p99: '0.99' };

/**
 * PromQL whose value at evaluation time T is the aggregation over the samples in `(T - range, T]`, grouped as the
 * query asks. Mirrors the reference semantics (aggregatePoints over the stored points of a bucket), with Prometheus's
 * scraped samples as the points.
 */
export function buildPromQL(q: NormalizedMetricQuery, metric: ResolvedMetric, range: string): string {
  const over = (fn: string, series: string, arg = '') =>
    forService(`${fn}(${arg}${selector(series, q)}[${range}])`, q, range);
  const by = grouping(q);
  const agg = q.aggregation;
  if (metric.type === 'histogram') {
    const f = metric.family;
    const quantile = QUANTILE[agg];
    if (quantile) {
      return `histogram_quantile(${quantile}, sum ${grouping(q, ['le'])} (${over('sum_over_time', `${f}_bucket`)}))`;
    }
    switch (agg) {
      case 'sum':
        return `sum ${by} (${over('sum_over_time', `${f}_sum`)})`;
      case 'count':
        return `sum ${by} (${over('sum_over_time', `${f}_count`)})`;
      case 'avg':
        return `sum ${by} (${over('sum_over_time', `${f}_sum`)}) / sum ${by} (${over('sum_over_time', `${f}_count`)})`;
      case 'last':
        return `sum ${by} (${over('last_over_time', `${f}_sum`)})`;
      default:
        throw new QueryError(
          `[rohas-telemetry] [prometheus] aggregation ${agg} is not available for histograms: Prometheus keeps no min or max of classic histograms`,
          'aggregation',
        );
    }
  }
  const s = metric.family;
  const quantile = QUANTILE[agg];
  if (quantile) return `quantile ${by} (${quantile}, ${over('quantile_over_time', s, `${quantile}, `)})`;
  switch (agg) {
    case 'sum':
      return `sum ${by} (${over('sum_over_time', s)})`;
    case 'count':
      return `sum ${by} (${over('count_over_time', s)})`;
    case 'avg':
      return `sum ${by} (${over('sum_over_time', s)}) / sum ${by} (${over('count_over_time', s)})`;
    case 'min':
      return `min ${by} (${over('min_over_time', s)})`;
    case 'max':
      return `max ${by} (${over('max_over_time', s)})`;
    case 'last':
      return `sum ${by} (${over('last_over_time', s)})`;
  }
  throw new QueryError(`[rohas-telemetry] [prometheus] unknown aggregation ${String(agg)}`, 'aggregation');
}
