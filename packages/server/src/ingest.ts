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
 * One OTLP export, from request bytes to the storage's answer, independent of the transport: the OTLP/HTTP receiver
 * (receiver.ts) and the OTLP/gRPC receiver (grpc/receiver.ts) both call exportRequest, so decoding, validation, the
 * queue-size check and the partial-success accounting are the same code for both. The outcome names a gRPC status
 * code (the OTLP spec's codes, carried in google.rpc.Status over HTTP too) and the matching HTTP status.
 */

export type Encoding = 'proto' | 'json';
export type Signal = 'traces' | 'metrics' | 'logs';

export const SIGNALS: Record<Signal, { rejectedField: string; what: string }> = {
  traces: { rejectedField: 'rejectedSpans', what: 'spans' },
  metrics: { rejectedField: 'rejectedDataPoints', what: 'data points' },
  logs: { rejectedField: 'rejectedLogRecords', what: 'log records' },
};

/** gRPC status codes (google.rpc.Code). */
export const RPC = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

/** A remote exporter can retry, so a full queue refuses its request instead of dropping older, already-taken data. */
const REJECT_WHEN_FULL = { rejectWhenFull: true } as const;

export type ExportOutcome =
  | { ok: true; rejected: number; errorMessage: string }
  | { ok: false; code: number; httpStatus: number; message: string; retryAfterMs?: number };

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

export function decodeRequest(signal: Signal, encoding: Encoding, body: Uint8Array): unknown {
  if (encoding === 'proto') {
    const types = otlpTypes();
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

/** Decodes, converts and hands one export request to the storage. Never throws. */
export async function exportRequest(
  storage: ServerStorage,
  signal: Signal,
  encoding: Encoding,
  body: Uint8Array,
  logger: Pick<Console, 'warn'>,
): Promise<ExportOutcome> {
  let converted: ConvertResult<unknown>;
  try {
    const message = decodeRequest(signal, encoding, body);
    converted =
      signal === 'traces'
        ? spansFromRequest(message)
        : signal === 'metrics'
          ? metricsFromRequest(message)
          : logsFromRequest(message);
  } catch (error) {
    // Every decoding failure (protobuf wire errors, JSON syntax, a wrong field type, nesting too deep) is the
    // client's malformed body: INVALID_ARGUMENT / 400, never a crash.
    const why =
      error instanceof OtlpFormatError
        ? `invalid OTLP ${encoding === 'proto' ? 'protobuf' : 'JSON'}: ${error.message}`
        : `malformed ${encoding === 'proto' ? 'protobuf' : 'JSON'} body: ${(error as Error).message}`;
    return { ok: false, code: RPC.INVALID_ARGUMENT, httpStatus: 400, message: why.slice(0, 1000) };
  }

  // The core takes a request whole or not at all when its queue is full; a request larger than the whole queue
  // could never be taken, so it is refused as too large instead of being answered "retry later" forever.
  const queueLimit = storage.config.batch?.max_queue_size;
  if (queueLimit !== undefined && converted.items.length > queueLimit) {
    return {
      ok: false,
      code: RPC.INVALID_ARGUMENT,
      httpStatus: 413,
      message: `request holds ${converted.items.length} ${SIGNALS[signal].what}, more than the server's whole write queue (batch.max_queue_size = ${queueLimit}); send smaller batches`,
    };
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
      logger.warn(`[rohas-telemetry] [server] ingest of ${signal} threw: ${(error as Error).message}`);
      return { ok: false, code: RPC.INTERNAL, httpStatus: 500, message: `storage failed: ${(error as Error).message}` };
    }
  }
  if (result.reason === 'queue_full' && result.accepted === 0) {
    // Nothing was taken: the client may retry the whole request after the delay (OTLP's throttling contract).
    return {
      ok: false,
      code: RPC.RESOURCE_EXHAUSTED,
      httpStatus: 429,
      message: reasonText(result, signal)!,
      retryAfterMs: Math.max(1000, result.retryAfterMs ?? 1000),
    };
  }
  const messages = [...converted.errors];
  const reason = reasonText(result, signal);
  if (reason) messages.push(reason);
  return { ok: true, rejected: converted.rejected + result.rejected, errorMessage: messages.join('; ') };
}
