import type { TelemetryLimits } from '@rohas/telemetry';
import { decodeBounded } from './bounded-decode.js';
import { OtlpFormatError } from './readers.js';
import { otlpTypes } from './schema.js';

/*
 * One OTLP request body -> the decoded Export*ServiceRequest, for every transport (OTLP/HTTP protobuf and JSON,
 * OTLP/gRPC). Protobuf is decoded with the count limits applied during the decode and a bound on the values built
 * (bounded-decode.ts); JSON is parsed whole (its size is bounded by max_decoded_bytes) and limited after conversion.
 */

export type OtlpEncoding = 'proto' | 'json';
export type RequestSignal = 'traces' | 'metrics' | 'logs';

/** Default `[telemetry.server] max_request_values`: key-values and AnyValues one protobuf request may build. */
export const DEFAULT_MAX_REQUEST_VALUES = 1_000_000;

export interface DecodeBounds {
  limits: TelemetryLimits;
  /** Most key-values and AnyValues a protobuf request may build (after the count limits). */
  maxValues: number;
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
