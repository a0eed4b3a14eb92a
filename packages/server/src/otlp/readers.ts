import type { Attributes, AttributeValue, InstrumentationScope, Resource } from '../core-types.js';

/*
 * The scalar readers of the OTLP converters (convert-traces.ts, convert-metrics.ts, convert-logs.ts): each reads one
 * field of a protobufjs-decoded message or a parsed OTLP/JSON body, checks its type and names its path in an
 * OtlpFormatError when it is wrong. See convert.ts for the rules the converters share.
 */

/** A structurally invalid OTLP body; `path` names the field (`resourceSpans[0].scopeSpans[0].spans[3].startTimeUnixNano`). */
export class OtlpFormatError extends Error {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`${path}: ${message}`);
    this.name = 'OtlpFormatError';
    this.path = path;
  }
}

/** Items converted from one request, and those refused with the reasons (at most a few messages are kept). */
export interface ConvertResult<T> {
  items: T[];
  rejected: number;
  errors: string[];
}

export const MAX_ERRORS = 5;
/** Deepest AnyValue nesting accepted; deeper bodies are malformed (protects the stack and every backend's JSON). */
export const MAX_DEPTH = 64;

export type Obj = Record<string, unknown>;
const hasOwn = Object.prototype.hasOwnProperty;

/** A field's value when it was set (own property): protobufjs keeps defaults of unset fields on the prototype. */
export function field(o: Obj, key: string): unknown {
  return hasOwn.call(o, key) ? o[key] : undefined;
}

export function asObj(v: unknown, path: string): Obj | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || v instanceof Uint8Array)
    throw new OtlpFormatError(path, 'must be an object');
  return v as Obj;
}

export function asArr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new OtlpFormatError(path, 'must be an array');
  return v;
}

export function asStr(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new OtlpFormatError(path, 'must be a string');
  return v;
}

export function asBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new OtlpFormatError(path, 'must be a boolean');
  return v;
}

export interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

export function isLong(v: unknown): v is LongLike {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as LongLike).low === 'number' &&
    typeof (v as LongLike).high === 'number'
  );
}

const INT_TEXT = /^-?\d{1,20}$/;

/** A 64-bit integer field (fixed64, uint64, int64, sfixed64) as bigint; JSON gives it as a string or a number. */
export function asBig(v: unknown, path: string, signed: boolean): bigint {
  if (v === undefined || v === null) return 0n;
  let big: bigint;
  if (isLong(v)) {
    big = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
    return v.unsigned ? big : BigInt.asIntN(64, big);
  }
  if (typeof v === 'string' && INT_TEXT.test(v)) big = BigInt(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
  else throw new OtlpFormatError(path, 'must be a 64-bit integer (a decimal string or an integer number)');
  const min = signed ? -(1n << 63n) : 0n;
  const max = signed ? (1n << 63n) - 1n : (1n << 64n) - 1n;
  if (big < min || big > max) throw new OtlpFormatError(path, `is out of the ${signed ? 'int64' : 'uint64'} range`);
  return big;
}

/** A 64-bit count as a number: counts in the data model are numbers; past 2^53 they are rounded, never wrapped. */
export function asCount(v: unknown, path: string): number {
  return Number(asBig(v, path, false));
}

export function asU32(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff)
    throw new OtlpFormatError(path, 'must be a uint32');
  return n;
}

export function asI32(v: unknown, path: string): number {
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < -0x80000000 || n > 0x7fffffff)
    throw new OtlpFormatError(path, 'must be an int32');
  return n;
}

const SPECIAL_DOUBLES: Record<string, number> = {
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  '-Infinity': Number.NEGATIVE_INFINITY,
};

export function asDouble(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v in SPECIAL_DOUBLES) return SPECIAL_DOUBLES[v];
    if (v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  throw new OtlpFormatError(path, 'must be a number');
}

/** An enum: an integer, or (accepted from JSON writers that use names) the enum value's name. */
export function asEnum(v: unknown, names: Record<string, number>, path: string): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && hasOwn.call(names, v)) return names[v]!;
  throw new OtlpFormatError(path, `must be an enum integer or one of ${Object.keys(names).join(', ')}`);
}

const HEX = /^[0-9a-fA-F]*$/;

/**
 * A trace or span id as lowercase hex. Returns undefined when empty (unset) and null when present but invalid
 * (wrong length, all zero bytes), so the caller can reject the item.
 */
export function asId(v: unknown, bytes: number, path: string): string | undefined | null {
  if (v === undefined || v === null) return undefined;
  let hex: string;
  if (v instanceof Uint8Array) {
    if (v.length === 0) return undefined;
    if (v.length !== bytes) return null;
    hex = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  } else if (typeof v === 'string') {
    if (v === '') return undefined;
    if (v.length !== bytes * 2 || !HEX.test(v)) return null;
    hex = v.toLowerCase();
  } else {
    throw new OtlpFormatError(path, 'must be a hex string');
  }
  return /^0+$/.test(hex) ? null : hex;
}

export function asBytes(v: unknown, path: string): Uint8Array {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) return new Uint8Array(Buffer.from(v, 'base64'));
  throw new OtlpFormatError(path, 'must be base64 bytes');
}

export function setKey(out: Record<string, AttributeValue>, key: string, value: AttributeValue): void {
  // A key named __proto__ must become a plain own property, not replace the object's prototype.
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** An OTLP AnyValue as an attribute value: int64 inside the safe range -> number, beyond it -> bigint. */
export function anyValue(v: unknown, path: string, depth = 0): AttributeValue {
  if (depth > MAX_DEPTH) throw new OtlpFormatError(path, `nests deeper than ${MAX_DEPTH} levels`);
  const o = asObj(v, path);
  if (!o) return null;
  let x = field(o, 'stringValue');
  if (x !== undefined && x !== null) return asStr(x, `${path}.stringValue`)!;
  x = field(o, 'boolValue');
  if (x !== undefined && x !== null) return asBool(x, `${path}.boolValue`)!;
  x = field(o, 'intValue');
  if (x !== undefined && x !== null) {
    const big = asBig(x, `${path}.intValue`, true);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  x = field(o, 'doubleValue');
  if (x !== undefined && x !== null) return asDouble(x, `${path}.doubleValue`)!;
  x = field(o, 'arrayValue');
  if (x !== undefined && x !== null) {
    const values = asArr(field(asObj(x, `${path}.arrayValue`)!, 'values'), `${path}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  x = field(o, 'kvlistValue');
  if (x !== undefined && x !== null) {
    return keyValues(field(asObj(x, `${path}.kvlistValue`)!, 'values'), `${path}.kvlistValue.values`, depth + 1);
  }
  x = field(o, 'bytesValue');
  if (x !== undefined && x !== null) return asBytes(x, `${path}.bytesValue`);
  return null;
}

/** A KeyValue list as attributes; a repeated key keeps its last value. */
export function keyValues(list: unknown, path: string, depth = 0): Attributes {
  const out: Attributes = {};
  const items = asArr(list, path);
  for (let i = 0; i < items.length; i++) {
    const kv = asObj(items[i], `${path}[${i}]`);
    if (!kv) continue;
    const key = asStr(field(kv, 'key'), `${path}[${i}].key`) ?? '';
    setKey(out, key, anyValue(field(kv, 'value'), `${path}[${i}].value`, depth));
  }
  return out;
}

export function resourceOf(container: Obj, path: string): Resource {
  const r = asObj(field(container, 'resource'), `${path}.resource`);
  const resource: Resource = { attributes: r ? keyValues(field(r, 'attributes'), `${path}.resource.attributes`) : {} };
  const dropped = r ? asU32(field(r, 'droppedAttributesCount'), `${path}.resource.droppedAttributesCount`) : 0;
  if (dropped) resource.droppedAttributesCount = dropped;
  const schemaUrl = asStr(field(container, 'schemaUrl'), `${path}.schemaUrl`);
  if (schemaUrl) resource.schemaUrl = schemaUrl;
  return resource;
}

/** The scope of a Scope* message. Its dropped_attributes_count has no place in the data model and is not kept. */
export function scopeOf(container: Obj, path: string): InstrumentationScope {
  const s = asObj(field(container, 'scope'), `${path}.scope`);
  const scope: InstrumentationScope = { name: s ? (asStr(field(s, 'name'), `${path}.scope.name`) ?? '') : '' };
  if (s) {
    const version = asStr(field(s, 'version'), `${path}.scope.version`);
    if (version) scope.version = version;
    const attributes = keyValues(field(s, 'attributes'), `${path}.scope.attributes`);
    if (Object.keys(attributes).length > 0) scope.attributes = attributes;
  }
  const schemaUrl = asStr(field(container, 'schemaUrl'), `${path}.schemaUrl`);
  if (schemaUrl) scope.schemaUrl = schemaUrl;
  return scope;
}

export function note(result: ConvertResult<unknown>, message: string): void {
  result.rejected++;
  if (result.errors.length < MAX_ERRORS) result.errors.push(message);
}

/** One item of an OTLP request with where it sits: its JSON path and its resource and scope. */
export interface OtlpItem {
  item: Obj;
  path: string;
  resource: Resource;
  scope: InstrumentationScope;
}

/**
 * Walks the three levels every OTLP export request shares — resource, scope, item (`resourceSpans` / `scopeSpans` /
 * `spans`, and the same for logs and metrics) — skipping entries that are not objects, so each converter handles
 * only its own items.
 */
export function* otlpItems(
  request: unknown,
  keys: readonly [resourceKey: string, scopeKey: string, itemKey: string],
): Generator<OtlpItem> {
  const [resourceKey, scopeKey, itemKey] = keys;
  const req = asObj(request, '$') ?? {};
  const resources = asArr(field(req, resourceKey), resourceKey);
  for (let i = 0; i < resources.length; i++) {
    const rPath = `${resourceKey}[${i}]`;
    const r = asObj(resources[i], rPath);
    if (!r) continue;
    const resource = resourceOf(r, rPath);
    const scopes = asArr(field(r, scopeKey), `${rPath}.${scopeKey}`);
    for (let j = 0; j < scopes.length; j++) {
      const sPath = `${rPath}.${scopeKey}[${j}]`;
      const sc = asObj(scopes[j], sPath);
      if (!sc) continue;
      const scope = scopeOf(sc, sPath);
      const items = asArr(field(sc, itemKey), `${sPath}.${itemKey}`);
      for (let k = 0; k < items.length; k++) {
        const path = `${sPath}.${itemKey}[${k}]`;
        const item = asObj(items[k], path);
        if (item) yield { item, path, resource, scope };
      }
    }
  }
}
