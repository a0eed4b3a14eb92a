import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/*
 * The OTLP messages are decoded by protobufjs from the .proto files in schemas/otlp/ (written in this repository from
 * the specification's field numbers). protobufjs decodes 64-bit fields to Long objects (the `long` package is its
 * dependency), never to lossy numbers; convert.ts turns them into bigint.
 */

const here = dirname(fileURLToPath(import.meta.url));

/** Where the .proto files are: copied into the package by the build, or the repository's schemas/otlp in a checkout. */
export function otlpSchemaDir(): string {
  const candidates = [
    resolve(here, '../../otlp-schema'), // published package: packages/server/otlp-schema (copied by `npm run build`)
    resolve(here, '../../../../schemas/otlp'), // repository checkout: src/otlp -> repo root
  ];
  for (const dir of candidates) if (existsSync(join(dir, 'collector.proto'))) return dir;
  throw new Error(`[rohas-telemetry] [server] OTLP schema not found; looked in ${candidates.join(', ')}`);
}

export interface OtlpTypes {
  traceRequest: protobuf.Type;
  traceResponse: protobuf.Type;
  metricsRequest: protobuf.Type;
  metricsResponse: protobuf.Type;
  logsRequest: protobuf.Type;
  logsResponse: protobuf.Type;
  status: protobuf.Type;
}

let cached: OtlpTypes | undefined;

/** Loads (once) and returns the OTLP request/response message types. */
export function otlpTypes(): OtlpTypes {
  if (cached) return cached;
  const root = new protobuf.Root();
  root.loadSync(join(otlpSchemaDir(), 'collector.proto'), { keepCase: false });
  root.resolveAll();
  const t = (name: string) => root.lookupType(`opentelemetry.proto.collector.${name}`);
  cached = {
    traceRequest: t('ExportTraceServiceRequest'),
    traceResponse: t('ExportTraceServiceResponse'),
    metricsRequest: t('ExportMetricsServiceRequest'),
    metricsResponse: t('ExportMetricsServiceResponse'),
    logsRequest: t('ExportLogsServiceRequest'),
    logsResponse: t('ExportLogsServiceResponse'),
    status: t('Status'),
  };
  return cached;
}
