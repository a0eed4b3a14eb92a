import type { Exemplar, InstrumentationScope, MetricPoint, Resource } from '../core-types.js';
import {
  asArr,
  asBig,
  asBool,
  asCount,
  asDouble,
  asEnum,
  asI32,
  asId,
  asObj,
  asStr,
  asU32,
  type ConvertResult,
  field,
  keyValues,
  note,
  type Obj,
  otlpItems,
} from './readers.js';

// OTLP ExportMetricsServiceRequest -> MetricPoints (the rules shared by every converter are in convert.ts).

const TEMPORALITIES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: 1,
  AGGREGATION_TEMPORALITY_CUMULATIVE: 2,
};
/** ExportMetricsServiceRequest -> MetricPoints. See README "What happens to each OTLP metric type". */
export function metricsFromRequest(request: unknown): ConvertResult<MetricPoint> {
  const result: ConvertResult<MetricPoint> = { items: [], rejected: 0, errors: [] };
  for (const { item, path, resource, scope } of otlpItems(request, ['resourceMetrics', 'scopeMetrics', 'metrics']))
    metricPoints(item, path, resource, scope, result);
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
