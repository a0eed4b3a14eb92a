import type { Attributes, InstrumentationScope, LogRecord, Resource, SpanRecord } from '@rohas/telemetry/adapter';

/*
 * Adapters may store an absent optional field as its zero value (a dropped count of 0, an empty trace state).
 * These functions bring a record to one canonical form so the suite compares what matters: every value that was set.
 */

const drop = (n: number | undefined): number => n ?? 0;

function clean<T extends object>(obj: T): T {
  for (const [k, v] of Object.entries(obj)) if (v === undefined || v === '') delete (obj as Record<string, unknown>)[k];
  return obj;
}

function resource(r: Resource): Resource {
  return clean({
    attributes: r.attributes ?? {},
    droppedAttributesCount: drop(r.droppedAttributesCount),
    schemaUrl: r.schemaUrl,
  });
}

function scope(s: InstrumentationScope): InstrumentationScope {
  return clean({
    name: s.name,
    version: s.version,
    attributes: s.attributes ?? ({} as Attributes),
    schemaUrl: s.schemaUrl,
  });
}

export function canonicalSpan(s: SpanRecord): SpanRecord {
  return clean({
    traceId: s.traceId,
    spanId: s.spanId,
    parentSpanId: s.parentSpanId,
    traceState: s.traceState,
    name: s.name,
    kind: s.kind,
    startTimeUnixNano: s.startTimeUnixNano,
    endTimeUnixNano: s.endTimeUnixNano,
    status: clean({ code: s.status.code, message: s.status.message }),
    attributes: s.attributes,
    droppedAttributesCount: drop(s.droppedAttributesCount),
    events: s.events.map((e) => ({
      name: e.name,
      timeUnixNano: e.timeUnixNano,
      attributes: e.attributes ?? {},
      droppedAttributesCount: drop(e.droppedAttributesCount),
    })),
    droppedEventsCount: drop(s.droppedEventsCount),
    links: s.links.map((l) =>
      clean({
        traceId: l.traceId,
        spanId: l.spanId,
        traceState: l.traceState,
        attributes: l.attributes ?? {},
        droppedAttributesCount: drop(l.droppedAttributesCount),
      }),
    ),
    droppedLinksCount: drop(s.droppedLinksCount),
    resource: resource(s.resource),
    scope: scope(s.scope),
    flags: drop(s.flags),
  });
}

export function canonicalLog(l: LogRecord): LogRecord {
  return clean({
    timeUnixNano: l.timeUnixNano,
    observedTimeUnixNano: l.observedTimeUnixNano,
    severityNumber: l.severityNumber,
    severityText: l.severityText,
    body: l.body,
    attributes: l.attributes,
    droppedAttributesCount: drop(l.droppedAttributesCount),
    traceId: l.traceId,
    spanId: l.spanId,
    flags: drop(l.flags),
    eventName: l.eventName,
    resource: resource(l.resource),
    scope: scope(l.scope),
  });
}
