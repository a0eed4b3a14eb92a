import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { OtlpSignal as Signal } from '../ingest.js';
import { otlpSchemaDir } from '../otlp/schema.js';

/*
 * The three OTLP collector services and google.rpc.Status/RetryInfo, loaded by protobufjs from schemas/otlp/
 * (trace_service.proto, metrics_service.proto, logs_service.proto, rpc_status.proto). The gRPC method paths come from
 * the loaded service definitions, so the .proto files are the one source of truth for names.
 */

export interface GrpcSchema {
  /** `/opentelemetry.proto.collector.trace.v1.TraceService/Export` and the same for metrics and logs. */
  paths: Record<Signal, string>;
  status: protobuf.Type;
  retryInfo: protobuf.Type;
}

let cached: GrpcSchema | undefined;

export function grpcSchema(): GrpcSchema {
  if (cached) return cached;
  const root = new protobuf.Root();
  const dir = otlpSchemaDir();
  root.loadSync(
    ['trace_service.proto', 'metrics_service.proto', 'logs_service.proto', 'rpc_status.proto'].map((f) => join(dir, f)),
    { keepCase: false },
  );
  root.resolveAll();
  const path = (service: string) => {
    const s = root.lookupService(service);
    if (!s.methods.Export) throw new Error(`[rohas-telemetry] [server] ${service} has no Export method in ${dir}`);
    return `/${s.fullName.replace(/^\./, '')}/Export`;
  };
  cached = {
    paths: {
      traces: path('opentelemetry.proto.collector.trace.v1.TraceService'),
      metrics: path('opentelemetry.proto.collector.metrics.v1.MetricsService'),
      logs: path('opentelemetry.proto.collector.logs.v1.LogsService'),
    },
    status: root.lookupType('google.rpc.Status'),
    retryInfo: root.lookupType('google.rpc.RetryInfo'),
  };
  return cached;
}

/** The `grpc-status-details-bin` trailer: a google.rpc.Status carrying a RetryInfo with the delay. */
export function retryStatusDetails(code: number, message: string, retryAfterMs: number): Buffer {
  const { status, retryInfo } = grpcSchema();
  const seconds = Math.floor(retryAfterMs / 1000);
  const nanos = (retryAfterMs % 1000) * 1_000_000;
  const info = retryInfo.encode(retryInfo.create({ retryDelay: { seconds, nanos } })).finish();
  const bytes = status
    .encode(
      status.create({
        code,
        message,
        details: [{ type_url: 'type.googleapis.com/google.rpc.RetryInfo', value: info }],
      }),
    )
    .finish();
  return Buffer.from(bytes);
}

/** Reads the retry delay (ms) from a `grpc-status-details-bin` value, or undefined when it has no RetryInfo. */
export function retryDelayOf(details: Buffer): number | undefined {
  const { status, retryInfo } = grpcSchema();
  const decoded = status.toObject(status.decode(details), { longs: Number }) as {
    details?: Array<{ type_url?: string; typeUrl?: string; value: Uint8Array }>;
  };
  for (const any of decoded.details ?? []) {
    if ((any.type_url ?? any.typeUrl) !== 'type.googleapis.com/google.rpc.RetryInfo') continue;
    const info = retryInfo.toObject(retryInfo.decode(any.value), { longs: Number }) as {
      retryDelay?: { seconds?: number; nanos?: number };
    };
    return (info.retryDelay?.seconds ?? 0) * 1000 + Math.round((info.retryDelay?.nanos ?? 0) / 1_000_000);
  }
  return undefined;
}
