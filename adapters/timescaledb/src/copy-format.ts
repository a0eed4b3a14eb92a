/** One field of a `COPY ... FROM STDIN` row in PostgreSQL's text format, or a parameter of an unnest() insert. */
export type CopyValue = string | number | bigint | boolean | null | undefined;

const SPECIAL = /[\\\n\r\t]/;
const SPECIAL_G = /[\\\n\r\t]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A field in COPY text format: `\N` is null; backslash, newline, carriage return and tab are escaped. Text format
 * needs no quoting, so JSON (which has quotes everywhere but raw control characters nowhere) mostly goes as it is.
 */
export function copyField(v: CopyValue): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'number':
      // COPY reads NaN / Infinity / -Infinity for float8; String() writes them so.
      return String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return SPECIAL.test(v) ? v.replace(SPECIAL_G, (c) => ESCAPES[c]!) : v;
  }
}

/**
 * A JSON text as a COPY text field. JSON.stringify writes control characters as escapes, so the only special
 * character a JSON text can hold is the backslash.
 */
export function copyJson(json: string): string {
  return json.includes('\\') ? json.replace(/\\/g, '\\\\') : json;
}

/** One row (newline-terminated) in COPY text format. */
export function copyRow(values: CopyValue[]): string {
  let line = copyField(values[0]);
  for (let i = 1; i < values.length; i++) line += `\t${copyField(values[i])}`;
  return `${line}\n`;
}

/** Turns rows into one array per column, the parameters of `INSERT ... SELECT FROM unnest($1::type[], ...)`. */
export function columnsOf(rows: CopyValue[][], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const v = row[i];
      columns[i]!.push(typeof v === 'bigint' ? v.toString() : v);
    }
  }
  return columns;
}
