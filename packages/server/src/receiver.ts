import type { Context, Hono } from 'hono';
import { BodyError, readBody } from './body.js';
import type { IngestResultLike } from './core-types.js';
import {
  type ConvertResult,
  logsFromRequest,
  metricsFromRequest,
  OtlpFormatError,
  spansFromRequest,
} from './otlp/convert.js';
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

/** A remote exporter can retry, so a full queue refuses its request instead of dropping older, already-taken data. */
const REJECT_WHEN_FULL = { rejectWhenFull: true } as const;

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

function reasonText(result: IngestResultLike, signal: Signal): string | undefined {
  switch (result.reason) {
    case 'signal_disabled':
      return `${signal} are disabled in this server's configuration (enable_${signal} = false)`;
    case 'not_stored':
      return `this server's backend does not store ${signal}`;
    case 'queue_full':
      return `the write queue is full; ${result.rejected} ${SIGNALS[signal].what} were not accepted`;
    default:
      return result.rejected > 0
        ? `${result.rejected} ${SIGNALS[signal].what} were not accepted by the storage`
        : undefined;
  }
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

    let converted: ConvertResult<unknown>;
    try {
      const message = decode(signal, encoding, body);
      converted =
        signal === 'traces'
          ? spansFromRequest(message)
          : signal === 'metrics'
            ? metricsFromRequest(message)
            : logsFromRequest(message);
    } catch (error) {
      // Every decoding failure (protobuf wire errors, JSON syntax, a wrong field type, nesting too deep) is the
      // client's malformed body: 400, never a crash.
      const why =
        error instanceof OtlpFormatError
          ? `invalid OTLP ${encoding === 'proto' ? 'protobuf' : 'JSON'}: ${error.message}`
          : `malformed ${encoding === 'proto' ? 'protobuf' : 'JSON'} body: ${(error as Error).message}`;
      return otlpStatus(c, encoding, 400, RPC.INVALID_ARGUMENT, why.slice(0, 1000));
    }

    // The core takes a request whole or not at all when its queue is full; a request larger than the whole queue
    // could never be taken, so it is refused as too large instead of being answered 429 forever.
    const queueLimit = storage.config.batch?.max_queue_size;
    if (queueLimit !== undefined && converted.items.length > queueLimit) {
      return otlpStatus(
        c,
        encoding,
        413,
        RPC.INVALID_ARGUMENT,
        `request holds ${converted.items.length} ${SIGNALS[signal].what}, more than the server's whole write queue (batch.max_queue_size = ${queueLimit}); send smaller batches`,
      );
    }
    let result: IngestResultLike = { accepted: 0, rejected: 0 };
    if (converted.items.length > 0) {
      try {
        result =
          signal === 'traces'
            ? storage.ingestSpans(converted.items as never, REJECT_WHEN_FULL)
            : signal === 'metrics'
              ? storage.ingestMetrics(converted.items as never, REJECT_WHEN_FULL)
              : storage.ingestLogs(converted.items as never, REJECT_WHEN_FULL);
      } catch (error) {
        // ingest* is documented never to throw; if it does, say so rather than pretend success.
        options.logger.warn(`[rohas-telemetry] [server] ingest of ${signal} threw: ${(error as Error).message}`);
        return otlpStatus(c, encoding, 500, RPC.INTERNAL, `storage failed: ${(error as Error).message}`);
      }
    }
    if (result.reason === 'queue_full' && result.accepted === 0) {
      // Nothing was taken: the client may retry the whole request after the delay (OTLP's throttling contract).
      const seconds = Math.max(1, Math.ceil((result.retryAfterMs ?? 1000) / 1000));
      return otlpStatus(c, encoding, 429, RPC.RESOURCE_EXHAUSTED, reasonText(result, signal)!, {
        'retry-after': String(seconds),
      });
    }
    const rejected = converted.rejected + result.rejected;
    const messages = [...converted.errors];
    const reason = reasonText(result, signal);
    if (reason) messages.push(reason);
    return exportResponse(c, signal, encoding, rejected, messages.join('; '));
  }

  function decode(signal: Signal, encoding: Encoding, body: Uint8Array): unknown {
    if (encoding === 'proto') {
      const type =
        signal === 'traces' ? types.traceRequest : signal === 'metrics' ? types.metricsRequest : types.logsRequest;
      return type.decode(body);
    }
    const message = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new OtlpFormatError(
        '$',
        `the body must be a JSON object (an Export${signal === 'traces' ? 'Trace' : signal === 'metrics' ? 'Metrics' : 'Logs'}ServiceRequest)`,
      );
    }
    return message;
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
