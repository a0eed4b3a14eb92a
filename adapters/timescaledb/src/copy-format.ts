/** One field of a PostgreSQL `COPY ... (FORMAT csv)` row: null is an unquoted empty field, text is always quoted. */
export type CsvValue = string | number | bigint | boolean | null | undefined;

export function csvField(v: CsvValue): string {
  if (v === null || v === undefined) return '';
  switch (typeof v) {
    case 'number':
      // COPY reads NaN / Infinity / -Infinity for float8; String() writes them so.
      return Number.isNaN(v) ? 'NaN' : String(v);
    case 'bigint':
      return v.toString();
    case 'boolean':
      return v ? 't' : 'f';
    default:
      return `"${v.includes('"') ? v.replace(/"/g, '""') : v}"`;
  }
}

/** Appends one CSV row (newline-terminated) to `out`. */
export function csvRow(values: CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvField(values[i]);
  }
  return `${line}\n`;
}

/** Turns rows into one array per column, the parameters of `INSERT ... SELECT FROM unnest($1::type[], ...)`. */
export function columnsOf(rows: CsvValue[][], width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) {
    for (let i = 0; i < width; i++) {
      const v = row[i];
      columns[i]!.push(typeof v === 'bigint' ? v.toString() : v);
    }
  }
  return columns;
}
