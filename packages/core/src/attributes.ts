import type { AttributeFilter, AttributeScalar, Attributes, AttributeValue, Resource } from './types.js';

/*
 * Attributes are stored as JSON text in every backend. Plain JSON keeps strings, finite numbers, booleans, arrays
 * and maps as they are, so backend JSON functions can read them; the few values JSON cannot carry are tagged:
 *   bigint            -> {"$int":"123..."}
 *   Uint8Array        -> {"$bytes":"<base64>"}
 *   NaN / ±Infinity   -> {"$double":"NaN"}
 * A user map whose only key is one of these tags is itself wrapped as {"$map": {...}} so decoding is unambiguous.
 */

const TAGS = new Set(['$int', '$bytes', '$double', '$map']);

function toJsonValue(value: AttributeValue): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : { $double: String(value) };
  if (typeof value === 'bigint') return { $int: value.toString() };
  if (value instanceof Uint8Array) return { $bytes: Buffer.from(value).toString('base64') };
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJsonValue(v);
    const keys = Object.keys(out);
    if (keys.length === 1 && TAGS.has(keys[0]!)) return { $map: out };
    return out;
  }
  return null;
}

function fromJsonValue(value: unknown): AttributeValue {
  if (value === null || typeof value !== 'object') return value as AttributeValue;
  if (Array.isArray(value)) return value.map(fromJsonValue);
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 1) {
    const k = keys[0]!;
    if (k === '$int') return BigInt(obj.$int as string);
    if (k === '$bytes') return new Uint8Array(Buffer.from(obj.$bytes as string, 'base64'));
    if (k === '$double') return Number(obj.$double);
    if (k === '$map') return fromJsonObject(obj.$map as Record<string, unknown>);
  }
  return fromJsonObject(obj);
}

function fromJsonObject(obj: Record<string, unknown>): { [key: string]: AttributeValue } {
  const out: { [key: string]: AttributeValue } = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fromJsonValue(v);
  return out;
}

/** Encodes any attribute value (or log body) as JSON text that {@link decodeAnyValue} restores with its type. */
export function encodeAnyValue(value: AttributeValue): string {
  return JSON.stringify(toJsonValue(value));
}

export function decodeAnyValue(text: string): AttributeValue {
  return fromJsonValue(JSON.parse(text));
}

/** Encodes attributes as a JSON object text; see {@link decodeAttributes}. */
export function encodeAttributes(attributes: Attributes | undefined): string {
  if (!attributes) return '{}';
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = toJsonValue(v);
  return JSON.stringify(out);
}

export function decodeAttributes(text: string | null | undefined): Attributes {
  if (!text) return {};
  return fromJsonObject(JSON.parse(text) as Record<string, unknown>);
}

/** Decodes attributes from the already-parsed JSON object of {@link encodeAttributes}. */
export function attributesFromJson(value: unknown): Attributes {
  return value && typeof value === 'object' ? fromJsonObject(value as Record<string, unknown>) : {};
}

/** Decodes an attribute value from the already-parsed JSON of {@link encodeAnyValue}. */
export function anyValueFromJson(value: unknown): AttributeValue {
  return fromJsonValue(value);
}

/** The JSON form a stored attribute takes, for backends that compare inside JSON (e.g. jsonb `@>`). */
export function attributeToJson(value: AttributeValue): unknown {
  return toJsonValue(value);
}

/** `service.name` of a resource, or `unknown_service` as the OpenTelemetry SDK names a service without one. */
export function serviceNameOf(resource: Resource | undefined): string {
  const name = resource?.attributes['service.name'];
  return typeof name === 'string' && name !== '' ? name : 'unknown_service';
}

/** Converts a glob (`*` any run, `?` one character) to an anchored regular expression. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (const ch of glob) {
    if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else source += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'u');
}

/** Typed equality of a stored value and a filter value: 200 equals 200 and 200n, not "200". */
export function scalarEquals(stored: AttributeValue | undefined, wanted: AttributeScalar | undefined): boolean {
  if (stored === undefined || wanted === undefined) return false;
  if (typeof stored === 'bigint' || typeof wanted === 'bigint') {
    if (
      (typeof stored === 'number' || typeof stored === 'bigint') &&
      (typeof wanted === 'number' || typeof wanted === 'bigint')
    ) {
      try {
        return BigInt(stored) === BigInt(wanted);
      } catch {
        return false;
      }
    }
    return false;
  }
  return stored === wanted;
}

const regexCache = new Map<string, RegExp>();
function cachedRegExp(key: string, make: () => RegExp): RegExp {
  let re = regexCache.get(key);
  if (!re) {
    re = make();
    if (regexCache.size > 256) regexCache.clear();
    regexCache.set(key, re);
  }
  return re;
}

/**
 * Whether one attribute value satisfies one filter. This is the reference semantics every adapter must match:
 * `!=` is true when the key is missing too; `wildcard` and `regex` only match string values.
 */
export function matchesFilter(value: AttributeValue | undefined, filter: AttributeFilter): boolean {
  switch (filter.op) {
    case 'exists':
      return value !== undefined;
    case '=':
      return scalarEquals(value, filter.value);
    case '!=':
      return !scalarEquals(value, filter.value);
    case 'wildcard': {
      if (typeof value !== 'string') return false;
      const glob = String(filter.value ?? '');
      return cachedRegExp(`g:${glob}`, () => globToRegExp(glob)).test(value);
    }
    case 'regex': {
      if (typeof value !== 'string') return false;
      const source = String(filter.value ?? '');
      return cachedRegExp(`r:${source}`, () => new RegExp(source, 'u')).test(value);
    }
  }
}

/**
 * Whether an item matches every filter, looking a key up in the item's own attributes first and then in its
 * resource's attributes (so `service.name` or `host.name` can be filtered on too).
 */
export function matchesAllFilters(filters: AttributeFilter[], attributes: Attributes, resource?: Attributes): boolean {
  for (const f of filters) {
    const value = f.key in attributes ? attributes[f.key] : resource?.[f.key];
    if (!matchesFilter(value, f)) return false;
  }
  return true;
}
