import type { SpanRecord, TelemetryQuery } from '../core-types.js';

/*
 * Reading many traces for one Jaeger answer (tag search, dependencies, operation kinds, `?traceID=` lists): the
 * core's query API reads one trace per getTrace, so the traces of a page are read CHUNK at a time with every read of a
 * chunk in flight together (a pool's connections, SQLite's read threads, concurrent HTTP requests to InfluxDB or
 * ClickHouse), instead of one after another. Chunks keep the order of the ids and let a caller stop early (a search
 * that has its `limit`) without reading the rest of a 1,000-trace page.
 */

/** Reads in flight at once. */
export const CHUNK = 16;

/** The traces of `ids` in their order, `null` for an id not stored, CHUNK reads in flight; the caller stops by returning. */
export async function* traceChunks(
  query: TelemetryQuery,
  ids: string[],
): AsyncGenerator<Array<{ id: string; spans: SpanRecord[] | null }>> {
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const read = await Promise.all(chunk.map((id) => query.getTrace(id)));
    yield chunk.map((id, j) => ({ id, spans: read[j] ?? null }));
  }
}

/** Every trace of `ids`, in order (`null` where not stored). */
export async function readTraces(
  query: TelemetryQuery,
  ids: string[],
): Promise<Array<{ id: string; spans: SpanRecord[] | null }>> {
  const out: Array<{ id: string; spans: SpanRecord[] | null }> = [];
  for await (const chunk of traceChunks(query, ids)) out.push(...chunk);
  return out;
}
