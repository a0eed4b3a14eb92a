import type { Attributes, AttributeValue, LogRecord, SpanRecord } from './model.js';
import type { SdkConfig, TelemetryLimits } from './types.js';

/*
 * The OpenTelemetry attribute, event and link limits, applied where a span or log record enters from outside the
 * SDK (the OTLP receiver), with the same rules the SDK applies to the records it builds itself:
 *
 * - Specification, "Attribute Limits" (specification/common/README.md#attribute-limits): the count limit keeps the
 *   attributes that came first and drops the rest, counting them in `dropped_attributes_count`; a value longer than
 *   the length limit is truncated (strings, each string of an array), and truncation is not a drop. Defaults: 128
 *   attributes, no length limit.
 * - Specification, "Span Limits" (specification/trace/sdk.md#span-limits): events and links beyond 128 each are
 *   dropped and counted in `dropped_events_count` / `dropped_links_count`; 128 attributes per event and per link.
 * - Specification, "LogRecord Limits" (specification/logs/sdk.md#logrecord-limits): the record's attributes; the
 *   body is not an attribute and is not limited.
 * - Environment (configuration/sdk-environment-variables.md): a signal's own variable wins over the general
 *   `OTEL_ATTRIBUTE_*` one; env-spec.ts maps every variable to its `[telemetry]` key.
 *
 * Resource and scope attributes are not limited (the specification exempts resource attributes).
 */

/** The specification's default count limit (attributes, events, links, attributes per event/link). */
export const DEFAULT_COUNT_LIMIT = 128;

type LimitKeys = Pick<
  SdkConfig,
  | 'attribute_count_limit'
  | 'attribute_value_length_limit'
  | 'span_attribute_count_limit'
  | 'span_attribute_value_length_limit'
  | 'span_event_count_limit'
  | 'span_link_count_limit'
  | 'event_attribute_count_limit'
  | 'link_attribute_count_limit'
  | 'logrecord_attribute_count_limit'
  | 'logrecord_attribute_value_length_limit'
>;

/** The limits a config names, resolved with the specification's precedence and defaults (no length limit: Infinity). */
export function limitsFromConfig(config: LimitKeys): TelemetryLimits {
  const count = config.attribute_count_limit ?? DEFAULT_COUNT_LIMIT;
  const length = config.attribute_value_length_limit ?? Number.POSITIVE_INFINITY;
  return {
    spanAttributeCount: config.span_attribute_count_limit ?? count,
    spanAttributeValueLength: config.span_attribute_value_length_limit ?? length,
    spanEventCount: config.span_event_count_limit ?? DEFAULT_COUNT_LIMIT,
    spanLinkCount: config.span_link_count_limit ?? DEFAULT_COUNT_LIMIT,
    eventAttributeCount: config.event_attribute_count_limit ?? count,
    linkAttributeCount: config.link_attribute_count_limit ?? count,
    logAttributeCount: config.logrecord_attribute_count_limit ?? count,
    logAttributeValueLength: config.logrecord_attribute_value_length_limit ?? length,
  };
}

/** The SDK LoggerProvider's `logRecordLimits` (the logs SDK reads no environment variable itself). */
export function logRecordLimitsFor(config: LimitKeys): {
  attributeCountLimit: number;
  attributeValueLengthLimit: number;
} {
  const limits = limitsFromConfig(config);
  return { attributeCountLimit: limits.logAttributeCount, attributeValueLengthLimit: limits.logAttributeValueLength };
}

/**
 * A string cut to at most `limit` UTF-16 code units (the unit JavaScript SDKs count), never between the two halves
 * of a surrogate pair: a lone surrogate is unstorable (validate.ts refuses it), so the cut moves one unit earlier.
 */
export function truncateString(value: string, limit: number): string {
  if (value.length <= limit) return value;
  let end = limit;
  const last = value.charCodeAt(end - 1);
  if (end > 0 && last >= 0xd800 && last <= 0xdbff) end--;
  return value.slice(0, end);
}

/**
 * An attribute value with its strings (and byte arrays) cut to the length limit; arrays and maps are walked, as the
 * specification asks for arrays of strings and for AnyValue. Values within the limit are returned as they are.
 */
export function truncateValue(value: AttributeValue, limit: number): AttributeValue {
  if (limit === Number.POSITIVE_INFINITY) return value;
  if (typeof value === 'string') return truncateString(value, limit);
  if (value instanceof Uint8Array) return value.length > limit ? value.subarray(0, limit) : value;
  if (Array.isArray(value)) {
    let out: AttributeValue[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = truncateValue(value[i]!, limit);
      if (v !== value[i]) {
        out ??= value.slice();
        out[i] = v;
      }
    }
    return out ?? value;
  }
  if (value !== null && typeof value === 'object') {
    let out: Record<string, AttributeValue> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const t = truncateValue(v, limit);
      if (t !== v) {
        out ??= { ...value };
        out[k] = t;
      }
    }
    return out ?? value;
  }
  return value;
}

/**
 * The first `countLimit` attributes, each value truncated to `lengthLimit`, and how many were dropped. The input is
 * returned untouched (same object) when nothing is over a limit, so the common case allocates nothing.
 */
export function limitAttributes(
  attributes: Attributes,
  countLimit: number,
  lengthLimit: number,
): { attributes: Attributes; dropped: number } {
  const keys = Object.keys(attributes);
  const dropped = Math.max(0, keys.length - countLimit);
  let out: Attributes | undefined = dropped > 0 ? {} : undefined;
  const kept = dropped > 0 ? countLimit : keys.length;
  for (let i = 0; i < kept; i++) {
    const key = keys[i]!;
    const value = attributes[key]!;
    const v = truncateValue(value, lengthLimit);
    if (v !== value && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[keys[j]!] = attributes[keys[j]!]!;
    }
    if (out) out[key] = v;
  }
  return { attributes: out ?? attributes, dropped };
}

/** The span within the limits (the same object when it already was); drops are added to its dropped counts. */
export function limitSpan(span: SpanRecord, limits: TelemetryLimits): SpanRecord {
  const attrs = limitAttributes(span.attributes, limits.spanAttributeCount, limits.spanAttributeValueLength);
  let out: SpanRecord = span;
  const copy = (): SpanRecord => {
    if (out === span) out = { ...span };
    return out;
  };
  if (attrs.attributes !== span.attributes || attrs.dropped > 0) {
    copy().attributes = attrs.attributes;
    if (attrs.dropped > 0) out.droppedAttributesCount = (span.droppedAttributesCount ?? 0) + attrs.dropped;
  }
  if (span.events.length > limits.spanEventCount) {
    copy().events = span.events.slice(0, limits.spanEventCount);
    out.droppedEventsCount = (span.droppedEventsCount ?? 0) + span.events.length - limits.spanEventCount;
  }
  if (span.links.length > limits.spanLinkCount) {
    copy().links = span.links.slice(0, limits.spanLinkCount);
    out.droppedLinksCount = (span.droppedLinksCount ?? 0) + span.links.length - limits.spanLinkCount;
  }
  const events = limitEach(out.events, limits.eventAttributeCount, limits.spanAttributeValueLength);
  if (events !== out.events) copy().events = events;
  const links = limitEach(out.links, limits.linkAttributeCount, limits.spanAttributeValueLength);
  if (links !== out.links) copy().links = links;
  return out;
}

function limitEach<T extends { attributes: Attributes; droppedAttributesCount?: number }>(
  list: T[],
  countLimit: number,
  lengthLimit: number,
): T[] {
  let out: T[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    const r = limitAttributes(item.attributes, countLimit, lengthLimit);
    if (r.attributes === item.attributes && r.dropped === 0) continue;
    out ??= list.slice();
    out[i] = { ...item, attributes: r.attributes };
    if (r.dropped > 0) out[i]!.droppedAttributesCount = (item.droppedAttributesCount ?? 0) + r.dropped;
  }
  return out ?? list;
}

/** The log record within the limits (the same object when it already was); drops are added to its dropped count. */
export function limitLogRecord(record: LogRecord, limits: TelemetryLimits): LogRecord {
  const r = limitAttributes(record.attributes, limits.logAttributeCount, limits.logAttributeValueLength);
  if (r.attributes === record.attributes && r.dropped === 0) return record;
  const out: LogRecord = { ...record, attributes: r.attributes };
  if (r.dropped > 0) out.droppedAttributesCount = (record.droppedAttributesCount ?? 0) + r.dropped;
  return out;
}
