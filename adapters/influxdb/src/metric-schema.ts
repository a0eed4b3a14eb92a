import {
  decodeAnyValue,
  decodeAttributes,
  exemplarsCodec,
  exponentialHistogramCodec,
  histogramCodec,
  instrumentTypeOf,
  type MetricPoint,
  resourceCodec,
  scopeCodec,
  serviceNameOf,
  temporalityOf,
} from '@rohas/telemetry/adapter';
import type { Measurements, Row } from './internal-types.js';
import { decodeTagValue, formatFieldValue, QuotedString, quoteString } from './line-protocol.js';
import { attributesJson, cachedJson, encoded, hash64, json, str, tagText, toBigInt } from './schema.js';

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

function streamText(m: Pick<Measurements, 'metrics'>, p: MetricPoint): MetricStreamText {
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

export function metricLine(m: Pick<Measurements, 'metrics'>, p: MetricPoint): string {
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
