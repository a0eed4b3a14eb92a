import type { Attributes, AttributeValue } from '@rohas/telemetry/adapter';
import { attributeToJson, encodeAnyValue, encodeAttributes } from '@rohas/telemetry/adapter';

/*
 * PostgreSQL text and jsonb cannot hold U+0000. To store any JavaScript string losslessly, NUL is written as the
 * two characters ESC '0' and ESC itself as ESC ESC, where ESC is U+E000 (a private-use character). The mapping is
 * injective, so equality on stored text is exact; substring and LIKE tests are exact on every stored string that
 * holds no ESC, and rows whose strings do hold one are re-checked in JavaScript after decoding.
 */
export const ESC = '\uE000';
const NEEDS = /[\u0000\uE000]/;
const NEEDS_G = /[\u0000\uE000]/g;
const ESCAPED_G = /\uE000([\uE000]|0)/g;

export function escapeText(s: string): string {
  return NEEDS.test(s) ? s.replace(NEEDS_G, (c) => (c === ESC ? ESC + ESC : `${ESC}0`)) : s;
}

export function unescapeText(s: string): string {
  return s.includes(ESC) ? s.replace(ESCAPED_G, (_m, c: string) => (c === ESC ? ESC : '\u0000')) : s;
}

export function escapeNullable(s: string | undefined | null): string | null {
  return s === undefined || s === null ? null : escapeText(s);
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[f(k)] = mapStrings(v, f);
    return out;
  }
  return value;
}

/** Makes JSON text (as @rohas/telemetry encodes it) storable in jsonb: every string and key escaped. */
export function jsonForDb(json: string): string {
  // JSON.stringify writes U+0000 as the escape \u0000 and U+E000 raw; only then is the slow path needed.
  if (!json.includes('\\u0000') && !json.includes(ESC)) return json;
  return JSON.stringify(mapStrings(JSON.parse(json), escapeText));
}

/** The reverse of {@link jsonForDb}, for jsonb text read back. */
export function jsonFromDb(json: string): string {
  if (!json.includes(ESC)) return json;
  return JSON.stringify(mapStrings(JSON.parse(json), unescapeText));
}

/** Whether every value is a string, boolean or finite number: then plain JSON.stringify is the typed encoding. */
function plainAttributes(a: Attributes): boolean {
  for (const k in a) {
    const v = a[k];
    const t = typeof v;
    if (t === 'string' || t === 'boolean' || (t === 'number' && Number.isFinite(v))) continue;
    return false;
  }
  return true;
}

export const attributesForDb = (a: Attributes | undefined): string =>
  jsonForDb(a !== undefined && plainAttributes(a) ? JSON.stringify(a) : encodeAttributes(a));
export const anyValueForDb = (v: AttributeValue): string => jsonForDb(encodeAnyValue(v));

/** The jsonb text of one attribute value as stored, for containment and equality filters. */
export function attributeJsonForDb(value: AttributeValue): string {
  return jsonForDb(JSON.stringify(attributeToJson(value)));
}
