import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** A request body that cannot be read: `status` is the HTTP status to answer with (400, 413 or 415). */
export class BodyError extends Error {
  readonly status: 400 | 413 | 415;
  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.name = 'BodyError';
    this.status = status;
  }
}

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

/**
 * A request body as read from the wire, still compressed if it was sent so. `parts` each own their whole ArrayBuffer
 * (nothing else points into it), so they can be transferred to a decode thread without a copy; one part when the
 * client sent a Content-Length, else parts of up to {@link PART_BYTES}.
 */
export interface RawBody {
  parts: Uint8Array[];
  size: number;
  contentEncoding: ContentEncoding;
}

/** Size of one part of a body sent without Content-Length (chunked): bytes are copied into parts of this size. */
export const PART_BYTES = 1024 * 1024;

function contentEncodingOf(request: Request): ContentEncoding {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity' || encoding === '') return 'identity';
  if (encoding === 'gzip' || encoding === 'deflate') return encoding;
  throw new BodyError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or none`);
}

function overLimit(limit: number, size?: number): BodyError {
  return new BodyError(
    413,
    size === undefined
      ? `request body is over the limit of ${limit} bytes (max_body_bytes)`
      : `request body of ${size} bytes is over the limit of ${limit} bytes (max_body_bytes)`,
  );
}

/**
 * Copies incoming chunks into parts that own their memory. With a declared length there is one part of exactly that
 * size, filled as chunks arrive: each chunk is a small copy between network reads, so a large body never costs one
 * long copy on the event loop (nor a second one to hand it to a thread: the part is transferred).
 */
class PartWriter {
  readonly parts: Uint8Array[] = [];
  size = 0;
  private current: Uint8Array | undefined;
  private used = 0;
  constructor(
    private readonly declared: number | undefined,
    private readonly limit: number,
  ) {}
  /** Adds a chunk; throws BodyError past the limit or past the declared length. */
  add(chunk: Uint8Array): void {
    this.size += chunk.byteLength;
    if (this.size > this.limit) throw overLimit(this.limit);
    if (this.declared !== undefined && this.size > this.declared)
      throw new BodyError(400, `request body is longer than its Content-Length of ${this.declared} bytes`);
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (!this.current || this.used === this.current.byteLength) {
        this.current = new Uint8Array(this.declared ?? PART_BYTES);
        this.used = 0;
        this.parts.push(this.current);
      }
      const n = Math.min(chunk.byteLength - offset, this.current.byteLength - this.used);
      this.current.set(chunk.subarray(offset, offset + n), this.used);
      this.used += n;
      offset += n;
    }
  }
  /** The parts, the last one cut to what was written (a view: the part still owns its whole buffer only if full). */
  finish(): RawBody['parts'] {
    if (this.declared !== undefined && this.size < this.declared)
      throw new BodyError(400, `request body ended after ${this.size} of its ${this.declared} bytes`);
    if (this.current && this.used < this.current.byteLength) {
      // Copy the tail so every part owns its buffer exactly (at most one part's worth, once per request).
      this.parts[this.parts.length - 1] = this.current.slice(0, this.used);
    }
    return this.parts;
  }
}

/** Reads a node request's body into owned parts (the OTLP/HTTP receiver's path, no web stream in between). */
function readIncoming(incoming: IncomingMessage, writer: PartWriter): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      if (error) {
        // Whatever is left is read and discarded by node (the answer still goes out on this connection).
        incoming.resume();
        reject(error);
      } else resolve();
    };
    const onData = (chunk: Buffer) => {
      try {
        writer.add(chunk);
      } catch (error) {
        done(error as Error);
      }
    };
    const onEnd = () => done();
    const onError = (error: Error) => done(new BodyError(400, `request body could not be read: ${error.message}`));
    const onClose = () => {
      if (!incoming.complete) done(new BodyError(400, 'the request was aborted before its body was complete'));
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}

async function readWebStream(request: Request, writer: PartWriter): Promise<void> {
  if (!request.body) return;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    try {
      writer.add(value);
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
  }
}

/**
 * Reads a request body of at most `limit` bytes (`max_body_bytes`), still compressed. `incoming` is node's request
 * when the server runs on node (@hono/node-server passes it as `c.env.incoming`): its chunks are copied straight
 * into owned parts; otherwise the web stream is read. A declared Content-Length over the limit is refused unread.
 */
export async function readRawBody(request: Request, limit: number, incoming?: IncomingMessage): Promise<RawBody> {
  const contentEncoding = contentEncodingOf(request);
  const header = request.headers.get('content-length');
  const declared = header === null ? undefined : Number(header);
  if (declared !== undefined && Number.isFinite(declared) && declared > limit) throw overLimit(limit, declared);
  const writer = new PartWriter(
    declared !== undefined && Number.isSafeInteger(declared) && declared >= 0 ? declared : undefined,
    limit,
  );
  // A node request whose body nothing has touched yet; anything else (app.fetch with a web Request) is streamed.
  if (incoming && typeof incoming.on === 'function' && !incoming.readableDidRead && !incoming.readableEnded)
    await readIncoming(incoming, writer);
  else await readWebStream(request, writer);
  return { parts: writer.finish(), size: writer.size, contentEncoding };
}

/** The parts as one buffer (a view when there is one part). */
export function joinParts(body: RawBody): Buffer {
  const first = body.parts[0];
  if (body.parts.length === 1 && first) return Buffer.from(first.buffer, first.byteOffset, first.byteLength);
  return Buffer.concat(body.parts, body.size);
}

function decodedOverLimit(limit: number, size?: number): BodyError {
  return new BodyError(
    413,
    size === undefined
      ? `decompressed request body is over the limit of ${limit} bytes ([telemetry.server] max_decoded_bytes)`
      : `request body of ${size} bytes is over the limit of ${limit} bytes ([telemetry.server] max_decoded_bytes)`,
  );
}

/** Undoes the Content-Encoding synchronously (in a decode thread), stopping at `decodedLimit` bytes. */
export function decompressSync(raw: Buffer, encoding: ContentEncoding, decodedLimit: number): Buffer {
  if (encoding === 'identity') {
    if (raw.byteLength > decodedLimit) throw decodedOverLimit(decodedLimit, raw.byteLength);
    return raw;
  }
  try {
    return (encoding === 'gzip' ? zlib.gunzipSync : zlib.inflateSync)(raw, { maxOutputLength: decodedLimit });
  } catch (error) {
    throw decompressError(error, encoding, decodedLimit);
  }
}

/** As decompressSync, on libuv's thread pool (the inline path, when there is no decode thread). */
export async function decompress(raw: Buffer, encoding: ContentEncoding, decodedLimit: number): Promise<Buffer> {
  if (encoding === 'identity') return decompressSync(raw, encoding, decodedLimit);
  try {
    return await (encoding === 'gzip' ? gunzip : inflate)(raw, { maxOutputLength: decodedLimit });
  } catch (error) {
    throw decompressError(error, encoding, decodedLimit);
  }
}

function decompressError(error: unknown, encoding: ContentEncoding, decodedLimit: number): BodyError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return decodedOverLimit(decodedLimit);
  return new BodyError(400, `request body is not valid ${encoding}: ${(error as Error).message}`);
}

/**
 * Reads a request body of at most `limit` bytes (`max_body_bytes`) and undoes its Content-Encoding (gzip; deflate too,
 * since it costs nothing). The decoded body may hold at most `decodedLimit` bytes (`max_decoded_bytes`; a plain body
 * too): decompression stops there, so a small gzip bomb is refused with 413 before it is expanded.
 */
export async function readBody(request: Request, limit: number, decodedLimit = limit): Promise<Uint8Array> {
  const raw = await readRawBody(request, limit);
  return decompress(joinParts(raw), raw.contentEncoding, decodedLimit);
}
