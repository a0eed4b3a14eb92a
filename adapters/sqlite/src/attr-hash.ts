import type { AttributeScalar, Attributes, AttributeValue } from '@rohas/telemetry/adapter';

/*
 * A 53-bit hash of (key, typed value), the key of the span_attrs equality index. Numbers and bigints that are
 * equal under the core's typed equality (200 and 200n) hash alike; strings, numbers and booleans never collide by
 * type because each carries a tag.
 */

function cyrb53(text: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

function valueTag(value: AttributeValue | AttributeScalar): string | undefined {
  switch (typeof value) {
    case 'string':
      return `s${value}`;
    case 'boolean':
      return value ? 'bt' : 'bf';
    case 'number':
      // Safe integers print as BigInt does; larger integral doubles go through BigInt so 1e21 matches 10n ** 21n.
      if (Number.isSafeInteger(value)) return `n${value}`;
      if (Number.isInteger(value)) return `n${BigInt(value)}`;
      return Number.isNaN(value) ? undefined : `n${value}`;
    case 'bigint':
      return `n${value}`;
    default:
      return undefined;
  }
}

/** Hash of one attribute, or undefined for values the index does not cover (arrays, maps, bytes, NaN). */
export function attributeHash(key: string, value: AttributeValue | AttributeScalar): number | undefined {
  const tag = valueTag(value);
  return tag === undefined ? undefined : cyrb53(`${key}\u0000${tag}`);
}

/** The index token of one attribute: its hash in base 36 (letters and digits only, so FTS5's ascii tokenizer keeps it whole). */
export function attributeToken(key: string, value: AttributeValue | AttributeScalar): string | undefined {
  const h = attributeHash(key, value);
  return h === undefined ? undefined : `h${h.toString(36)}`;
}

/** The space-separated tokens of every indexable attribute of a span, or undefined when there is none. */
export function attributeTokens(attributes: Attributes): string | undefined {
  let out = '';
  for (const key in attributes) {
    const t = attributeToken(key, attributes[key]!);
    if (t !== undefined) out += out ? ` ${t}` : t;
  }
  return out || undefined;
}

/** The index token of a span's service, so service and attribute conditions intersect inside the index. */
export function serviceToken(service: string): string {
  return `s${cyrb53(`service\u0000${service}`).toString(36)}`;
}
