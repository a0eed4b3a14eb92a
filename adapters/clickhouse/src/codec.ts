import type { AttributeFilter, AttributeScalar, Attributes, AttributeValue } from '@rohas/telemetry/adapter';
import { attributeToJson, decodeAnyValue, encodeAnyValue, QueryError, serviceNameOf } from '@rohas/telemetry/adapter';
import type { Params } from './db.js';
import { W } from './errors.js';

/*
 * Attributes in the Collector layout are `Map(LowCardinality(String), String)`: every value as text, its type lost.
 * The adapter writes that map exactly as the Collector exporter does (its `AsString()` forms: 42, 3.25, true, JSON
 * for arrays and maps, base64 for bytes) and beside it a `...Typed` map that holds, for the keys whose value is NOT
 * a string, the typed JSON of @rohas/telemetry (`42`, `true`, `{"$int":"9007199254740993"}`). A key absent from the
 * typed map is a string (every row a Collector wrote is all strings), so typed equality stays exact in SQL.
 */

export interface EncodedAttributes {
  plain: Record<string, string>;
  typed: Record<string, string>;
}

/** The text the Collector exporter stores for a value (pcommon.Value.AsString()). */
export function plainText(v: AttributeValue): string {
  if (typeof v === 'string') return v;
  if (v === null) return '';
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(attributeToJson(v));
}

export function encodeAttributeMaps(attributes: Attributes | undefined): EncodedAttributes {
  const plain: Record<string, string> = {};
  const typed: Record<string, string> = {};
  if (!attributes) return { plain, typed };
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined) continue;
    plain[k] = plainText(v);
    if (typeof v !== 'string') typed[k] = encodeAnyValue(v);
  }
  return { plain, typed };
}

export function decodeAttributeMaps(
  plain: Record<string, string> | undefined,
  typed: Record<string, string> | undefined,
): Attributes {
  const out: Attributes = {};
  if (!plain) return out;
  for (const [k, v] of Object.entries(plain)) {
    const t = typed?.[k];
    out[k] = t === undefined ? v : decodeAnyValue(t);
  }
  return out;
}

/** Typed JSON forms a stored value may have that equal `wanted` (200 equals 200 and 200n, never "200"). */
function typedForms(wanted: Exclude<AttributeScalar, string>): string[] {
  if (typeof wanted === 'boolean') return [String(wanted)];
  const forms = new Set<string>();
  if (typeof wanted === 'number') {
    forms.add(encodeAnyValue(wanted));
    if (Number.isInteger(wanted)) forms.add(encodeAnyValue(BigInt(wanted)));
  } else {
    forms.add(encodeAnyValue(wanted));
    const n = Number(wanted);
    if (BigInt(n) === wanted) forms.add(encodeAnyValue(n));
  }
  return [...forms];
}

/** Escapes a glob (`*`, `?`) into a LIKE pattern, `%`, `_` and `\` taken literally. */
export function globToLike(glob: string): string {
  let out = '';
  for (const ch of glob) {
    if (ch === '*') out += '%';
    else if (ch === '?') out += '_';
    else if (ch === '%' || ch === '_' || ch === '\\') out += `\\${ch}`;
    else out += ch;
  }
  return out;
}

/**
 * ECMAScript features ClickHouse's regular expressions (RE2) lack: lookaround and backreferences. A pattern with
 * them is refused with a query error naming it, never run with another meaning. Everything else the query API
 * accepts (an unanchored search, as the reference's `RegExp(value, 'u').test`) means the same in RE2 for the
 * patterns people write: classes, alternation, anchors, repetition, `(?:...)`, `\d \w \s`, Unicode text.
 */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

/** The RE2 pattern for a regex filter (refused when it uses what RE2 lacks); bound as a parameter by the caller. */
export function re2Pattern(source: string): string {
  if (NOT_RE2.test(source)) {
    throw new QueryError(
      `${W} attributes: regex ${JSON.stringify(source)} uses lookaround or a backreference, which ClickHouse's regular expressions (RE2) do not support`,
      'attributes',
    );
  }
  return source;
}

/**
 * One attribute condition in SQL, with the reference lookup: the item's own attribute first, then its resource's.
 * Exact for `=`, `!=`, `exists`, `wildcard`; `regex` runs as ClickHouse's match() (RE2) on string values, with the
 * pattern bound (see re2Pattern for what is refused).
 */
export function attributeCondition(
  f: AttributeFilter,
  p: Params,
  own: { plain: string; typed: string },
  resource: { plain: string; typed: string },
): string {
  const k = p.add(f.key, 'String');
  const ownHas = `mapContains(${own.plain}, ${k})`;
  const present = `(${ownHas} OR mapContains(${resource.plain}, ${k}))`;
  const plainV = `if(${ownHas}, ${own.plain}[${k}], ${resource.plain}[${k}])`;
  const typedHas = `if(${ownHas}, mapContains(${own.typed}, ${k}), mapContains(${resource.typed}, ${k}))`;
  const typedV = `if(${ownHas}, ${own.typed}[${k}], ${resource.typed}[${k}])`;
  const equals = (): string => {
    const v = f.value!;
    if (typeof v === 'string') return `(${present} AND NOT ${typedHas} AND ${plainV} = ${p.add(v, 'String')})`;
    return `(${present} AND ${typedV} IN ${p.add(typedForms(v), 'Array(String)')})`;
  };
  switch (f.op) {
    case 'exists':
      return present;
    case '=':
      return equals();
    case '!=':
      return `NOT ${equals()}`;
    case 'wildcard':
      return `(${present} AND NOT ${typedHas} AND ${plainV} LIKE ${p.add(globToLike(String(f.value)), 'String')})`;
    case 'regex':
      return `(${present} AND NOT ${typedHas} AND match(${plainV}, ${p.add(re2Pattern(String(f.value)), 'String')}))`;
    default:
      throw new Error(`attribute operator ${f.op} is not declared by the clickhouse adapter`);
  }
}

/**
 * Index-friendly necessary conditions of an `=` filter, one per map the value may sit in: `has(mapValues(map), text)`
 * with the text the plain map holds for the value. The exact condition cannot use the `mapValues` bloom-filter skip
 * indexes (its own-then-resource lookup goes through if()), and an OR of the two maps cannot either (each index
 * sees only its own map), so callers run one narrowed branch per map (UNION ALL) with the exact condition beside it.
 * Undefined when the stored text is not certain (numbers beyond 2^53, where 1e21 and 10n ** 21n print differently).
 */
export function valueHints(
  f: AttributeFilter,
  p: Params,
  own: { plain: string },
  resource: { plain: string },
): [string, string] | undefined {
  if (f.op !== '=' || f.value === undefined) return undefined;
  const v = f.value;
  let text: string | undefined;
  if (typeof v === 'string' || typeof v === 'boolean') text = String(v);
  else if (typeof v === 'number') text = Number.isInteger(v) && !Number.isSafeInteger(v) ? undefined : String(v);
  else if (typeof v === 'bigint') text = Number.isSafeInteger(Number(v)) ? String(v) : undefined;
  if (text === undefined) return undefined;
  const t = p.add(text, 'String');
  return [`has(mapValues(${own.plain}), ${t})`, `has(mapValues(${resource.plain}), ${t})`];
}

/** The ServiceName column condition: a Collector row without `service.name` holds '' (rohas reads it as unknown_service). */
export function serviceCondition(service: string, p: Params, column = 'ServiceName'): string {
  if (service === 'unknown_service') return `${column} IN ('unknown_service', '')`;
  return `${column} = ${p.add(service, 'String')}`;
}

export function serviceColumn(resource: { attributes: Attributes } | undefined): string {
  return serviceNameOf(resource as never);
}

/** JSON of the small things the layout has no column for (dropped counts, flags, typed scope attributes...). */
export function extraJson(extra: Record<string, unknown>): string {
  for (const k of Object.keys(extra)) {
    const v = extra[k];
    if (v === undefined || v === 0 || v === '' || (typeof v === 'object' && v !== null && Object.keys(v).length === 0))
      delete extra[k];
  }
  return Object.keys(extra).length === 0 ? '' : JSON.stringify(extra);
}

export function parseExtra(text: string | undefined): Record<string, unknown> {
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Nanoseconds as the decimal string a DateTime64(9) column takes in JSONEachRow. */
export const ns = (v: bigint): string => v.toString();
