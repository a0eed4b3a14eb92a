import * as grpc from '@grpc/grpc-js';
import { limitsFromConfig } from '@rohas/telemetry/adapter';
import { tokenMatches } from '../auth.js';
import { type AckMode, ingestConverted, type OtlpSignal as Signal } from '../ingest.js';
import { DecodeLimitError } from '../otlp/bounded-decode.js';
import { BadRequestError, DEFAULT_MAX_REQUEST_VALUES, DEFAULT_MAX_VALUE_BYTES } from '../otlp/decode.js';
import { decodeRequest } from '../otlp/decode-pool.js';
import { otlpTypes } from '../otlp/schema.js';
import type { ReceiverState } from '../receiver.js';
import type { ServerStorage } from '../types.js';
import { grpcSchema, retryStatusDetails } from './services.js';

/*
 * The OTLP/gRPC receiver (https://opentelemetry.io/docs/specs/otlp/#otlpgrpc) on @grpc/grpc-js: the three collector
 * services' unary Export calls. Each request is decoded by protobufjs from the repository's schema and handed to the
 * same ingestExport as an OTLP/HTTP body (ingest.ts), so per-item validation, ack after commit and partial success
 * are the HTTP receiver's. Status codes follow the OTLP spec:
 * INVALID_ARGUMENT for a malformed or too-large request (not retryable), RESOURCE_EXHAUSTED with a RetryInfo when the
 * write queue is full and UNAVAILABLE with a RetryInfo while the server shuts down (both retryable, after the delay),
 * UNAUTHENTICATED for a missing or wrong `authorization: Bearer` token. grpc-js decompresses gzip (and deflate)
 * requests itself and enforces `max_body_bytes` on the message (grpc.max_receive_message_length).
 */

export interface GrpcReceiverOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  token?: string;
  maxBodyBytes: number;
  /** Most values a protobuf request may build, after the count limits (default DEFAULT_MAX_REQUEST_VALUES). */
  maxRequestValues?: number;
  /** Longest string or bytes value a record may carry (default DEFAULT_MAX_VALUE_BYTES, 4 MiB). */
  maxValueBytes?: number;
  state: ReceiverState;
  logger: Pick<Console, 'warn'>;
  /** When to answer: after the commit (default) or once queued, as the HTTP receiver. */
  ack?: AckMode;
}

/** gRPC status codes (google.rpc.Code) the receiver answers with. */
const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, INTERNAL: 13, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;
const REJECTED_FIELD: Record<Signal, string> = {
  traces: 'rejectedSpans',
  metrics: 'rejectedDataPoints',
  logs: 'rejectedLogRecords',
};

export interface GrpcReceiver {
  readonly host: string;
  readonly port: number;
  /** Stops taking calls, lets open ones finish (5 s at most), then closes. */
  close(): Promise<void>;
}

const CLOSING_RETRY_MS = 5000;

function failure(code: number, message: string, retryAfterMs?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (retryAfterMs !== undefined)
    metadata.set('grpc-status-details-bin', retryStatusDetails(code, message, retryAfterMs));
  return Object.assign(new Error(message), { code, details: message, metadata }) as grpc.ServiceError;
}

const identity = (b: Buffer) => b;

export async function startGrpcReceiver(storage: ServerStorage, options: GrpcReceiverOptions): Promise<GrpcReceiver> {
  const schema = grpcSchema();
  const types = otlpTypes();
  const bounds = {
    limits: limitsFromConfig(storage.config),
    maxValues: options.maxRequestValues ?? DEFAULT_MAX_REQUEST_VALUES,
    maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
  };
  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxBodyBytes,
  });

  const handler =
    (signal: Signal): grpc.handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      if (options.token) {
        const header = String(call.metadata.get('authorization')[0] ?? '');
        const m = /^Bearer[ ]+(.+)$/i.exec(header);
        if (!m || !tokenMatches(m[1]!.trim(), options.token))
          return callback(failure(RPC.UNAUTHENTICATED, 'missing or wrong bearer token'));
      }
      if (options.state.closing)
        return callback(failure(RPC.UNAVAILABLE, 'the server is shutting down', CLOSING_RETRY_MS));
      // Large messages are decoded off the event loop (decode-pool.ts); spans and logs come back cut to the limits.
      decodeRequest(signal, 'proto', call.request, bounds, options.logger)
        .then((converted) => ingestConverted(storage, signal, converted, { ack: options.ack }))
        .then(
          (outcome) => {
            switch (outcome.status) {
              case 'too_large':
                return callback(failure(RPC.INVALID_ARGUMENT, outcome.message));
              case 'throttled':
                return callback(
                  failure(RPC.RESOURCE_EXHAUSTED, outcome.message, (outcome.retryAfterSeconds ?? 1) * 1000),
                );
              case 'unavailable':
                return callback(failure(RPC.UNAVAILABLE, outcome.message, (outcome.retryAfterSeconds ?? 5) * 1000));
            }
            const type =
              signal === 'traces'
                ? types.traceResponse
                : signal === 'metrics'
                  ? types.metricsResponse
                  : types.logsResponse;
            const partial =
              outcome.rejected > 0 || outcome.message !== ''
                ? { partialSuccess: { [REJECTED_FIELD[signal]]: outcome.rejected, errorMessage: outcome.message } }
                : {};
            callback(null, Buffer.from(type.encode(type.create(partial)).finish()));
          },
          (error: Error) => {
            // No RetryInfo: per the OTLP specification RESOURCE_EXHAUSTED without it is not retried.
            if (error instanceof DecodeLimitError) return callback(failure(RPC.RESOURCE_EXHAUSTED, error.message));
            if (error instanceof BadRequestError) {
              const why =
                error.stage === 'decode'
                  ? `malformed protobuf request: ${error.message}`
                  : `invalid OTLP protobuf: ${error.message}`;
              return callback(failure(RPC.INVALID_ARGUMENT, why.slice(0, 1000)));
            }
            options.logger.warn(`[rohas-telemetry] [server] ingest of ${signal} threw: ${error.message}`);
            callback(failure(RPC.INTERNAL, `[rohas-telemetry] [server] storage failed: ${error.message}`));
          },
        );
    };

  for (const signal of ['traces', 'metrics', 'logs'] as const) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: schema.paths[signal],
        requestStream: false,
        responseStream: false,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(definition, { Export: handler(signal) });
  }

  const address = options.host.includes(':') ? `[${options.host}]:${options.port}` : `${options.host}:${options.port}`;
  const port = await new Promise<number>((resolvePort, reject) =>
    server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error
        ? reject(
            new Error(`[rohas-telemetry] [server] cannot listen for OTLP/gRPC on ${address}: ${error.message}`, {
              cause: error,
            }),
          )
        : resolvePort(bound),
    ),
  );
  let closed: Promise<void> | undefined;
  return {
    host: options.host,
    port,
    close() {
      closed ??= new Promise<void>((resolveClose) => {
        const timer = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolveClose();
        });
      });
      return closed;
    },
  };
}
