import type { Context, Hono } from 'hono';
import { BodyError, readBody } from './body.js';
import { type Encoding, exportRequest, RPC, SIGNALS, type Signal } from './ingest.js';
import { otlpTypes } from './otlp/schema.js';
import type { ServerStorage } from './types.js';

/*
 * The OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces, /v1/metrics,
 * /v1/logs with a protobuf or JSON body, optionally gzip-compressed. Responses are in the request's encoding:
 * an Export*ServiceResponse (with partial_success when items were refused) on success, a google.rpc.Status on failure.
 */

export interface ReceiverState {
  /** Set while the server shuts down: new exports get 503 with Retry-After. */
  closing: boolean;
}

function encodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'proto';
  if (type === 'application/json') return 'json';
  return undefined;
}

/** A google.rpc.Status body in the given encoding. */
export function otlpStatus(
  c: Context,
  encoding: Encoding,
  httpStatus: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  if (encoding === 'proto') {
    const t = otlpTypes().status;
    const bytes = t.encode(t.create({ code, message })).finish();
    return c.body(bytes as Uint8Array<ArrayBuffer>, httpStatus as 400, {
      'content-type': 'application/x-protobuf',
      ...headers,
    });
  }
  return c.body(JSON.stringify({ code, message }), httpStatus as 400, {
    'content-type': 'application/json',
    ...headers,
  });
}

export function registerReceiver(
  app: Hono,
  storage: ServerStorage,
  options: { maxBodyBytes: number; state: ReceiverState; logger: Pick<Console, 'warn'> },
): void {
  const types = otlpTypes();
  const routes: Array<[Signal, string]> = [
    ['traces', '/v1/traces'],
    ['metrics', '/v1/metrics'],
    ['logs', '/v1/logs'],
  ];
  for (const [signal, path] of routes) {
    app.post(path, (c) => handleExport(c, signal));
    app.on(['GET', 'PUT', 'DELETE', 'PATCH'], path, (c) =>
      c.json({ code: RPC.INVALID_ARGUMENT, message: `use POST for ${path}` }, 405, { allow: 'POST' }),
    );
  }

  async function handleExport(c: Context, signal: Signal): Promise<Response> {
    const encoding = encodingOf(c.req.header('content-type'));
    if (!encoding) {
      return otlpStatus(
        c,
        'json',
        415,
        RPC.INVALID_ARGUMENT,
        `unsupported Content-Type ${JSON.stringify(c.req.header('content-type') ?? '')}; use application/x-protobuf or application/json`,
      );
    }
    if (options.state.closing)
      return otlpStatus(c, encoding, 503, RPC.UNAVAILABLE, 'the server is shutting down', { 'retry-after': '5' });

    let body: Uint8Array;
    try {
      body = await readBody(c.req.raw, options.maxBodyBytes);
    } catch (error) {
      if (error instanceof BodyError) return otlpStatus(c, encoding, error.status, RPC.INVALID_ARGUMENT, error.message);
      return otlpStatus(
        c,
        encoding,
        400,
        RPC.INVALID_ARGUMENT,
        `request body could not be read: ${(error as Error).message}`,
      );
    }

    const outcome = await exportRequest(storage, signal, encoding, body, options.logger);
    if (!outcome.ok) {
      const headers: Record<string, string> =
        outcome.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(outcome.retryAfterMs / 1000)) } : {};
      return otlpStatus(c, encoding, outcome.httpStatus, outcome.code, outcome.message, headers);
    }
    return exportResponse(c, signal, encoding, outcome.rejected, outcome.errorMessage);
  }

  function exportResponse(
    c: Context,
    signal: Signal,
    encoding: Encoding,
    rejected: number,
    errorMessage: string,
  ): Response {
    const partial =
      rejected > 0 || errorMessage !== '' ? { [SIGNALS[signal].rejectedField]: rejected, errorMessage } : undefined;
    if (encoding === 'proto') {
      const type =
        signal === 'traces' ? types.traceResponse : signal === 'metrics' ? types.metricsResponse : types.logsResponse;
      const bytes = type.encode(type.create(partial ? { partialSuccess: partial } : {})).finish();
      return c.body(bytes as Uint8Array<ArrayBuffer>, 200, { 'content-type': 'application/x-protobuf' });
    }
    // OTLP/JSON writes int64 as a decimal string.
    const json = partial ? { partialSuccess: { [SIGNALS[signal].rejectedField]: String(rejected), errorMessage } } : {};
    return c.body(JSON.stringify(json), 200, { 'content-type': 'application/json' });
  }
}
