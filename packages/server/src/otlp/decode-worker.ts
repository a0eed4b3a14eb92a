import { parentPort } from 'node:worker_threads';
import { DecodeLimitError } from './bounded-decode.js';
import {
  BadRequestError,
  type DecodeBounds,
  decodeAndConvert,
  type OtlpEncoding,
  type RequestSignal,
} from './decode.js';

/*
 * The decode thread (decode-pool.ts starts it): turns a large OTLP request body into records off the server's event
 * loop. Only the records (cut to the limits) travel back, by structured clone; errors travel as plain data.
 */

export interface DecodeJob {
  id: number;
  signal: RequestSignal;
  encoding: OtlpEncoding;
  body: Uint8Array;
  bounds: DecodeBounds;
}

export type DecodeReply =
  | { id: number; items: unknown[]; rejected: number; errors: string[] }
  | { id: number; limit: number }
  | { id: number; stage: 'decode' | 'convert'; format: boolean; message: string }
  | { id: number; internal: string };

parentPort?.on('message', (job: DecodeJob) => {
  let reply: DecodeReply;
  try {
    const r = decodeAndConvert(job.signal, job.encoding, job.body, job.bounds);
    reply = { id: job.id, items: r.items, rejected: r.rejected, errors: r.errors };
  } catch (error) {
    if (error instanceof DecodeLimitError) reply = { id: job.id, limit: error.limit };
    else if (error instanceof BadRequestError)
      reply = { id: job.id, stage: error.stage, format: error.format, message: error.message };
    else reply = { id: job.id, internal: (error as Error).message };
  }
  parentPort!.postMessage(reply);
});
