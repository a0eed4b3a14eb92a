import type { AttributeFilter, AttributeScalar } from '@rohas/telemetry/adapter';
import type { SqlFilter } from './internal-types.js';
import { attributeJsonForDb, ESC, escapeText } from './text-encoding.js';

/** Collects query parameters; `add` returns the `$n` placeholder. Values never enter the SQL text. */
export class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * The stored JSON forms that equal `value` under the reference's typed equality (scalarEquals): an integer number
 * also equals a stored bigint ({"$int": "..."}) and the reverse; NaN equals nothing.
 */
export function equalJsonForms(value: AttributeScalar): string[] {
  if (typeof value === 'bigint') return [value.toString(), JSON.stringify({ $int: value.toString() })];
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return [];
    if (!Number.isFinite(value)) return [attributeJsonForDb(value)];
    return Number.isInteger(value)
      ? [JSON.stringify(value), JSON.stringify({ $int: BigInt(value).toString() })]
      : [JSON.stringify(value)];
  }
  return [attributeJsonForDb(value)];
}

/** A LIKE pattern (backslash escape) with the meaning of a reference glob: `*` any run, `?` one character. */
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
 * SQL for one attribute condition on a row with `attributes` and `resource_attributes` jsonb columns. The value is
 * the span's (log's, point's) own attribute when the key is there, else the resource's — the reference lookup.
 * `=` adds `@>` containment terms so the GIN indexes narrow the rows before the exact comparison.
 */
export function attributeFilterSql(f: AttributeFilter, p: Params, alias: string): SqlFilter {
  const a = `${alias}.attributes`;
  const r = `${alias}.resource_attributes`;
  const key = escapeText(f.key);
  const k = p.add(key);
  const v = `COALESCE(${a} -> ${k}, ${r} -> ${k})`;
  const str = `(jsonb_typeof(${v}) = 'string')`;
  switch (f.op) {
    case 'exists':
      return { sql: `(${a} ? ${k} OR ${r} ? ${k})`, needsJs: false };
    case '=':
    case '!=': {
      const forms = equalJsonForms(f.value as AttributeScalar);
      if (forms.length === 0) return { sql: f.op === '=' ? 'FALSE' : 'TRUE', needsJs: false };
      const placeholders = forms.map((j) => `${p.add(j)}::jsonb`);
      const equal = `${v} IN (${placeholders.join(', ')})`;
      if (f.op === '!=') return { sql: `NOT COALESCE(${equal}, FALSE)`, needsJs: false };
      const keyJson = JSON.stringify(key);
      const contains = forms.flatMap((j) => {
        const c = p.add(`{${keyJson}:${j}}`);
        return [`${a} @> ${c}::jsonb`, `${r} @> ${c}::jsonb`];
      });
      return { sql: `((${contains.join(' OR ')}) AND ${equal})`, needsJs: false };
    }
    case 'wildcard': {
      const glob = String(f.value ?? '');
      if (glob.includes('\u0000') || glob.includes(ESC)) return { sql: str, needsJs: true };
      const text = `(${v} #>> '{}')`;
      // Stored strings holding the escape character are decided in JS (their stored form is not the string).
      return {
        sql: `(${str} AND (${text} LIKE ${p.add(globToLike(glob))} OR strpos(${text}, ${p.add(ESC)}) > 0))`,
        needsJs: true,
      };
    }
    case 'regex':
      // ECMAScript and PostgreSQL regular expressions differ; SQL narrows to string values, JS decides.
      return { sql: str, needsJs: true };
  }
}

/** Combines conditions with AND. */
export function allOf(parts: SqlFilter[]): SqlFilter {
  const sql = parts.map((x) => x.sql).filter((s) => s !== '');
  return { sql: sql.length ? sql.join(' AND ') : 'TRUE', needsJs: parts.some((x) => x.needsJs) };
}
