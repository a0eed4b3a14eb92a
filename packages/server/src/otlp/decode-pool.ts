import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerThreadOptions } from '@rohas/telemetry/adapter';
import { DecodeLimitError } from './bounded-decode.js';
import {
  BadRequestError,
  type DecodeBounds,
  decodeAndConvert,
  type OtlpEncoding,
  type RequestSignal,
} from './decode.js';
import type { DecodeJob, DecodeReply } from './decode-worker.js';
import type { ConvertResult } from './readers.js';

/*
 * Where OTLP request bodies are decoded. protobufjs and JSON.parse are synchronous: a 17 MB body holding a
 * million attributes kept the event loop for over a second even with the limits applied while decoding (bounded-
 * decode.ts), so /healthz, queries and every other client waited. Bodies of INLINE_MAX_BYTES or more are decoded in
 * one decode thread (decode-worker.ts), one at a time, and only their records come back; smaller ones — nearly
 * every real export — are decoded inline, where a thread hop would cost more than the decode. The thread is started
 * on the first large body, does not keep the process alive, and is started again if it dies.
 */

/**
 * Bodies at least this large are decoded off the event loop. Below it, the worst case (~16,000 tiny attributes) costs
 * tens of ms inline; a typical 500-span export (~70 KiB) a few ms, less than the hop to a thread and back.
 */
export const INLINE_MAX_BYTES = 256 * 1024;

/** The compiled worker: beside this module in dist/, or in dist/ when running from the TypeScript sources. */
function workerFile(): string | undefined {
  for (const candidate of ['./decode-worker.js', '../../dist/otlp/decode-worker.js']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, { resolve: (r: ConvertResult<unknown>) => void; reject: (e: Error) => void }>();
let noWorkerWarned = false;

function settle(reply: DecodeReply): void {
  const job = pending.get(reply.id);
  pending.delete(reply.id);
  if (pending.size === 0) worker?.unref();
  if (!job) return;
  if ('items' in reply) job.resolve({ items: reply.items, rejected: reply.rejected, errors: reply.errors });
  else if ('limit' in reply) job.reject(new DecodeLimitError(reply.limit));
  else if ('stage' in reply) job.reject(new BadRequestError(reply.stage, reply.format, reply.message));
  else job.reject(new Error(`[rohas-telemetry] [server] decoding failed: ${reply.internal}`));
}

function thread(file: string): Worker {
  if (worker) return worker;
  const w = new Worker(file, workerThreadOptions());
  w.on('message', settle);
  const fail = (error: Error) => {
    if (worker === w) worker = undefined;
    for (const [, job] of pending)
      job.reject(new Error(`[rohas-telemetry] [server] the decode thread stopped: ${error.message}`, { cause: error }));
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  worker = w;
  return w;
}

/**
 * Decodes and converts one request body (see decodeAndConvert for what it throws). Large bodies go to the decode
 * thread; if the compiled thread file is missing (sources never built), they are decoded inline with a warning.
 */
export function decodeRequest(
  signal: RequestSignal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  bounds: DecodeBounds,
  logger: Pick<Console, 'warn'> = console,
): Promise<ConvertResult<unknown>> {
  const file = body.byteLength >= INLINE_MAX_BYTES ? workerFile() : undefined;
  if (!file) {
    if (body.byteLength >= INLINE_MAX_BYTES && !noWorkerWarned) {
      noWorkerWarned = true;
      logger.warn(
        '[rohas-telemetry] [server] the decode thread (dist/otlp/decode-worker.js) is not built; large OTLP bodies are decoded on the event loop (npm run build)',
      );
    }
    try {
      return Promise.resolve(decodeAndConvert(signal, encoding, body, bounds));
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const w = thread(file);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.ref();
    const job: DecodeJob = { id, signal, encoding, body, bounds };
    w.postMessage(job);
  });
}
