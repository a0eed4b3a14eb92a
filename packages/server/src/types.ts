/**
 * Public types of @rohas/telemetry-server.
 */
import type {
  HealthStatus,
  IngestOptionsLike,
  IngestResultLike,
  LogRecord,
  MetricPoint,
  RetentionResult,
  SpanRecord,
  TelemetryConfig,
  TelemetryQuery,
} from './core-types.js';

export type { IngestOptionsLike, IngestResultLike } from './core-types.js';

/**
 * What the server needs from the storage: the subset of `@rohas/telemetry`'s `TelemetryStorage` it calls.
 * `openStorage(config)` returns one; tests may pass any object of this shape.
 */
export interface ServerStorage {
  readonly config: TelemetryConfig;
  readonly query: TelemetryQuery;
  /**
   * Queues spans for the adapter; never throws. The receiver passes `rejectWhenFull: true` so a full queue refuses
   * the request (429, the client retries) rather than dropping older data.
   */
  ingestSpans(spans: SpanRecord[], options?: IngestOptionsLike): IngestResultLike;
  ingestMetrics(points: MetricPoint[], options?: IngestOptionsLike): IngestResultLike;
  ingestLogs(records: LogRecord[], options?: IngestOptionsLike): IngestResultLike;
  /** Queue sizes, written, dropped and retried items per signal. */
  stats(): Record<string, unknown>;
  health(): Promise<HealthStatus & { signals: Record<string, string> }>;
  runRetention(): Promise<RetentionResult>;
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of the HTTP app (receiver, query API, Jaeger API, Workbench). Defaults come from `[telemetry.server]`. */
export interface ServerOptions {
  /** Bearer token required on every route except `/healthz` and `/workbench`. Absent: no authentication. */
  token?: string;
  /** CORS: `false` (default) sends no CORS headers; `true` allows any origin; a list allows those origins. */
  cors?: boolean | string[];
  /**
   * Largest accepted OTLP request body in bytes, compressed and after decompression alike (default 20 MiB, as the
   * OpenTelemetry Collector's OTLP receiver). A larger body gets 413.
   */
  maxBodyBytes?: number;
  /** Largest OTLP/HTTP body after gzip/deflate is undone (default: `maxBodyBytes`); a larger one gets 413. */
  maxDecodedBytes?: number;
  /** Most key-values and AnyValues one protobuf request may build, after the count limits (default 1,000,000). */
  maxRequestValues?: number;
  /**
   * Longest string or bytes value (an attribute at any depth, a log body) one OTLP record may carry, in UTF-8 bytes
   * (default 4 MiB); a record with a longer one is refused on its own (partial_success, reason `value_too_large`).
   */
  maxValueBytes?: number;
  /**
   * When an OTLP export is answered 200: `committed` (default) once the batch holding its items is committed, so
   * nothing acknowledged is lost and it is readable at once; `queued` as soon as it is queued in memory (more
   * throughput, but a crash, kill or full disk loses what was acknowledged and not yet written).
   */
  ack?: 'committed' | 'queued';
  /** Host names (besides IPs, `localhost` and `[telemetry.server] host`) served without a token. */
  allowedHosts?: string[];
  /** Folder of the built Workbench SPA; default `packages/server/workbench-dist`. */
  workbenchDir?: string;
  /** Where the server reports its own problems; default `console`. */
  logger?: Pick<Console, 'info' | 'warn' | 'error'>;
}

/** A started server. */
export interface RunningServer {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The OTLP/gRPC port, when the gRPC receiver runs. */
  readonly grpcPort?: number;
  /** Stops accepting connections, waits for open requests, then flushes the storage (does not shut it down). */
  close(): Promise<void>;
}

export interface StartServerOptions extends ServerOptions {
  storage: ServerStorage;
  /** Default `127.0.0.1` (loopback only). */
  host?: string;
  /** Default 4318, the OTLP/HTTP port; 0 picks a free port. */
  port?: number;
  /**
   * OTLP/gRPC port: default `[telemetry.server] grpc_port`, else 4317 (off when `port` is 0); 0 disables the gRPC
   * receiver, `'any'` picks a free port.
   */
  grpcPort?: number | 'any';
}
