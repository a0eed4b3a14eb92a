import { serviceNameOf } from '@rohas/telemetry/adapter';
import type { AttributeValue, SpanRecord } from '../core-types.js';

/*
 * Stored spans -> the Jaeger UI JSON model (jaegertracing/jaeger `model/json/model.go`, the shape the Jaeger UI and
 * Grafana's Jaeger data source read): one trace with its spans and processes, times in microseconds. The tags a Jaeger
 * v2 server adds when it translates OTLP (`span.kind`, `error`, `otel.status_code`, `otel.scope.name`, ...; see
 * jaegertracing/jaeger `internal/uimodel/converter/v1/json` and the OTel Collector's `translator/jaeger`) are added
 * here too, so what the UI shows is also what `tags=` can search (see search.ts).
 */

export interface JaegerTag {
  key: string;
  type: 'string' | 'bool' | 'int64' | 'float64' | 'binary';
  value: string | number | boolean;
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: 'CHILD_OF' | 'FOLLOWS_FROM'; traceID: string; spanID: string }>;
  startTime: number;
  duration: number;
  tags: JaegerTag[];
  logs: Array<{ timestamp: number; fields: JaegerTag[] }>;
  processID: string;
  warnings: null;
  flags: number;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string; tags: JaegerTag[] }>;
  warnings: null;
}

const bigintSafe = (_k: string, v: unknown) => (typeof v === 'bigint' ? v.toString() : v);

export function tag(key: string, value: AttributeValue): JaegerTag {
  if (typeof value === 'string') return { key, type: 'string', value };
  if (typeof value === 'boolean') return { key, type: 'bool', value };
  if (typeof value === 'bigint') return { key, type: 'int64', value: value.toString() };
  if (typeof value === 'number')
    return Number.isInteger(value)
      ? { key, type: 'int64', value }
      : { key, type: 'float64', value: Number.isFinite(value) ? value : String(value) };
  if (value instanceof Uint8Array) return { key, type: 'binary', value: Buffer.from(value).toString('base64') };
  return { key, type: 'string', value: JSON.stringify(value, bigintSafe) };
}

/** Jaeger's `span.kind` values (the OTel Collector's jaeger translator), indexed by the OTLP SpanKind number. */
export const SPAN_KINDS = ['', 'internal', 'server', 'client', 'producer', 'consumer'] as const;
export const spanKindName = (kind: number): string => SPAN_KINDS[kind] ?? '';

const micros = (ns: bigint) => Number(ns / 1000n);

/** The tags of one span as Jaeger shows them: its attributes, then the ones the server derives from OTLP fields. */
export function spanTags(s: SpanRecord): JaegerTag[] {
  const tags = Object.entries(s.attributes).map(([k, v]) => tag(k, v));
  const kind = spanKindName(s.kind);
  if (kind) tags.push({ key: 'span.kind', type: 'string', value: kind });
  if (s.status.code === 2) tags.push({ key: 'error', type: 'bool', value: true });
  if (s.status.code !== 0)
    tags.push({ key: 'otel.status_code', type: 'string', value: s.status.code === 2 ? 'ERROR' : 'OK' });
  if (s.status.message) tags.push({ key: 'otel.status_description', type: 'string', value: s.status.message });
  if (s.scope.name) tags.push({ key: 'otel.scope.name', type: 'string', value: s.scope.name });
  if (s.scope.version) tags.push({ key: 'otel.scope.version', type: 'string', value: s.scope.version });
  if (s.traceState) tags.push({ key: 'w3c.tracestate', type: 'string', value: s.traceState });
  return tags;
}

/** The process (resource) tags: every resource attribute but `service.name`, which is the process's serviceName. */
export function processTags(s: SpanRecord): JaegerTag[] {
  return Object.entries(s.resource.attributes)
    .filter(([k]) => k !== 'service.name')
    .map(([k, v]) => tag(k, v));
}

/** The log fields of each span event: `event` (its name) then its attributes. */
export function logFields(s: SpanRecord): JaegerTag[][] {
  return s.events.map((e) => [
    { key: 'event', type: 'string', value: e.name },
    ...Object.entries(e.attributes).map(([k, v]) => tag(k, v)),
  ]);
}

/** All spans of one trace in the Jaeger UI JSON shape. */
export function jaegerTrace(spans: SpanRecord[]): JaegerTrace {
  const processes: JaegerTrace['processes'] = {};
  const processIds = new Map<string, string>();
  const out = spans.map((s): JaegerSpan => {
    const resourceKey = JSON.stringify(s.resource.attributes, bigintSafe);
    let processID = processIds.get(resourceKey);
    if (!processID) {
      processID = `p${processIds.size + 1}`;
      processIds.set(resourceKey, processID);
      processes[processID] = { serviceName: serviceNameOf(s.resource), tags: processTags(s) };
    }
    const references: JaegerSpan['references'] = [
      ...(s.parentSpanId ? [{ refType: 'CHILD_OF' as const, traceID: s.traceId, spanID: s.parentSpanId }] : []),
      ...s.links.map((l) => ({ refType: 'FOLLOWS_FROM' as const, traceID: l.traceId, spanID: l.spanId })),
    ];
    const fields = logFields(s);
    return {
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references,
      startTime: micros(s.startTimeUnixNano),
      duration: micros(s.endTimeUnixNano - s.startTimeUnixNano),
      tags: spanTags(s),
      logs: s.events.map((e, i) => ({ timestamp: micros(e.timeUnixNano), fields: fields[i]! })),
      processID,
      warnings: null,
      flags: s.flags ?? 0,
    };
  });
  return { traceID: spans[0]?.traceId ?? '', spans: out, processes, warnings: null };
}
