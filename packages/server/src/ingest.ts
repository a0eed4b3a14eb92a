import { limitsFromConfig } from '@rohas/telemetry/adapter';
import type { IngestResultLike } from './core-types.js';
import { type ConvertResult, OtlpFormatError } from './otlp/convert.js';
import { convertExport, type DecodedRequest } from './otlp/decode.js';
import type { ServerStorage } from './types.js';

/*
 * The OTLP ingest path shared by every transport (OTLP/HTTP here, OTLP/gRPC too): a decoded Export*ServiceRequest
 * is converted, checked per item (unstorable items are refused on their own), queued, and — unless the server is
 * configured with `ack = "queued"` — the answer waits until the batch holding the request's items is committed
 * (group commit: many requests share one write). Spans and log records are cut to the OpenTelemetry attribute, event
 * and link limits of the storage's config (limits.ts in the core; a protobuf request had its count limits applied
 * while it was decoded, a JSON one gets them here, and value lengths are cut here for both). Nothing here knows HTTP.
 */

export type OtlpSignal = 'traces' | 'metrics' | 'logs';

/** How long a request waits for its batch's commit before it is answered "unavailable, retry", ms. */
export const COMMIT_WAIT_MS = 5_000;

export type AckMode = 'committed' | 'queued';

export interface IngestExportOptions {
  /** `committed` (default): answer after the commit. `queued`: answer once queued (faster; a crash loses it). */
  ack?: AckMode;
  /** Longest wait for the commit, ms (default {@link COMMIT_WAIT_MS}). */
  commitWaitMs?: number;
}

/**
 * What to answer. `ok`: a success response with `rejected`/`message` as partial_success (HTTP 200, gRPC OK).
 * `throttled`: nothing taken, retry after `retryAfterSeconds` (HTTP 429, gRPC RESOURCE_EXHAUSTED). `unavailable`:
 * not committed, retry (HTTP 503, gRPC UNAVAILABLE). `too_large`: the request can never be taken (HTTP 413,
 * gRPC INVALID_ARGUMENT).
 */
export interface IngestOutcome {
  status: 'ok' | 'throttled' | 'unavailable' | 'too_large';
  /** Items refused (partial_success `rejected_spans` / `rejected_data_points` / `rejected_log_records`). */
  rejected: number;
  /** partial_success `error_message`, or the status message. */
  message: string;
  retryAfterSeconds?: number;
}

const WHAT: Record<OtlpSignal, string> = { traces: 'spans', metrics: 'data points', logs: 'log records' };

function reasonText(result: IngestResultLike, signal: OtlpSignal): string | undefined {
  switch (result.reason) {
    case 'signal_disabled':
      return `${signal} are disabled in this server's configuration (enable_${signal} = false)`;
    case 'not_stored':
      return `this server's backend does not store ${signal}`;
    case 'queue_full':
      return `the write queue is full; ${result.rejected} ${WHAT[signal]} were not accepted`;
    default:
      return undefined;
  }
}

/** The request is malformed (the client's fault: HTTP 400, gRPC INVALID_ARGUMENT); `message` says where. */
export class MalformedRequestError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MalformedRequestError';
  }
}

function convert(storage: ServerStorage, signal: OtlpSignal, message: unknown): ConvertResult<unknown> {
  try {
    return convertExport(signal, message, limitsFromConfig(storage.config));
  } catch (error) {
    // A wrong field type or nesting too deep is the client's malformed request, never a crash.
    const why = error instanceof OtlpFormatError ? error.message : `malformed request: ${(error as Error).message}`;
    throw new MalformedRequestError(why, { cause: error });
  }
}

function ingest(storage: ServerStorage, signal: OtlpSignal, request: DecodedRequest, wait: boolean): IngestResultLike {
  const items = request.items;
  // A remote exporter can retry, so a full queue refuses its request instead of dropping older, already-taken data.
  // Records checked where they were decoded (a decode thread) are handed over with that check's summary.
  const options = { rejectWhenFull: true, waitForCommit: wait, checked: request.checked };
  return signal === 'traces'
    ? storage.ingestSpans(items as never, options)
    : signal === 'metrics'
      ? storage.ingestMetrics(items as never, options)
      : storage.ingestLogs(items as never, options);
}

/**
 * Ingests one decoded OTLP export request (the protobuf-decoded message or the parsed JSON object). Throws
 * `MalformedRequestError` for a malformed request; never throws for storage trouble (that is an outcome).
 */
export async function ingestExport(
  storage: ServerStorage,
  signal: OtlpSignal,
  message: unknown,
  options: IngestExportOptions = {},
): Promise<IngestOutcome> {
  return ingestConverted(storage, signal, convert(storage, signal, message), options);
}

/** As ingestExport, for a request already decoded and converted (decode-pool.ts). */
export async function ingestConverted(
  storage: ServerStorage,
  signal: OtlpSignal,
  converted: DecodedRequest,
  options: IngestExportOptions = {},
): Promise<IngestOutcome> {
  // The core takes a request whole or not at all when its queue is full; a request larger than the whole queue
  // could never be taken, so it is refused as too large instead of being answered 429 forever.
  const queueLimit = storage.config.batch?.max_queue_size;
  if (queueLimit !== undefined && converted.items.length > queueLimit) {
    return {
      status: 'too_large',
      rejected: converted.items.length,
      message: `request holds ${converted.items.length} ${WHAT[signal]}, more than the server's whole write queue (batch.max_queue_size = ${queueLimit}); send smaller batches`,
    };
  }
  const wait = (options.ack ?? 'committed') === 'committed';
  let result: IngestResultLike = { accepted: 0, rejected: 0 };
  // Items every one of which the decode thread's door checks refused still go in, so the storage counts them by reason.
  if (converted.items.length > 0 || converted.checked?.rejected) result = ingest(storage, signal, converted, wait);
  if (result.reason === 'queue_full' && result.accepted === 0) {
    // Nothing was taken: the client may retry the whole request after the delay (OTLP's throttling contract).
    return {
      status: 'throttled',
      rejected: result.rejected,
      message: reasonText(result, signal)!,
      retryAfterSeconds: Math.max(1, Math.ceil((result.retryAfterMs ?? 1000) / 1000)),
    };
  }
  let rejected = converted.rejected + result.rejected;
  const messages = [...converted.errors, ...(result.messages ?? [])];
  const reason = reasonText(result, signal);
  if (reason) messages.push(reason);
  if (wait && result.committed) {
    const waitMs = options.commitWaitMs ?? COMMIT_WAIT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    const commit = await Promise.race([result.committed, timeout]);
    clearTimeout(timer);
    if (!commit) {
      // Still queued (the backend is slow or down): the items may yet be written, and a retry re-writes the same
      // ids, which every backend stores once.
      return {
        status: 'unavailable',
        rejected: 0,
        message: `the storage did not commit the ${WHAT[signal]} within ${waitMs} ms (backend slow or unreachable); retry`,
        retryAfterSeconds: 5,
      };
    }
    if (commit.dropped > 0) {
      return {
        status: 'unavailable',
        rejected: 0,
        message: `${commit.dropped} ${WHAT[signal]} were dropped before they were written (queue overflow or shutdown); retry`,
        retryAfterSeconds: 5,
      };
    }
    if (commit.failed > 0) {
      rejected += commit.failed;
      messages.push(`${commit.failed} ${WHAT[signal]} refused by the backend: ${commit.messages.join('; ')}`);
    }
  }
  return { status: 'ok', rejected, message: messages.join('; ') };
}
