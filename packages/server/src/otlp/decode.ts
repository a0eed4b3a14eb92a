import type { TelemetryLimits } from '@rohas/telemetry';
import { type CheckSummary, limitLogRecord, limitSpan } from '@rohas/telemetry/adapter';
import type { LogRecord, SpanRecord } from '../core-types.js';
import { DecodeLimitError, decodeBounded } from './bounded-decode.js';
import { logsFromRequest, metricsFromRequest, spansFromRequest } from './convert.js';
import { type ConvertResult, OtlpFormatError } from './readers.js';
import { otlpTypes } from './schema.js';

/*
 * One OTLP request body -> the decoded Export*ServiceRequest, for every transport (OTLP/HTTP protobuf and JSON,
 * OTLP/gRPC). Protobuf is decoded with the count limits applied during the decode and a bound on the values built
 * (bounded-decode.ts); JSON is parsed whole (its size is bounded by max_decoded_bytes) and limited after conversion.
 */

export type OtlpEncoding = 'proto' | 'json';
export type RequestSignal = 'traces' | 'metrics' | 'logs';

/** Default `[telemetry.server] max_value_bytes`: 4 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 4 * 1024 * 1024;

/** Default `[telemetry.server] max_request_values`: key-values and AnyValues one protobuf request may build. */
export const DEFAULT_MAX_REQUEST_VALUES = 1_000_000;

export interface DecodeBounds {
  limits: TelemetryLimits;
  /** Most key-values and AnyValues a protobuf request may build (after the count limits). */
  maxValues: number;
  /** Longest string or bytes value one record may carry (`max_value_bytes`); a record with a longer one is refused. */
  maxValueBytes: number;
}

const REQUEST_NAMES: Record<RequestSignal, string> = {
  traces: 'ExportTraceServiceRequest',
  metrics: 'ExportMetricsServiceRequest',
  logs: 'ExportLogsServiceRequest',
};

/**
 * Decodes a request body. Throws DecodeLimitError when it would build more than `bounds.maxValues` values,
 * OtlpFormatError for a JSON body that is not an object, and the decoder's own error for malformed bytes.
 */
export function decodeExportRequest(
  signal: RequestSignal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  bounds: DecodeBounds,
): unknown {
  if (encoding === 'proto') {
    const types = otlpTypes();
    const type =
      signal === 'traces' ? types.traceRequest : signal === 'metrics' ? types.metricsRequest : types.logsRequest;
    // A Buffer (a view, no copy) lets protobufjs read strings with Node's native UTF-8 decoder.
    const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    return decodeBounded(type, bytes, bounds.limits, bounds.maxValues);
  }
  const message = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new OtlpFormatError('$', `the body must be a JSON object (an ${REQUEST_NAMES[signal]})`);
  }
  return message;
}

/**
 * A decoded request -> records, spans and log records cut to the limits (a protobuf request had its count limits
 * applied while decoded; a JSON one gets them here, and value lengths are cut here for both). Throws OtlpFormatError
 * (or a TypeError from a wrong field type) for a malformed request.
 */
export function convertExport(
  signal: RequestSignal,
  message: unknown,
  limits: TelemetryLimits,
): ConvertResult<unknown> {
  if (signal === 'metrics') return metricsFromRequest(message);
  if (signal === 'traces') {
    const result = spansFromRequest(message);
    return { ...result, items: result.items.map((s: SpanRecord) => limitSpan(s, limits)) };
  }
  const result = logsFromRequest(message);
  return { ...result, items: result.items.map((r: LogRecord) => limitLogRecord(r, limits)) };
}

/**
 * A decoded request's records. `checked` is set when the door checks already ran where it was decoded (the decode
 * thread): `items` are then only the good ones, and the storage is told not to check them again.
 */
export type DecodedRequest = ConvertResult<unknown> & { checked?: CheckSummary };

/**
 * A request the client got wrong (HTTP 400, gRPC INVALID_ARGUMENT). `stage` says whether its bytes could not be
 * decoded (`decode`; `format` true when the decoder named a field) or a decoded field was wrong (`convert`).
 */
export class BadRequestError extends Error {
  constructor(
    readonly stage: 'decode' | 'convert',
    readonly format: boolean,
    message: string,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** Decode and convert in one step (what the decode thread runs). Throws DecodeLimitError or BadRequestError. */
export function decodeAndConvert(
  signal: RequestSignal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  bounds: DecodeBounds,
): ConvertResult<unknown> {
  let message: unknown;
  try {
    message = decodeExportRequest(signal, encoding, body, bounds);
  } catch (error) {
    if (error instanceof DecodeLimitError) throw error;
    throw new BadRequestError('decode', error instanceof OtlpFormatError, (error as Error).message);
  }
  try {
    return convertExport(signal, message, bounds.limits);
  } catch (error) {
    // A wrong field type or nesting too deep is the client's malformed request, never a crash.
    const format = error instanceof OtlpFormatError;
    throw new BadRequestError(
      'convert',
      format,
      format ? (error as Error).message : `malformed request: ${(error as Error).message}`,
    );
  }
}
