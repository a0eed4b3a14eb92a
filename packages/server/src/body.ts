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

/**
 * Reads a request body of at most `limit` bytes (`max_body_bytes`) and undoes its Content-Encoding (gzip; deflate too,
 * since it costs nothing). The decoded body may hold at most `decodedLimit` bytes (`max_decoded_bytes`; a plain body
 * too): decompression stops there, so a small gzip bomb is refused with 413 before it is expanded.
 */
export async function readBody(request: Request, limit: number, decodedLimit = limit): Promise<Uint8Array> {
  const encoding = (request.headers.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity' && encoding !== 'gzip' && encoding !== 'deflate' && encoding !== '') {
    throw new BodyError(415, `unsupported Content-Encoding ${JSON.stringify(encoding)}; use gzip or none`);
  }
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit) {
    throw new BodyError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes (max_body_bytes)`);
  }
  const raw = await readLimited(request, limit);
  if (encoding === 'gzip' || encoding === 'deflate') {
    try {
      return await (encoding === 'gzip' ? gunzip : inflate)(raw, { maxOutputLength: decodedLimit });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) {
        throw new BodyError(
          413,
          `decompressed request body is over the limit of ${decodedLimit} bytes ([telemetry.server] max_decoded_bytes)`,
        );
      }
      throw new BodyError(400, `request body is not valid ${encoding}: ${(error as Error).message}`);
    }
  }
  if (raw.byteLength > decodedLimit) {
    throw new BodyError(
      413,
      `request body of ${raw.byteLength} bytes is over the limit of ${decodedLimit} bytes ([telemetry.server] max_decoded_bytes)`,
    );
  }
  return raw;
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyError(413, `request body is over the limit of ${limit} bytes (max_body_bytes)`);
    }
    chunks.push(value);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
