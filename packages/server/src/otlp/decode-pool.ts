import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workerThreadOptions } from '@rohas/telemetry/adapter';
import { BodyError, decompress, joinParts, type RawBody } from '../body.js';
import { DecodeLimitError } from './bounded-decode.js';
import {
  BadRequestError,
  type DecodeBounds,
  type DecodedRequest,
  decodeAndConvert,
  type OtlpEncoding,
  type RequestSignal,
} from './decode.js';
import type { DecodeJob, DecodeReply } from './decode-worker.js';

/*
 * Where OTLP request bodies are decoded. Decompression, protobufjs, JSON.parse, conversion and the per-item door
 * checks are synchronous: on the event loop, a 17 MB body holding a million attributes kept it for over a second, and
 * at 10,000 spans/s the ~70 KiB bodies of 500 spans (a few ms to tens of ms each, plus their garbage) made every
 * /healthz and getTrace wait behind them. So every body of INLINE_MAX_BYTES or more is decoded in a small pool of
 * decode threads (decode-worker.ts); the receiver's body parts are transferred there (no copy) and only the checked
 * records come back. Only tiny bodies stay inline, where the hop would cost more than the work. The threads start on
 * demand, do not keep the process alive when idle, and are started again if one dies.
 */

/**
 * Bodies at least this large go to a decode thread. Below it, the worst case (~400 tiny attributes) costs well under
 * a millisecond inline, less than the hop to a thread and back (measured in bench/server/decode-cost.ts).
 */
export const INLINE_MAX_BYTES = 4 * 1024;

/** Decode threads at most: two keep a huge body from holding up every small one, without taking every core. */
export const DECODE_THREADS = Math.max(1, Math.min(2, availableParallelism() - 1));

/** The compiled worker: beside this module in dist/, or in dist/ when running from the TypeScript sources. */
function workerFile(): string | undefined {
  for (const candidate of ['./decode-worker.js', '../../dist/otlp/decode-worker.js']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

interface Job {
  resolve: (r: DecodedRequest) => void;
  reject: (e: Error) => void;
}

/** One decode thread and the jobs it has not answered yet. */
interface Slot {
  worker: Worker;
  pending: Map<number, Job>;
}

const slots: Slot[] = [];
let nextId = 1;
let noWorkerWarned = false;

function settle(slot: Slot, reply: DecodeReply): void {
  const job = slot.pending.get(reply.id);
  slot.pending.delete(reply.id);
  if (slot.pending.size === 0) slot.worker.unref();
  if (!job) return;
  if ('items' in reply)
    job.resolve({ items: reply.items, rejected: reply.rejected, errors: reply.errors, checked: reply.checked });
  else if ('limit' in reply) job.reject(new DecodeLimitError(reply.limit));
  else if ('stage' in reply) job.reject(new BadRequestError(reply.stage, reply.format, reply.message));
  else if ('bodyStatus' in reply) job.reject(new BodyError(reply.bodyStatus, reply.message));
  else job.reject(new Error(`[rohas-telemetry] [server] decoding failed: ${reply.internal}`));
}

function startSlot(file: string): Slot {
  const slot: Slot = { worker: new Worker(file, workerThreadOptions()), pending: new Map() };
  slot.worker.on('message', (reply: DecodeReply) => settle(slot, reply));
  const fail = (error: Error) => {
    const at = slots.indexOf(slot);
    if (at >= 0) slots.splice(at, 1);
    for (const [, job] of slot.pending)
      job.reject(new Error(`[rohas-telemetry] [server] a decode thread stopped: ${error.message}`, { cause: error }));
    slot.pending.clear();
  };
  slot.worker.on('error', fail);
  slot.worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
  slots.push(slot);
  return slot;
}

/** An idle thread, else a new one while under DECODE_THREADS, else the one with the fewest jobs waiting. */
function pickSlot(file: string): Slot {
  let best: Slot | undefined;
  for (const slot of slots) {
    if (slot.pending.size === 0) return slot;
    if (!best || slot.pending.size < best.pending.size) best = slot;
  }
  if (!best || slots.length < DECODE_THREADS) return startSlot(file);
  return best;
}

/**
 * Decompresses, decodes, converts and checks one HTTP request body (see decodeAndConvert for what it throws; a
 * decompression failure or a body over `maxDecodedBytes` is a BodyError). Bodies of INLINE_MAX_BYTES or more go to a
 * decode thread — the body's parts are transferred, so the caller must not use them afterwards; if the compiled
 * thread file is missing (sources never built), they are decoded inline with a warning.
 */
export async function decodeBody(
  signal: RequestSignal,
  encoding: OtlpEncoding,
  body: RawBody,
  bounds: DecodeBounds,
  options: {
    /** Largest body after decompression (`max_decoded_bytes`). */
    maxDecodedBytes: number;
    logger?: Pick<Console, 'warn'>;
    /** Smaller plain bodies are decoded inline (default INLINE_MAX_BYTES; the benchmark sets 0 to time the hop). */
    inlineMaxBytes?: number;
  },
): Promise<DecodedRequest> {
  const { maxDecodedBytes, logger = console, inlineMaxBytes = INLINE_MAX_BYTES } = options;
  // A compressed body goes to a thread whatever its size: a few KiB of gzip can expand to megabytes.
  const small = body.size < inlineMaxBytes && body.contentEncoding === 'identity';
  const file = small ? undefined : workerFile();
  if (!file) {
    if (!small && !noWorkerWarned) {
      noWorkerWarned = true;
      logger.warn(
        '[rohas-telemetry] [server] the decode thread (dist/otlp/decode-worker.js) is not built; OTLP bodies are decoded on the event loop (npm run build)',
      );
    }
    const bytes = await decompress(joinParts(body), body.contentEncoding, maxDecodedBytes);
    return decodeAndConvert(signal, encoding, bytes, bounds);
  }
  const slot = pickSlot(file);
  const id = nextId++;
  return new Promise((resolve, reject) => {
    slot.pending.set(id, { resolve, reject });
    slot.worker.ref();
    const job: DecodeJob = {
      id,
      signal,
      encoding,
      parts: body.parts,
      contentEncoding: body.contentEncoding,
      maxDecodedBytes,
      bounds,
    };
    slot.worker.postMessage(
      job,
      body.parts.map((p) => p.buffer as ArrayBuffer),
    );
  });
}

/**
 * Decodes and converts one already-decompressed request body whose memory the caller keeps (OTLP/gRPC: grpc-js owns
 * the message buffer), copying it to a decode thread when it is large enough to go there.
 */
export function decodeRequest(
  signal: RequestSignal,
  encoding: OtlpEncoding,
  body: Uint8Array,
  bounds: DecodeBounds,
  logger: Pick<Console, 'warn'> = console,
): Promise<DecodedRequest> {
  // A copy that owns its buffer can be transferred; below the threshold it stays inline and is not copied.
  const part = body.byteLength >= INLINE_MAX_BYTES ? new Uint8Array(body) : body;
  return decodeBody(signal, encoding, { parts: [part], size: body.byteLength, contentEncoding: 'identity' }, bounds, {
    maxDecodedBytes: Number.MAX_SAFE_INTEGER,
    logger,
  });
}
