// Spans as OTLP ExportTraceServiceRequest protobuf bodies, grouped by resource as an SDK groups them: what the
// server and gRPC benchmarks send, encoded once before anything is timed.
import type { SpanRecord } from '@rohas/telemetry';
import { otlpTypes, toAnyValue } from '@rohas/telemetry-server';

/** One request body of these spans. */
export function encodeTraceRequest(spans: SpanRecord[]): Buffer {
  const type = otlpTypes().traceRequest;
  const byResource = new Map<unknown, SpanRecord[]>();
  for (const s of spans) {
    const list = byResource.get(s.resource);
    if (list) list.push(s);
    else byResource.set(s.resource, [s]);
  }
  const message = {
    resourceSpans: [...byResource.values()].map((list) => ({
      resource: {
        attributes: Object.entries(list[0]!.resource.attributes).map(([key, v]) => ({ key, value: toAnyValue(v) })),
      },
      scopeSpans: [
        {
          scope: list[0]!.scope,
          spans: list.map((s) => ({
            traceId: Buffer.from(s.traceId, 'hex'),
            spanId: Buffer.from(s.spanId, 'hex'),
            parentSpanId: s.parentSpanId ? Buffer.from(s.parentSpanId, 'hex') : undefined,
            name: s.name,
            kind: s.kind,
            startTimeUnixNano: s.startTimeUnixNano.toString(),
            endTimeUnixNano: s.endTimeUnixNano.toString(),
            attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: toAnyValue(v) })),
            status: { code: s.status.code },
          })),
        },
      ],
    })),
  };
  return Buffer.from(type.encode(type.fromObject(message)).finish());
}

/** Request bodies of `batch` spans each. */
export function encodeTraceRequests(spans: SpanRecord[], batch: number): Buffer[] {
  const bodies: Buffer[] = [];
  for (let i = 0; i < spans.length; i += batch) bodies.push(encodeTraceRequest(spans.slice(i, i + batch)));
  return bodies;
}
