/*
 * The one line-protocol encoder of the adapter, shared by the 1.x (/write) and 2.x (write API) paths.
 *
 * Escaping follows the InfluxDB line-protocol reference:
 *   measurement      comma, space                      -> backslash-escaped
 *   tag key / value  comma, equals sign, space         -> backslash-escaped
 *   field key        comma, equals sign, space         -> backslash-escaped
 *   string field     double quote, backslash           -> backslash-escaped (newlines may stay: the value is quoted)
 * Line protocol cannot carry some text in a tag value at all: a newline ends the line, an empty value is dropped,
 * and a trailing backslash escapes the separator after it (influxd 1.6 answers `invalid tag format`). Tag values
 * therefore go through {@link encodeTagValue}, which keeps ordinary text readable and turns anything else into a
 * reversible `~`-prefixed base64url form. Tags only select candidate rows; the exact values live in fields.
 */

// Tests first, then plain-string replaceAll: several times faster than a regex replace with `$&` on the hot path.
const MEASUREMENT_SPECIAL = /[, ]/;
const KEY_SPECIAL = /[,= ]/;
const STRING_SPECIAL = /["\\]/;

/** Escapes a measurement name. Throws on text that line protocol cannot carry in a measurement (control characters). */
export function escapeMeasurement(name: string): string {
  if (name === '' || /[\p{Cc}\\]/u.test(name)) {
    throw new Error(
      `measurement name ${JSON.stringify(name)} is empty or has control characters or a backslash, which line protocol cannot carry`,
    );
  }
  return MEASUREMENT_SPECIAL.test(name) ? name.replaceAll(',', '\\,').replaceAll(' ', '\\ ') : name;
}

/** Escapes a tag key, tag value or field key that is already known to be line-protocol safe (see {@link encodeTagValue}). */
export function escapeKey(text: string): string {
  return KEY_SPECIAL.test(text) ? text.replaceAll(',', '\\,').replaceAll('=', '\\=').replaceAll(' ', '\\ ') : text;
}

/** Quotes a string field value. */
export function quoteString(value: string): string {
  if (!STRING_SPECIAL.test(value)) return `"${value}"`;
  // JSON text (most string fields) has many quotes and rarely a backslash: skip the second pass when it has none.
  const unslashed = value.includes('\\') ? value.replaceAll('\\', '\\\\') : value;
  return `"${unslashed.replaceAll('"', '\\"')}"`;
}

const UNSAFE_TAG = /[\p{Cc}\\]/u;

/**
 * Text stored in a tag: the value itself when line protocol carries it exactly, otherwise `~` + base64url(UTF-8).
 * Injective, so equality on the encoded tag is equality on the value; values starting with `~` are encoded too.
 */
export function encodeTagValue(value: string): string {
  if (value !== '' && value[0] !== '~' && !UNSAFE_TAG.test(value)) return value;
  return `~${Buffer.from(value, 'utf8').toString('base64url')}`;
}

/** Inverse of {@link encodeTagValue}. */
export function decodeTagValue(tag: string): string {
  return tag[0] === '~' ? Buffer.from(tag.slice(1), 'base64url').toString('utf8') : tag;
}

/** A string field value already quoted with {@link quoteString}, so text shared by many points is quoted once. */
export class QuotedString {
  readonly text: string;
  constructor(value: string) {
    this.text = quoteString(value);
  }
}

/** A field value: string, float (JS number), integer (bigint, written with the `i` suffix), boolean, or pre-quoted string. */
export type FieldValue = string | number | bigint | boolean | QuotedString;

/**
 * Formats one point. Tags are written sorted by key (what InfluxDB recommends for write speed); tag values must be
 * pre-encoded with {@link encodeTagValue}. Non-finite floats cannot be stored and throw; the schema keeps them as text.
 */
export function formatLine(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, FieldValue | undefined>,
  timeNano: bigint,
): string {
  let line = measurement;
  for (const key of Object.keys(tags).sort()) {
    const v = tags[key]!;
    if (v === '') continue;
    line += `,${escapeKey(key)}=${escapeKey(v)}`;
  }
  let sep = ' ';
  for (const key of Object.keys(fields)) {
    const v = fields[key];
    if (v === undefined) continue;
    line += `${sep}${escapeKey(key)}=${formatFieldValue(v)}`;
    sep = ',';
  }
  if (sep === ' ') throw new Error('a point needs at least one field');
  return `${line} ${timeNano.toString()}`;
}

export function formatFieldValue(v: FieldValue): string {
  switch (typeof v) {
    case 'string':
      return quoteString(v);
    case 'bigint':
      return `${v.toString()}i`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      return v.text;
    default:
      if (!Number.isFinite(v)) throw new Error(`float field value ${v} is not finite`);
      // `String(1e21)` is `1e+21`, which line protocol accepts; -0 is written as 0.
      return Object.is(v, -0) ? '0' : String(v);
  }
}

/**
 * The hot-path form of {@link formatLine} used by the schema: `tagSet` is already escaped and sorted (`,k=v,...`) and
 * field keys are the schema's own names, which need no escaping (plain `[a-z_]`).
 */
export function formatPoint(
  measurement: string,
  tagSet: string,
  fields: Record<string, FieldValue | undefined>,
  timeNano: bigint,
): string {
  let line = `${measurement}${tagSet}`;
  let sep = ' ';
  for (const key in fields) {
    const v = fields[key];
    if (v === undefined) continue;
    line += `${sep}${key}=${formatFieldValue(v)}`;
    sep = ',';
  }
  if (sep === ' ') throw new Error('a point needs at least one field');
  return `${line} ${timeNano}`;
}
