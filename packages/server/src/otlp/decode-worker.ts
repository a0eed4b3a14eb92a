import { parentPort } from 'node:worker_threads';
import { checkRecords, lowerThreadPriority } from '@rohas/telemetry/adapter';
import { BodyError, type ContentEncoding, decompressSync } from '../body.js';
import { DecodeLimitError } from './bounded-decode.js';
import {
  BadRequestError,
  type DecodeBounds,
  type DecodedRequest,
  decodeAndConvert,
  type OtlpEncoding,
  type RequestSignal,
} from './decode.js';

/*
 * A decode thread (decode-pool.ts starts them): turns an OTLP request body into checked records off the server's
 * event loop — decompression (gzip/deflate, bounded by max_decoded_bytes), protobuf/JSON decoding with the limits,
 * conversion, and the storage's per-item door checks (validate.ts `checkRecords`). Only the good records and the
 * refusal summary travel back, by structured clone; errors travel as plain data.
 */

export interface DecodeJob {
  id: number;
  signal: RequestSignal;
  encoding: OtlpEncoding;
  /** The body as read, possibly compressed, in one or more parts (transferred, not copied, from the receiver). */
  parts: Uint8Array[];
  contentEncoding: ContentEncoding;
  /** Largest body after decompression (`max_decoded_bytes`). */
  maxDecodedBytes: number;
  bounds: DecodeBounds;
}

export type DecodeReply =
  | ({ id: number } & Required<Pick<DecodedRequest, 'items' | 'rejected' | 'errors' | 'checked'>>)
  | { id: number; limit: number }
  | { id: number; stage: 'decode' | 'convert'; format: boolean; message: string }
  | { id: number; bodyStatus: 400 | 413 | 415; message: string }
  | { id: number; internal: string };

/** One job: everything the event loop would otherwise do between reading a body and queueing its records. */
export function runJob(job: DecodeJob): DecodeReply {
  try {
    const joined =
      job.parts.length === 1
        ? Buffer.from(job.parts[0]!.buffer, job.parts[0]!.byteOffset, job.parts[0]!.byteLength)
        : Buffer.concat(job.parts);
    const body = decompressSync(joined, job.contentEncoding, job.maxDecodedBytes);
    const r = decodeAndConvert(job.signal, job.encoding, body, job.bounds);
    const { good, ...checked } = checkRecords(job.signal, r.items, { maxValueBytes: job.bounds.maxValueBytes });
    return { id: job.id, items: good, rejected: r.rejected, errors: r.errors, checked };
  } catch (error) {
    if (error instanceof DecodeLimitError) return { id: job.id, limit: error.limit };
    if (error instanceof BadRequestError)
      return { id: job.id, stage: error.stage, format: error.format, message: error.message };
    if (error instanceof BodyError) return { id: job.id, bodyStatus: error.status, message: error.message };
    return { id: job.id, internal: (error as Error).message };
  }
}

// Decoding is background work: the event loop that answers requests goes first (core's thread-priority.ts).
if (parentPort) lowerThreadPriority();
parentPort?.on('message', (job: DecodeJob) => {
  parentPort!.postMessage(runJob(job));
});
