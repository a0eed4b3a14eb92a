import type { AttributeFilter } from './core-types.js';

/** A bad query parameter: answered with 400 and `{"error": {"status": 400, "message", "parameter"}}`. */
export class ParamError extends Error {
  readonly parameter: string;
  constructor(parameter: string, message: string) {
    super(message);
    this.name = 'ParamError';
    this.parameter = parameter;
  }
}

/**
 * The query parameters of one request, checked against the names a route allows: an unknown name, or a repeated
 * name that may appear once, is a ParamError naming it.
 */
export class Params {
  private readonly search: URLSearchParams;
  constructor(url: string, allowed: readonly string[], repeatable: readonly string[] = []) {
    this.search = new URL(url).searchParams;
    const seen = new Set<string>();
    for (const name of this.search.keys()) {
      if (!allowed.includes(name)) {
        throw new ParamError(name, `unknown query parameter ${JSON.stringify(name)}; allowed: ${allowed.join(', ')}`);
      }
      if (seen.has(name) && !repeatable.includes(name))
        throw new ParamError(name, `query parameter ${name} may be given once`);
      seen.add(name);
    }
  }

  has(name: string): boolean {
    return this.search.has(name);
  }

  names(): string[] {
    return [...new Set(this.search.keys())];
  }

  /** A parameter's value, or undefined when absent; an empty value counts as absent. */
  string(name: string): string | undefined {
    const v = this.search.get(name);
    return v === null || v === '' ? undefined : v;
  }

  all(name: string): string[] {
    return this.search.getAll(name);
  }

  int(name: string, min: number, max: number): number | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^\d{1,10}$/.test(v) || Number(v) < min || Number(v) > max) {
      throw new ParamError(name, `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`);
    }
    return Number(v);
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!values.includes(v as T))
      throw new ParamError(name, `${name} must be one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  time(name: string, now: bigint): bigint | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : parseTime(v, name, now);
  }

  duration(name: string): bigint | undefined {
    const v = this.string(name);
    return v === undefined ? undefined : parseDuration(v, name);
  }

  hex(name: string, length: number): string | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (v.length !== length || !/^[0-9a-fA-F]+$/.test(v))
      throw new ParamError(name, `${name} must be ${length} hex characters`);
    return v.toLowerCase();
  }
}

const UNIT_NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n,
  μs: 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
  d: 86_400_000_000_000n,
};
const DURATION_PART = /(\d+)(?:\.(\d{1,9}))?(ns|us|µs|μs|ms|s|m|h|d)/gy;

/**
 * A duration: integer nanoseconds, or one or more number+unit parts as Go writes them (`250ms`, `1.5s`, `1h30m`,
 * `500us`, `100ns`, `2d`). Computed exactly in bigint.
 */
export function parseDuration(text: string, param: string): bigint {
  if (/^\d{1,19}$/.test(text)) return BigInt(text);
  let total = 0n;
  let end = 0;
  DURATION_PART.lastIndex = 0;
  for (let m = DURATION_PART.exec(text); m; m = DURATION_PART.exec(text)) {
    const unit = UNIT_NANOS[m[3]!]!;
    const fraction = m[2] ?? '';
    total += BigInt(m[1]!) * unit + (BigInt(fraction || '0') * unit) / 10n ** BigInt(fraction.length);
    end = DURATION_PART.lastIndex;
  }
  if (end === 0 || end !== text.length || text.length > 64) {
    throw new ParamError(
      param,
      `${param} must be a duration: integer nanoseconds or e.g. 250ms, 1.5s, 2m, 1h, 500us, 100ns; got ${JSON.stringify(text)}`,
    );
  }
  return total;
}

const ISO = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** A point in time: integer nanoseconds since the epoch, an ISO-8601 timestamp (UTC when no zone), or `now`, `now-15m`. */
export function parseTime(text: string, param: string, now: bigint): bigint {
  if (/^\d{1,20}$/.test(text)) {
    const v = BigInt(text);
    if (v > 2n ** 63n - 1n) throw new ParamError(param, `${param} is out of range`);
    return v;
  }
  const rel = /^now(?:([+-])(.+))?$/.exec(text);
  if (rel) {
    if (!rel[1]) return now;
    const d = parseDuration(rel[2]!, param);
    return rel[1] === '-' ? now - d : now + d;
  }
  const iso = ISO.exec(text);
  if (iso) {
    const [, date, clock, fraction, zone] = iso;
    const [y, mo, d] = date!.split('-').map(Number) as [number, number, number];
    const [h = 0, mi = 0, sec = 0] = (clock ?? '').split(':').filter(Boolean).map(Number);
    // Date.parse rolls 2023-02-30 over to March: check the calendar date and the clock ourselves.
    const day = new Date(Date.UTC(y, mo - 1, d));
    const validDate = day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
    if (!validDate || h > 23 || mi > 59 || sec > 59) {
      throw new ParamError(param, `${param} is not a valid date and time: ${JSON.stringify(text)}`);
    }
    const ms = Date.parse(
      `${date}T${clock ?? '00:00'}${clock && clock.length === 5 ? ':00' : ''}${normalizeZone(zone)}`,
    );
    if (Number.isFinite(ms)) {
      const nanos = fraction ? BigInt(fraction.padEnd(9, '0')) : 0n;
      return BigInt(ms) * 1_000_000n + nanos;
    }
  }
  throw new ParamError(
    param,
    `${param} must be nanoseconds since the epoch, an ISO-8601 time or now-<duration>; got ${JSON.stringify(text)}`,
  );
}

function normalizeZone(zone: string | undefined): string {
  if (!zone || zone.toUpperCase() === 'Z') return 'Z';
  return zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
}

/**
 * One `attr=KEY=VALUE` condition. VALUE is a JSON number (a bigint when past the safe range), `true` or `false` when
 * it parses as one, a string otherwise; `"..."` forces a string.
 */
export function parseAttr(text: string, param = 'attr'): AttributeFilter {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ParamError(param, `${param} must be KEY=VALUE, got ${JSON.stringify(text)}`);
  const key = text.slice(0, eq);
  return { key, op: '=', value: parseScalar(text.slice(eq + 1)) };
}

/** A filter value as the API types it: number, bigint, boolean, or string (quoted JSON strings are unquoted). */
export function parseScalar(raw: string): string | number | boolean | bigint {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  // JSON number grammar: "007" or "1." are not numbers, so a zip code like 02134 stays a string.
  if (/^-?(0|[1-9]\d*)$/.test(raw)) {
    const big = BigInt(raw);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }
  if (/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(raw)) return Number(raw);
  if (raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"')) {
    try {
      const s = JSON.parse(raw);
      if (typeof s === 'string') return s;
    } catch {
      // not a JSON string: keep the text as it is
    }
  }
  return raw;
}

const SEVERITIES: Record<string, number> = { TRACE: 1, DEBUG: 5, INFO: 9, WARN: 13, WARNING: 13, ERROR: 17, FATAL: 21 };

/** A minimum severity: a number 0..24 or a name (TRACE, DEBUG, INFO, WARN, ERROR, FATAL). */
export function parseSeverity(text: string, param: string): number {
  if (/^\d{1,2}$/.test(text) && Number(text) <= 24) return Number(text);
  const n = SEVERITIES[text.toUpperCase()];
  if (n === undefined)
    throw new ParamError(
      param,
      `${param} must be 0..24 or one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; got ${JSON.stringify(text)}`,
    );
  return n;
}
