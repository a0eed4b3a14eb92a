import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

const JSONB_OID = 3802;
const JSON_OID = 114;

/**
 * Type parsers of the adapter's pool: jsonb stays text (it is decoded by @rohas/telemetry's typed-JSON decoder,
 * and parsing it twice would cost time), int8 stays a string (turned into bigint where needed).
 */
export const typeParsers = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === JSONB_OID || oid === JSON_OID) return (v: string) => v;
    // biome-ignore lint/suspicious/noExplicitAny: pg's overloads do not accept a union format
    return pg.types.getTypeParser(oid, format as any);
  },
};

/**
 * Streams rows into `COPY ... FROM STDIN`. `chunks` may be a lazy generator: then rows are encoded while the server
 * is still taking the previous chunk, so encoding and ingest overlap.
 */
export async function copyIn(client: pg.PoolClient, sql: string, chunks: Iterable<string>): Promise<void> {
  const stream = client.query(copyFrom(sql));
  await pipeline(
    Readable.from(
      (function* () {
        for (const c of chunks) yield Buffer.from(c, 'utf8');
      })(),
    ),
    stream,
  );
}

/** Runs `fn` in a transaction on one pooled client; rolls back and releases (destroying a broken client) on error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  before?: (client: pg.PoolClient) => Promise<void>,
): Promise<T> {
  const client = await checkout(pool);
  let broken: Error | undefined;
  try {
    if (before) await before(client);
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken = e;
      });
      throw error;
    }
  } catch (error) {
    broken ??= error as Error;
    throw error;
  } finally {
    // A client whose connection failed must not go back to the pool.
    release(client, broken);
  }
}

const ignore = () => {};

/**
 * Checks a client out of the pool with an 'error' listener: a connection that dies while checked out emits
 * 'error' on the client, which would otherwise crash the process (the pending query rejects anyway).
 */
export async function checkout(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  client.on('error', ignore);
  return client;
}

/** Returns a client; one that failed for a reason other than an SQL error (a broken connection) is destroyed. */
export function release(client: pg.PoolClient, error?: Error): void {
  client.off('error', ignore);
  const code = (error as { code?: unknown } | undefined)?.code;
  const sqlError = typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
  client.release(error && !sqlError ? error : undefined);
}
