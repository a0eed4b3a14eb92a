import type { InstrumentationScope, Resource, SpanRecord } from '@rohas/telemetry/adapter';
import { attributesFromJson, encodeAttributes, serviceNameOf } from '@rohas/telemetry/adapter';
import { attributeToken, serviceToken } from './attr-hash.js';
import type { SpanRow } from './internal-types.js';

/*
 * How records map to columns: shared by the writer (which may run in a worker thread) and the reader.
 * Events, links and rarely-set fields are compact JSON with typed attributes inside.
 */

export const big = (v: unknown): bigint => (typeof v === 'bigint' ? v : BigInt(v as number));
export const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number));

export function encodeEvents(span: SpanRecord): string | null {
  if (span.events.length === 0) return null;
  let out = '[';
  span.events.forEach((e, i) => {
    out += `${i ? ',' : ''}{"n":${JSON.stringify(e.name)},"t":"${e.timeUnixNano}","a":${encodeAttributes(e.attributes)}${e.droppedAttributesCount ? `,"d":${e.droppedAttributesCount}` : ''}}`;
  });
  return `${out}]`;
}

export function encodeLinks(span: SpanRecord): string | null {
  if (span.links.length === 0) return null;
  let out = '[';
  span.links.forEach((l, i) => {
    out += `${i ? ',' : ''}{"tr":"${l.traceId}","sp":"${l.spanId}"${l.traceState ? `,"ts":${JSON.stringify(l.traceState)}` : ''},"a":${encodeAttributes(l.attributes)}${l.droppedAttributesCount ? `,"d":${l.droppedAttributesCount}` : ''}}`;
  });
  return `${out}]`;
}

export function encodeSpanExtra(s: SpanRecord): string | null {
  const extra: Record<string, unknown> = {};
  if (s.traceState) extra.ts = s.traceState;
  if (s.flags) extra.f = s.flags;
  if (s.droppedAttributesCount) extra.da = s.droppedAttributesCount;
  if (s.droppedEventsCount) extra.de = s.droppedEventsCount;
  if (s.droppedLinksCount) extra.dl = s.droppedLinksCount;
  for (const _ in extra) return JSON.stringify(extra);
  return null;
}

export function encodeResource(r: Resource): string {
  return `{"a":${encodeAttributes(r.attributes)}${r.droppedAttributesCount ? `,"d":${r.droppedAttributesCount}` : ''}${r.schemaUrl ? `,"u":${JSON.stringify(r.schemaUrl)}` : ''}}`;
}
export function decodeResource(json: string): Resource {
  const o = JSON.parse(json) as { a: unknown; d?: number; u?: string };
  const r: Resource = { attributes: attributesFromJson(o.a) };
  if (o.d) r.droppedAttributesCount = o.d;
  if (o.u) r.schemaUrl = o.u;
  return r;
}
export function encodeScope(s: InstrumentationScope): string {
  return JSON.stringify({
    n: s.name,
    v: s.version,
    u: s.schemaUrl,
    a: s.attributes ? JSON.parse(encodeAttributes(s.attributes)) : undefined,
  });
}
export function decodeScope(json: string): InstrumentationScope {
  const o = JSON.parse(json) as { n: string; v?: string; u?: string; a?: unknown };
  const s: InstrumentationScope = { name: o.n };
  if (o.v) s.version = o.v;
  if (o.u) s.schemaUrl = o.u;
  if (o.a) s.attributes = attributesFromJson(o.a);
  return s;
}

// Resources and scopes are shared by the spans of one provider: their JSON is made once per object.
const resourceJson = new WeakMap<object, string>();
const scopeJson = new WeakMap<object, string>();
function cachedJson<T extends object>(cache: WeakMap<object, string>, value: T, encode: (v: T) => string): string {
  let json = cache.get(value);
  if (json === undefined) {
    json = encode(value);
    cache.set(value, json);
  }
  return json;
}

/*
 * The index tokens of a span's attributes, memoised per key and value: the same few keys and values come back on
 * every span of a service (method, route, status, host), and a token costs a hash of "key, tag, value" and a
 * base-36 print of a double. Same tokens as attributeTokens() (only the work is skipped); bounded: at most
 * MEMO_KEYS keys, MEMO_VALUES values per key, strings up to MEMO_STRING characters; beyond that, computed as before.
 */
const MEMO_KEYS = 1024;
const MEMO_VALUES = 256;
const MEMO_STRING = 256;
const tokenMemo = new Map<string, Map<unknown, string | undefined>>();

function memoToken(key: string, value: SpanRecord['attributes'][string]): string | undefined {
  if ((typeof value === 'object' && value !== null) || (typeof value === 'string' && value.length > MEMO_STRING))
    return attributeToken(key, value);
  let byValue = tokenMemo.get(key);
  if (byValue === undefined) {
    if (tokenMemo.size >= MEMO_KEYS) return attributeToken(key, value);
    byValue = new Map();
    tokenMemo.set(key, byValue);
  }
  const known = byValue.get(value);
  if (known !== undefined || byValue.has(value)) return known;
  const token = attributeToken(key, value);
  if (byValue.size < MEMO_VALUES) byValue.set(value, token);
  return token;
}

/** attributeTokens() through the memo: the space-separated tokens of the indexable attributes, or undefined. */
function spanAttributeTokens(attributes: SpanRecord['attributes']): string | undefined {
  let out = '';
  for (const key in attributes) {
    const t = memoToken(key, attributes[key]!);
    if (t !== undefined) out += out ? ` ${t}` : t;
  }
  return out || undefined;
}

/** serviceToken() of the last service seen: one process writes one service, nearly always. */
let lastService: string | undefined;
let lastServiceToken = '';
function serviceTokenOf(service: string): string {
  if (service !== lastService) {
    lastServiceToken = serviceToken(service);
    lastService = service;
  }
  return lastServiceToken;
}

/**
 * encodeAttributes() of a span's attributes, with a fast path: when every value is a string, a boolean, null or a
 * finite number (an HTTP span's attributes, nearly always), JSON already carries them as they are, so the object is
 * stringified directly instead of copied through the typed encoder first. Same text (same own keys, same order).
 */
export function encodeSpanAttributes(attributes: SpanRecord['attributes']): string {
  for (const key in attributes) {
    const v = attributes[key];
    if (typeof v === 'string' || typeof v === 'boolean' || v === null) continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return encodeAttributes(attributes);
  }
  return JSON.stringify(attributes);
}

/**
 * Encodes a span into the values of its row and its index document. Done on the thread that hands the batch over,
 * so the write thread only inserts: the two halves of a write then run on two cores.
 */
export function spanRow(s: SpanRecord): SpanRow {
  const service = serviceNameOf(s.resource);
  const tokens = spanAttributeTokens(s.attributes);
  return [
    s.traceId,
    s.spanId,
    s.parentSpanId ?? null,
    service,
    s.name,
    s.kind,
    s.startTimeUnixNano,
    s.endTimeUnixNano,
    s.endTimeUnixNano - s.startTimeUnixNano,
    s.status.code,
    s.status.message ?? null,
    encodeSpanAttributes(s.attributes),
    encodeEvents(s),
    encodeLinks(s),
    encodeSpanExtra(s),
    cachedJson(resourceJson, s.resource, encodeResource),
    cachedJson(scopeJson, s.scope, encodeScope),
    tokens ? `${tokens} ${serviceTokenOf(service)}` : serviceTokenOf(service),
  ];
}
