import type { Context } from 'hono';
import { isBackendUnavailable } from '../guards.js';
import { ParamError } from '../params.js';

/*
 * The Jaeger query service's HTTP envelope (jaegertracing/jaeger `cmd/query/app/http_handler.go`, `structuredResponse`
 * and `structuredError`): `{data, total, limit, offset, errors}`, where `total` is set only by the list routes,
 * `errors` is null when there are none, and an error entry is `{code?, msg, traceID?}`. `?prettyPrint` (any value but
 * "false") indents the JSON by four spaces, as Jaeger's writeJSON does, on every route.
 */

export interface JaegerError {
  code?: number;
  msg: string;
  traceID?: string;
}

export interface Envelope {
  data: unknown;
  total: number;
  limit: number;
  offset: number;
  errors: JaegerError[] | null;
}

export function envelope(data: unknown, options: { total?: number; errors?: JaegerError[] | null } = {}): Envelope {
  return { data, total: options.total ?? 0, limit: 0, offset: 0, errors: options.errors ?? null };
}

export function writeJson(c: Context, body: unknown, status = 200): Response {
  const pretty = new URL(c.req.url).searchParams.get('prettyPrint');
  const text = pretty && pretty !== 'false' ? JSON.stringify(body, null, 4) : JSON.stringify(body);
  return c.body(text, status as 200, { 'content-type': 'application/json' });
}

export function jaegerError(c: Context, status: number, msg: string): Response {
  return writeJson(c, envelope(null, { errors: [{ code: status, msg }] }), status);
}

/** A parameter Jaeger could not parse: 400 with Jaeger's wording ("unable to parse param 'limit': ..."). */
export function paramError(name: string, why: string): ParamError {
  return new ParamError(name, `unable to parse param '${name}': ${why}`);
}

/**
 * Query parameters read the way Jaeger reads them (Go's `r.FormValue`): the first value of a name, empty counts as
 * absent, and names a route does not use are ignored (`prettyPrint`, `lookback` on /api/traces, the UI's own extras).
 */
export class JaegerParams {
  readonly search: URLSearchParams;
  constructor(url: string) {
    this.search = new URL(url).searchParams;
  }
  string(name: string): string | undefined {
    const v = this.search.get(name);
    return v === null || v === '' ? undefined : v;
  }
  all(name: string): string[] {
    return this.search.getAll(name);
  }
  /** An integer in the given unit (Jaeger's parseTime: microseconds for start/end, milliseconds for endTs). */
  integer(name: string): bigint | undefined {
    const v = this.string(name);
    if (v === undefined) return undefined;
    if (!/^-?\d{1,19}$/.test(v)) throw paramError(name, `${JSON.stringify(v)} is not an integer`);
    return BigInt(v);
  }
}

/** Wraps a handler: a ParamError or the core's QueryError is a 400, anything else a 500, in the Jaeger envelope. */
export function jaegerHandler(handler: (c: Context) => Promise<Response>) {
  return async (c: Context): Promise<Response> => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof ParamError) return jaegerError(c, 400, error.message);
      const e = error as { name?: string; message?: string };
      return jaegerError(
        c,
        e.name === 'QueryError' ? 400 : isBackendUnavailable(error) ? 503 : 500,
        e.message ?? String(error),
      );
    }
  };
}
