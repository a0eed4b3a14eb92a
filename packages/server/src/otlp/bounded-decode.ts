import type { TelemetryLimits } from '@rohas/telemetry';
import type protobuf from 'protobufjs';
import { otlpTypes } from './schema.js';

/*
 * Decoding an OTLP protobuf request with the OpenTelemetry count limits applied *while* it is decoded, and a bound on
 * what one request may build in memory.
 *
 * protobufjs builds every message of a request: one span with 1,000,000 attributes (17 MB on the wire) became
 * ~1 GB of JavaScript objects and held the event loop for seconds. Here the decoders of Span, Span.Event,
 * Span.Link, LogRecord and KeyValue are wrapped (protobufjs calls a child message's decoder through its Type's own
 * `decode` property, so a wrapper sees every nested message): an attribute, event or link past its count limit is
 * skipped on the wire with the library's Reader (`reader.skip(length)`) — never built — and counted, and the counts
 * are added to the span's or record's `droppedAttributesCount` / `droppedEventsCount` / `droppedLinksCount`, as
 * the specification's limits ask (keep the first N). Every key-value and AnyValue that *is* built counts against
 * `maxValues`; past it the decode stops with DecodeLimitError (the receiver answers 413 / RESOURCE_EXHAUSTED), so
 * memory per request is bounded whatever the request holds.
 *
 * The wrappers do nothing unless a bounded decode is running (the context is set for the synchronous decode call
 * only), so every other use of the same types (encoding responses, tests) is unchanged.
 */

/** A request that would build more than `max_request_values` values; `key` names the config key. */
export class DecodeLimitError extends Error {
  readonly key = 'max_request_values';
  constructor(readonly limit: number) {
    super(
      `the request holds more than ${limit} attribute values (within the attribute count limits); the server's limit is [telemetry.server] max_request_values = ${limit}; send smaller batches`,
    );
    this.name = 'DecodeLimitError';
  }
}

interface Counter {
  limit: number;
  count: number;
}

/** A message whose attributes (and events, links) are limited while it is decoded. */
interface Owner {
  attributes: Counter;
  events?: Counter;
  links?: Counter;
}

interface Context {
  limits: TelemetryLimits;
  maxValues: number;
  values: number;
  /** Innermost message being decoded that owns limited attributes; `null` inside an attribute's own value. */
  owners: Array<Owner | null>;
}

/** What a skipped element decodes to; filtered out by the owner's wrapper before anyone sees it. */
const SKIPPED = Object.freeze({ skipped: true });

let active: Context | undefined;

type DecodeFn = (r: protobuf.Reader, l?: number, e?: number, n?: number) => protobuf.Message;
type Msg = Record<string, unknown>;

function counter(limit: number): Counter {
  return { limit, count: 0 };
}

/** Removes the skipped elements of `message[field]`; returns how many there were. */
function dropSkipped(message: Msg, field: string): number {
  const list = message[field] as unknown[] | undefined;
  if (!list || list.length === 0) return 0;
  let skipped = 0;
  for (const x of list) if (x === SKIPPED) skipped++;
  if (skipped > 0) message[field] = list.filter((x) => x !== SKIPPED);
  return skipped;
}

function addDropped(message: Msg, field: string, n: number): void {
  if (n > 0) message[field] = Number(message[field] ?? 0) + n;
}

let installed = false;

function wrap(type: protobuf.Type, make: (original: DecodeFn) => DecodeFn): void {
  type.setup(); // generates the type's own `decode`, the property parents call
  const original = type.decode.bind(type) as DecodeFn;
  (type as unknown as { decode: DecodeFn }).decode = make(original);
}

/** Counts one element against `c`; when past the limit, skips it on the wire and returns true. */
function skipPast(c: Counter | undefined, r: protobuf.Reader, l: number | undefined): boolean {
  if (!c || l === undefined) return false;
  c.count++;
  if (c.count <= c.limit) return false;
  r.skip(l);
  return true;
}

type DroppedKinds = ReadonlyArray<readonly ['attributes' | 'events' | 'links', string]>;
const ATTRIBUTES_ONLY: DroppedKinds = [['attributes', 'droppedAttributesCount']];
const SPAN_KINDS: DroppedKinds = [
  ['attributes', 'droppedAttributesCount'],
  ['events', 'droppedEventsCount'],
  ['links', 'droppedLinksCount'],
];

/**
 * Decodes one message with `owner` counting its attributes (and events, links), then adds to the message's dropped
 * counts what was skipped on the wire — the one shape the Span, Span.Event, Span.Link and LogRecord wrappers share.
 */
function decodeAsOwner(
  ctx: Context,
  owner: Owner,
  original: DecodeFn,
  args: Parameters<DecodeFn>,
  kinds: DroppedKinds = ATTRIBUTES_ONLY,
): protobuf.Message {
  ctx.owners.push(owner);
  let m: Msg;
  try {
    m = original(...args) as unknown as Msg;
  } finally {
    ctx.owners.pop();
  }
  for (const [kind, field] of kinds) addDropped(m, field, dropSkipped(m, kind));
  return m as unknown as protobuf.Message;
}

function install(): void {
  if (installed) return;
  installed = true;
  const root = otlpTypes().traceRequest.root;
  const type = (name: string) => root.lookupType(name);

  wrap(type('opentelemetry.proto.trace.v1.Span'), (original) => (r, l, e, n) => {
    const ctx = active;
    if (!ctx) return original(r, l, e, n);
    const owner = {
      attributes: counter(ctx.limits.spanAttributeCount),
      events: counter(ctx.limits.spanEventCount),
      links: counter(ctx.limits.spanLinkCount),
    };
    return decodeAsOwner(ctx, owner, original, [r, l, e, n], SPAN_KINDS);
  });

  const child =
    (kind: 'events' | 'links', limitOf: (limits: TelemetryLimits) => number) =>
    (original: DecodeFn): DecodeFn =>
    (r, l, e, n) => {
      const ctx = active;
      if (!ctx) return original(r, l, e, n);
      if (skipPast(ctx.owners.at(-1)?.[kind], r, l)) return SKIPPED as unknown as protobuf.Message;
      return decodeAsOwner(ctx, { attributes: counter(limitOf(ctx.limits)) }, original, [r, l, e, n]);
    };
  wrap(
    type('opentelemetry.proto.trace.v1.Span.Event'),
    child('events', (x) => x.eventAttributeCount),
  );
  wrap(
    type('opentelemetry.proto.trace.v1.Span.Link'),
    child('links', (x) => x.linkAttributeCount),
  );

  wrap(type('opentelemetry.proto.logs.v1.LogRecord'), (original) => (r, l, e, n) => {
    const ctx = active;
    if (!ctx) return original(r, l, e, n);
    return decodeAsOwner(ctx, { attributes: counter(ctx.limits.logAttributeCount) }, original, [r, l, e, n]);
  });

  wrap(type('opentelemetry.proto.common.v1.KeyValue'), (original) => (r, l, e, n) => {
    const ctx = active;
    if (!ctx) return original(r, l, e, n);
    if (skipPast(ctx.owners.at(-1)?.attributes, r, l)) return SKIPPED as unknown as protobuf.Message;
    if (++ctx.values > ctx.maxValues) throw new DecodeLimitError(ctx.maxValues);
    // Key-values nested in this attribute's value (a kvlist) are part of the value, not attributes of the owner.
    ctx.owners.push(null);
    try {
      return original(r, l, e, n);
    } finally {
      ctx.owners.pop();
    }
  });

  wrap(type('opentelemetry.proto.common.v1.AnyValue'), (original) => (r, l, e, n) => {
    const ctx = active;
    if (ctx && ++ctx.values > ctx.maxValues) throw new DecodeLimitError(ctx.maxValues);
    return original(r, l, e, n);
  });
}

/**
 * Decodes `bytes` as `type` (an OTLP Export*ServiceRequest) with the count limits applied during the decode and at
 * most `maxValues` key-values and AnyValues built. Throws DecodeLimitError past that bound, and protobufjs's own
 * errors for a malformed body.
 */
export function decodeBounded(
  type: protobuf.Type,
  bytes: Uint8Array,
  limits: TelemetryLimits,
  maxValues: number,
): unknown {
  install();
  const previous = active;
  active = { limits, maxValues, values: 0, owners: [] };
  try {
    return type.decode(bytes);
  } finally {
    active = previous;
  }
}
