import type { InstrumentationScope, Resource, SpanEvent, SpanLink, SpanRecord } from '../core-types.js';
import {
  asArr,
  asBig,
  asEnum,
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

// OTLP ExportTraceServiceRequest -> SpanRecords (the rules shared by every converter are in convert.ts).

const SPAN_KINDS: Record<string, number> = {
  SPAN_KIND_UNSPECIFIED: 0,
  SPAN_KIND_INTERNAL: 1,
  SPAN_KIND_SERVER: 2,
  SPAN_KIND_CLIENT: 3,
  SPAN_KIND_PRODUCER: 4,
  SPAN_KIND_CONSUMER: 5,
};
const STATUS_CODES: Record<string, number> = { STATUS_CODE_UNSET: 0, STATUS_CODE_OK: 1, STATUS_CODE_ERROR: 2 };

/** ExportTraceServiceRequest -> SpanRecords. */
export function spansFromRequest(request: unknown): ConvertResult<SpanRecord> {
  const result: ConvertResult<SpanRecord> = { items: [], rejected: 0, errors: [] };
  for (const { item, path, resource, scope } of otlpItems(request, ['resourceSpans', 'scopeSpans', 'spans'])) {
    const span = spanOf(item, path, resource, scope, result);
    if (span) result.items.push(span);
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
