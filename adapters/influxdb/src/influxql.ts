/*
 * InfluxQL text helpers. Values always travel as bound parameters (`params` on /query, supported by influxd 1.6:
 * strings, exact 64-bit integers, `{"regex": ...}` and `{"identifier": ...}` objects). The only text pasted into a
 * statement is an identifier where InfluxQL takes no parameter (the database in `CREATE RETENTION POLICY ... ON`),
 * quoted by {@link quoteIdentifier}.
 */

/** Quotes an identifier: `"` and `\` are backslash-escaped; InfluxQL cannot carry a newline in an identifier. */
export function quoteIdentifier(name: string): string {
  if (/[\n\r]/.test(name))
    throw new Error(`identifier ${JSON.stringify(name)} contains a line break, which InfluxQL cannot carry`);
  return `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** Bound parameter value as InfluxDB reads it from the `params` JSON. */
export type ParamValue = string | number | bigint | boolean | { regex: string } | { identifier: string };

/**
 * Serialises `params` for /query. A bigint is written as a bare JSON integer: influxd decodes numbers with
 * json.Number, so nanosecond times stay exact (JSON.stringify would reject bigint, and Number() would round it).
 */
export function serializeParams(params: Record<string, ParamValue>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    const text = typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
    parts.push(`${JSON.stringify(k)}:${text}`);
  }
  return `{${parts.join(',')}}`;
}

/** Builds a WHERE clause and its parameters from conditions; every value becomes a `$pN` parameter. */
export class WhereBuilder {
  readonly params: Record<string, ParamValue> = {};
  private readonly parts: string[] = [];
  private n = 0;

  /** `prefix` keeps parameter names apart when several statements share one request's `params`. */
  constructor(private readonly prefix = 'p') {}

  param(value: ParamValue): string {
    const name = `${this.prefix}${this.n++}`;
    this.params[name] = value;
    return `$${name}`;
  }

  /** `"key" <op> $p` where key is a fixed schema name (never user text). */
  add(key: string, op: '=' | '!=' | '>=' | '<' | '<=' | '>', value: ParamValue): this {
    this.parts.push(`${quoteIdentifier(key)} ${op} ${this.param(value)}`);
    return this;
  }

  /** `("key" = $a OR "key" = $b ...)`. */
  anyOf(key: string, values: ParamValue[]): this {
    if (values.length === 0) {
      this.parts.push('false');
      return this;
    }
    this.parts.push(`(${values.map((v) => `${quoteIdentifier(key)} = ${this.param(v)}`).join(' OR ')})`);
    return this;
  }

  get empty(): boolean {
    return this.parts.length === 0;
  }

  toString(): string {
    return this.parts.length ? ` WHERE ${this.parts.join(' AND ')}` : '';
  }
}
