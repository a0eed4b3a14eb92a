/*
 * Flux text for the 2.x API, built only with the client's `flux` tagged template: every interpolated value is
 * turned into a Flux literal by the library (strings quoted and escaped), never pasted. Integers, which the template
 * would render as floats when given a bigint, go through `fluxInteger` with their decimal text.
 */
import { flux, fluxExpression, fluxInteger, type ParameterizedQuery } from '@influxdata/influxdb-client';
import type { SelectSpec } from './internal-types.js';

/** Earliest and latest point times a query covers when no window is given (Flux needs a range). */
export const MIN_TIME = 0n;
export const MAX_TIME = 9_000_000_000_000_000_000n;

const time = (ns: bigint) => flux`time(v: ${fluxInteger(ns.toString())})`;
const value = (v: string | bigint) => (typeof v === 'bigint' ? fluxInteger(v.toString()) : v);

/** `r["key"] == v1 or r["key"] == v2 ...` */
function anyOf(key: string, values: Array<string | bigint>): ParameterizedQuery {
  return fluxExpression(
    values.map((v) => flux`r[${key}] == ${value(v)}`.toString()).join(' or '),
  ) as unknown as ParameterizedQuery;
}

function and(parts: ParameterizedQuery[]): string {
  return parts.map((p) => `(${p.toString()})`).join(' and ');
}

/** Rows of one measurement, one row per point with its fields as columns (pivoted), filtered on tags, fields and time. */
export function selectQuery(bucket: string, spec: SelectSpec): ParameterizedQuery {
  let q = flux`from(bucket: ${bucket})
  |> range(start: ${time(spec.from ?? MIN_TIME)}, stop: ${time(spec.to ?? MAX_TIME)})
  |> filter(fn: (r) => r._measurement == ${spec.measurement})`.toString();
  const tagConds: ParameterizedQuery[] = [];
  for (const [k, v] of Object.entries(spec.tags ?? {})) tagConds.push(anyOf(k, Array.isArray(v) ? v : [v]));
  if (tagConds.length) q += `\n  |> filter(fn: (r) => ${and(tagConds)})`;
  if (spec.columns) q += `\n  |> filter(fn: (r) => ${anyOf('_field', spec.columns).toString()})`;
  q += '\n  |> pivot(rowKey: ["_time"], columnKey: ["_field"], valueColumn: "_value")';
  const fieldConds: ParameterizedQuery[] = [];
  for (const f of spec.fields ?? []) {
    fieldConds.push(
      flux`exists r[${f.key}] and r[${f.key}] ${fluxExpression(f.op === '=' ? '==' : f.op)} ${value(f.value)}`,
    );
  }
  if (spec.fieldIn) fieldConds.push(anyOf(spec.fieldIn.key, spec.fieldIn.values));
  if (fieldConds.length) q += `\n  |> filter(fn: (r) => ${and(fieldConds)})`;
  if (spec.selector) {
    const { fn, key, n } = spec.selector;
    q += `\n  |> group()\n  |> ${fn}(n: ${flux`${Math.max(1, Math.trunc(n))}`.toString()}, columns: [${flux`${key}`.toString()}])`;
  } else if (spec.limit !== undefined) {
    const desc = spec.order === 'desc' ? ', desc: true' : '';
    q += `\n  |> group()\n  |> sort(columns: ["_time"]${desc})\n  |> limit(n: ${flux`${Math.trunc(spec.limit)}`.toString()})`;
  }
  return fluxExpression(q) as unknown as ParameterizedQuery;
}

/** Distinct values of a tag from the series index (`schema.tagValues`), over all time. */
export function tagValuesQuery(
  bucket: string,
  measurement: string,
  key: string,
  where: Record<string, string> = {},
): ParameterizedQuery {
  const conds = [
    flux`r._measurement == ${measurement}`,
    ...Object.entries(where).map(([k, v]) => flux`r[${k}] == ${v}`),
  ];
  return flux`import "influxdata/influxdb/schema"
schema.tagValues(bucket: ${bucket}, tag: ${key}, predicate: (r) => ${fluxExpression(and(conds))}, start: ${time(MIN_TIME)}, stop: ${time(MAX_TIME)})`;
}

/** The oldest value of a field per combination of tag values. */
export function firstByTagQuery(
  bucket: string,
  measurement: string,
  field: string,
  groupTags: string[],
): ParameterizedQuery {
  const columns = fluxExpression(`[${groupTags.map((t) => flux`${t}`.toString()).join(', ')}]`);
  return flux`from(bucket: ${bucket})
  |> range(start: ${time(MIN_TIME)}, stop: ${time(MAX_TIME)})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${field})
  |> first()
  |> group(columns: ${columns})
  |> sort(columns: ["_time"])
  |> first()`;
}

/** Number of points (of one field) before a time. */
export function countBeforeQuery(
  bucket: string,
  measurement: string,
  field: string,
  before: bigint,
): ParameterizedQuery {
  return flux`from(bucket: ${bucket})
  |> range(start: ${time(MIN_TIME)}, stop: ${time(before)})
  |> filter(fn: (r) => r._measurement == ${measurement} and r._field == ${field})
  |> group()
  |> count()`;
}

/** RFC 3339 text of a nanosecond time, exact to the nanosecond (the delete API takes RFC 3339). */
export function rfc3339(ns: bigint): string {
  const seconds = ns / 1_000_000_000n - (ns < 0n && ns % 1_000_000_000n !== 0n ? 1n : 0n);
  const frac = ns - seconds * 1_000_000_000n;
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${base}.${frac.toString().padStart(9, '0')}Z`;
}

/** Parses RFC 3339 with up to nine fractional digits to nanoseconds. */
export function parseRfc3339(text: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new Error(`not an RFC 3339 time: ${text}`);
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The predicate of the 2.x delete API for one measurement. */
export function deletePredicate(measurement: string): string {
  return `_measurement="${measurement.replace(/["\\]/g, '\\$&')}"`;
}
