import type { IncomingMessage } from 'node:http';
import { limitsFromConfig } from '@rohas/telemetry/adapter';
import type { Context, Hono } from 'hono';
import { BodyError, type RawBody, readRawBody } from './body.js';
import { type AckMode, type IngestOutcome, ingestConverted } from './ingest.js';
import { DecodeLimitError } from './otlp/bounded-decode.js';
import { BadRequestError, DEFAULT_MAX_REQUEST_VALUES, DEFAULT_MAX_VALUE_BYTES } from './otlp/decode.js';
import { decodeBody } from './otlp/decode-pool.js';
import { otlpTypes } from './otlp/schema.js';
import type { ServerStorage } from './types.js';

/*
 * The OTLP/HTTP receiver (https://opentelemetry.io/docs/specs/otlp/#otlphttp): POST /v1/traces, /v1/metrics,
 * /v1/logs with a protobuf or JSON body, optionally gzip-compressed. Responses are in the request's encoding:
 * an Export*ServiceResponse (with partial_success when items were refused) on success, a google.rpc.Status on failure.
 */

type Encoding = 'proto' | 'json';
type Signal = 'traces' | 'metrics' | 'logs';

const SIGNALS: Record<Signal, { rejectedField: string; what: string }> = {
  traces: { rejectedField: 'rejectedSpans', what: 'spans' },
  metrics: { rejectedField: 'rejectedDataPoints', what: 'data points' },
  logs: { rejectedField: 'rejectedLogRecords', what: 'log records' },
};

/** gRPC status codes carried in google.rpc.Status bodies. */
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNAUTHENTICATED: 16 } as const;

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
  options: {
    maxBodyBytes: number;
    /** Largest body after gzip/deflate (default: maxBodyBytes). */
    maxDecodedBytes?: number;
    /** Most values a protobuf request may build (default DEFAULT_MAX_REQUEST_VALUES). */
    maxRequestValues?: number;
    /** Longest string or bytes value a record may carry (default DEFAULT_MAX_VALUE_BYTES, 4 MiB). */
    maxValueBytes?: number;
    state: ReceiverState;
    logger: Pick<Console, 'warn'>;
    ack?: AckMode;
  },
): void {
  const types = otlpTypes();
  const bounds = {
    limits: limitsFromConfig(storage.config),
    maxValues: options.maxRequestValues ?? DEFAULT_MAX_REQUEST_VALUES,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
  };
  const maxDecodedBytes = options.maxDecodedBytes ?? options.maxBodyBytes;
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

    let body: RawBody;
    try {
      // On node (@hono/node-server) the body is read from node's request itself, not through a web stream.
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      body = await readRawBody(c.req.raw, options.maxBodyBytes, incoming);
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

    let outcome: IngestOutcome;
    try {
      // Decompressed, decoded, converted and checked off the event loop (decode-pool.ts); spans and logs come back
      // cut to the limits.
      const converted = await decodeBody(signal, encoding, body, bounds, {
        maxDecodedBytes,
        logger: options.logger,
      });
      outcome = await ingestConverted(storage, signal, converted, { ack: options.ack });
    } catch (error) {
      if (error instanceof BodyError) return otlpStatus(c, encoding, error.status, RPC.INVALID_ARGUMENT, error.message);
      const what = encoding === 'proto' ? 'protobuf' : 'JSON';
      // Past max_request_values: refused whole, before it is built (the client must send smaller batches).
      if (error instanceof DecodeLimitError) return otlpStatus(c, encoding, 413, RPC.RESOURCE_EXHAUSTED, error.message);
      // Every decoding failure (protobuf wire errors, JSON syntax, wrong field types) is the client's: 400, never a crash.
      if (error instanceof BadRequestError) {
        const why =
          error.stage === 'convert' || error.format
            ? `invalid OTLP ${what}: ${error.message}`
            : `malformed ${what} body: ${error.message}`;
        return otlpStatus(c, encoding, 400, RPC.INVALID_ARGUMENT, why.slice(0, 1000));
      }
      // ingest* is documented never to throw; if it does, say so rather than pretend success.
      options.logger.warn(`[rohas-telemetry] [server] ingest of ${signal} threw: ${(error as Error).message}`);
      return otlpStatus(c, encoding, 500, RPC.INTERNAL, `storage failed: ${(error as Error).message}`);
    }
    switch (outcome.status) {
      case 'too_large':
        return otlpStatus(c, encoding, 413, RPC.INVALID_ARGUMENT, outcome.message);
      case 'throttled':
        return otlpStatus(c, encoding, 429, RPC.RESOURCE_EXHAUSTED, outcome.message, {
          'retry-after': String(outcome.retryAfterSeconds ?? 1),
        });
      case 'unavailable':
        return otlpStatus(c, encoding, 503, RPC.UNAVAILABLE, outcome.message, {
          'retry-after': String(outcome.retryAfterSeconds ?? 5),
        });
      default:
        return exportResponse(c, signal, encoding, outcome.rejected, outcome.message);
    }
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
