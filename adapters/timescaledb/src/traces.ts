import type {
  NormalizedTraceQuery,
  Page,
  SpanRecord,
  SpanSummaryInput,
  TraceCapabilities,
  TraceCursor,
  TraceStore,
  TraceSummary,
  WriteResult,
} from '@rohas/telemetry/adapter';
import {
  ATTRIBUTE_OPERATORS,
  decodeCursor,
  encodeCursor,
  matchesAllFilters,
  summarizeTrace,
} from '@rohas/telemetry/adapter';
import type pg from 'pg';
import { attributesFromDb, SPAN_COLUMNS, SPAN_TYPES, type SpanDbRow, spanFromRow, spanLine, spanRow } from './codec.js';
import { columnsOf } from './copy-format.js';
import { copyIn, inTransaction } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared, SqlFilter } from './internal-types.js';
import { allOf, attributeFilterSql, Params } from './sql-filters.js';
import { escapeText, unescapeText } from './text-encoding.js';

const STATUS = { unset: 0, ok: 1, error: 2 } as const;
/** Rows the first findTraces pass with attribute conditions tests in index order. */
const FENCE = 5000;
const COLS = SPAN_COLUMNS.join(', ');
const UPDATE = SPAN_COLUMNS.filter((c) => c !== 'trace_id' && c !== 'span_id' && c !== 'start_ns')
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

/** Last write of a (traceId, spanId) in a batch wins, as it would across batches. */
/** COPY text in chunks of 256 rows, encoded lazily so that encoding overlaps the server's ingest. */
function* encoded(spans: SpanRecord[]): Generator<string> {
  let chunk = '';
  for (let i = 0; i < spans.length; i++) {
    chunk += spanLine(spans[i]!);
    if ((i & 255) === 255) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function dedupe(spans: SpanRecord[]): SpanRecord[] {
  const byKey = new Map<string, SpanRecord>();
  for (const s of spans) byKey.set(`${s.traceId}:${s.spanId}`, s);
  return byKey.size === spans.length ? spans : [...byKey.values()];
}

export function createTraceStore(sh: Shared): TraceStore {
  const S = sh.schema;
  const staged = new WeakSet<pg.PoolClient>();
  const capabilities: TraceCapabilities = {
    attributeOperators: ATTRIBUTE_OPERATORS,
    filters: ['service', 'name', 'duration', 'status', 'time'],
    paging: true,
  };

  /*
   * A hypertable's unique index must contain its time column, so the key is (trace_id, span_id, start_ns) and a
   * span re-written with another start time would land in a second row. Every write therefore first deletes the
   * stored copies of its spans, whatever their start. In TimescaleDB mode that search is bounded to a day around
   * the batch's start times, so chunk exclusion keeps older (compressed) chunks out of every write.
   */
  const MOVED_WINDOW = 86_400_000_000_000n;
  // The mode is known after init(), so these are built per call.
  const isBounded = () => sh.mode === 'timescaledb';
  // Looked up by trace id first (a batch holds few traces, each with many spans: ~10x fewer index descents than one
  // per span), then matched on the exact (trace_id, span_id) pairs.
  const deleteStored = (bounded = isBounded()) =>
    `DELETE FROM ${S}.spans s WHERE s.trace_id = ANY($1::text[])
      AND (s.trace_id, s.span_id) IN (SELECT unnest($2::text[]), unnest($3::text[]))${
        bounded ? ' AND s.start_ns >= $4::bigint AND s.start_ns <= $5::bigint' : ''
      }`;
  const deleteMoved = (
    bounded = isBounded(),
  ) => `DELETE FROM ${S}.spans s USING unnest($1::text[], $2::text[], $3::bigint[]) AS t(trace_id, span_id, start_ns)
    WHERE s.trace_id = t.trace_id AND s.span_id = t.span_id AND s.start_ns <> t.start_ns${bounded ? ' AND s.start_ns >= $4::bigint AND s.start_ns <= $5::bigint' : ''}`;

  function window(spans: SpanRecord[]): string[] {
    if (!isBounded()) return [];
    let lo = spans[0]!.startTimeUnixNano;
    let hi = lo;
    for (const s of spans) {
      if (s.startTimeUnixNano < lo) lo = s.startTimeUnixNano;
      if (s.startTimeUnixNano > hi) hi = s.startTimeUnixNano;
    }
    return [(lo - MOVED_WINDOW).toString(), (hi + MOVED_WINDOW).toString()];
  }

  /**
   * The fast path: delete stored copies, then COPY the batch straight into the table (no staging table, no
   * ON CONFLICT). A concurrent writer of the same span makes it fail with a unique violation; then
   * {@link writeUpsert} writes the batch instead.
   */
  async function writeCopy(spans: SpanRecord[]): Promise<void> {
    const ids = spans.map((s) => escapeText(s.traceId));
    const spanIds = spans.map((s) => escapeText(s.spanId));
    // Sorted, so the index is walked in order.
    const traceIds = [...new Set(ids)].sort();
    try {
      await inTransaction(sh.pool, async (client) => {
        await client.query(deleteStored(), [traceIds, ids, spanIds, ...window(spans)]);
        await copyIn(client, `COPY ${S}.spans (${COLS}) FROM STDIN`, encoded(spans));
      });
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      await writeUpsert(spans);
    }
  }

  /** COPY into a per-connection staging table, then INSERT ... ON CONFLICT DO UPDATE: safe against concurrent writers. */
  async function writeUpsert(spans: SpanRecord[]): Promise<void> {
    const ids = spans.map((s) => escapeText(s.traceId));
    const spanIds = spans.map((s) => escapeText(s.spanId));
    const starts = spans.map((s) => s.startTimeUnixNano.toString());
    await inTransaction(
      sh.pool,
      async (client) => {
        await copyIn(client, `COPY pg_temp.rohas_stage_spans (${COLS}) FROM STDIN`, encoded(spans));
        await client.query(deleteMoved(), [ids, spanIds, starts, ...window(spans)]);
        // Sorted so that concurrent writers lock rows in one order (no deadlocks).
        await client.query(
          `INSERT INTO ${S}.spans (${COLS}) SELECT ${COLS} FROM pg_temp.rohas_stage_spans ORDER BY trace_id, span_id
           ON CONFLICT (trace_id, span_id, start_ns) DO UPDATE SET ${UPDATE}`,
        );
      },
      async (client) => {
        if (staged.has(client)) return;
        await client.query(`CREATE TEMP TABLE IF NOT EXISTS rohas_stage_spans (LIKE ${S}.spans) ON COMMIT DELETE ROWS`);
        staged.add(client);
      },
    );
  }

  async function writeUnnest(spans: SpanRecord[]): Promise<void> {
    const columns = columnsOf(spans.map(spanRow), SPAN_COLUMNS.length);
    const args = SPAN_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
    await sh.pool.query(
      `WITH input AS (SELECT * FROM unnest(${args}) AS t(${COLS})),
       moved AS (DELETE FROM ${S}.spans s USING input t WHERE s.trace_id = t.trace_id AND s.span_id = t.span_id AND s.start_ns <> t.start_ns${
         isBounded()
           ? ` AND s.start_ns >= $${SPAN_COLUMNS.length + 1}::bigint AND s.start_ns <= $${SPAN_COLUMNS.length + 2}::bigint`
           : ''
       })
       INSERT INTO ${S}.spans (${COLS}) SELECT ${COLS} FROM input ORDER BY trace_id, span_id
       ON CONFLICT (trace_id, span_id, start_ns) DO UPDATE SET ${UPDATE}`,
      [...columns, ...window(spans)],
    );
  }

  /** The query's conditions: `plain` ones (indexed columns) and the `attributes` ones, and all of them together. */
  function where(q: NormalizedTraceQuery, p: Params): SqlFilter & { plain: string; attributes: string } {
    const parts: SqlFilter[] = [];
    const add = (sql: string) => parts.push({ sql, needsJs: false });
    if (q.service !== undefined) add(`s.service_name = ${p.add(escapeText(q.service))}`);
    if (q.name !== undefined) add(`s.name = ${p.add(escapeText(q.name))}`);
    if (q.start !== undefined) add(`s.start_ns >= ${p.add(q.start.toString())}::bigint`);
    if (q.end !== undefined) add(`s.start_ns < ${p.add(q.end.toString())}::bigint`);
    if (q.minDurationNano !== undefined) add(`s.duration_ns >= ${p.add(q.minDurationNano.toString())}::bigint`);
    if (q.maxDurationNano !== undefined) add(`s.duration_ns <= ${p.add(q.maxDurationNano.toString())}::bigint`);
    if (q.status !== undefined) add(`s.status_code = ${p.add(STATUS[q.status])}`);
    const plain = allOf(parts).sql;
    const attributes = allOf(q.attributes.map((f) => attributeFilterSql(f, p, 's')));
    return { ...allOf([...parts, attributes]), plain, attributes: attributes.sql };
  }

  interface ScanRow {
    trace_id: string;
    span_id: string;
    start_ns: string;
    attributes?: string;
    resource_attributes?: string;
    /** Fenced pass only: whether the row matches, and its place in the scan. */
    m?: boolean | null;
    rn?: string;
  }

  /**
   * Trace ids in the reference order (start of the latest matching span desc, then trace id desc), found by scanning
   * matching spans newest first: the first time a trace shows up is at its latest matching span, so the order of
   * first appearances is the result order, and a page needs only the newest few hundred rows, not a GROUP BY of all.
   */
  async function findIds(q: NormalizedTraceQuery): Promise<Array<{ t: bigint; id: string }>> {
    const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
    const need = q.limit + 1;
    // Start small (a page often needs few rows: one matching span per trace) and grow when matches are sparse.
    let batch = Math.max(50, need * 2);
    const found: Array<{ t: bigint; id: string }> = [];
    const seen = new Set<string>();
    const base = new Params();
    const cond = where(q, base);
    const extraCols = cond.needsJs ? ', s.attributes, s.resource_attributes' : '';
    const verify = (r: ScanRow) =>
      !cond.needsJs ||
      matchesAllFilters(q.attributes, attributesFromDb(r.attributes!), attributesFromDb(r.resource_attributes!));
    let pos: { t: string; id: string; span?: string } | undefined = after
      ? { t: after.t.toString(), id: escapeText(after.id) }
      : undefined;
    // With attribute conditions the planner tends to misjudge how many rows match (jsonb containment has no useful
    // statistics) and fetches every match through the GIN index before ordering. So the first pass walks the newest
    // FENCE rows meeting the other conditions in index order and tests the attribute conditions on them; later passes
    // (sparse matches) leave the plan to the planner.
    let fenced = q.attributes.length > 0;
    for (;;) {
      const p = new Params();
      p.values.push(...base.values);
      let position = '';
      if (pos?.span !== undefined)
        position = ` AND (s.start_ns, s.trace_id, s.span_id) < (${p.add(pos.t)}::bigint, ${p.add(pos.id)}, ${p.add(pos.span)})`;
      else if (pos) position = ` AND (s.start_ns, s.trace_id) < (${p.add(pos.t)}::bigint, ${p.add(pos.id)})`;
      const order = 'ORDER BY s.start_ns DESC, s.trace_id DESC, s.span_id DESC';
      let rows: ScanRow[];
      let matching: ScanRow[];
      let more: boolean;
      if (fenced) {
        fenced = false;
        // Matches among the newest FENCE rows, plus the FENCE-th row itself as the position to go on from.
        rows = (
          await sh.pool.query<ScanRow>(
            `SELECT x.* FROM (
               SELECT s.trace_id, s.span_id, s.start_ns${extraCols}, (${cond.attributes}) AS m, row_number() OVER (${order}) AS rn
               FROM ${S}.spans s WHERE ${cond.plain}${position} ${order} LIMIT ${FENCE}) x
             WHERE x.m OR x.rn = ${FENCE} ORDER BY x.rn LIMIT ${batch}`,
            p.values,
          )
        ).rows;
        matching = rows.filter((r) => r.m === true);
        more = rows.length === batch || rows.some((r) => Number(r.rn) === FENCE);
      } else {
        rows = (
          await sh.pool.query<ScanRow>(
            `SELECT s.trace_id, s.span_id, s.start_ns${extraCols} FROM ${S}.spans s WHERE ${cond.sql}${position} ${order} LIMIT ${batch}`,
            p.values,
          )
        ).rows;
        matching = rows;
        more = rows.length === batch;
      }
      const fresh: Array<{ t: bigint; id: string }> = [];
      for (const r of matching) {
        if (seen.has(r.trace_id) || !verify(r)) continue;
        seen.add(r.trace_id);
        fresh.push({ t: BigInt(r.start_ns), id: r.trace_id });
      }
      // After a cursor, a trace seen here may have a matching span at or above the cursor: it was on an earlier page.
      if (after && fresh.length) {
        const c = new Params();
        c.values.push(...base.values);
        const ids = c.add(fresh.map((f) => f.id));
        const checkRows = (
          await sh.pool.query<ScanRow>(
            `SELECT s.trace_id, s.span_id, s.start_ns${extraCols} FROM ${sh.schema}.spans s WHERE ${cond.sql}
             AND s.trace_id = ANY(${ids}::text[]) AND (s.start_ns, s.trace_id) >= (${c.add(after.t.toString())}::bigint, ${c.add(escapeText(after.id))})`,
            c.values,
          )
        ).rows;
        const earlier = new Set(checkRows.filter(verify).map((r) => r.trace_id));
        for (const f of fresh) if (!earlier.has(f.id)) found.push(f);
      } else found.push(...fresh);
      if (found.length >= need || !more) break;
      const last = rows[rows.length - 1]!;
      pos = { t: last.start_ns, id: last.trace_id, span: last.span_id };
      batch = Math.min(batch * 4, 20_000);
    }
    return found.slice(0, need);
  }

  async function summaries(ids: string[]): Promise<Map<string, TraceSummary>> {
    const rows = (
      await sh.pool.query<SpanDbRow>(
        `SELECT trace_id, span_id, parent_span_id, name, service_name, start_ns, end_ns, status_code
         FROM ${S}.spans WHERE trace_id = ANY($1::text[])`,
        [ids],
      )
    ).rows;
    const byTrace = new Map<string, SpanSummaryInput[]>();
    for (const r of rows) {
      // Only the fields summarizeTrace reads.
      const s: SpanSummaryInput = {
        traceId: unescapeText(r.trace_id),
        spanId: unescapeText(r.span_id),
        name: unescapeText(r.name),
        startTimeUnixNano: BigInt(r.start_ns),
        endTimeUnixNano: BigInt(r.end_ns),
        status: { code: r.status_code },
        resource: { attributes: { 'service.name': unescapeText(r.service_name) } },
        ...(r.parent_span_id !== null ? { parentSpanId: unescapeText(r.parent_span_id) } : {}),
      };
      const list = byTrace.get(r.trace_id);
      if (list) list.push(s);
      else byTrace.set(r.trace_id, [s]);
    }
    const out = new Map<string, TraceSummary>();
    for (const [id, list] of byTrace) out.set(id, summarizeTrace(list));
    return out;
  }

  async function skipScan(column: 'service_name' | 'name', service?: string): Promise<string[]> {
    const p = new Params();
    const filter = service === undefined ? '' : `service_name = ${p.add(escapeText(service))} AND`;
    const rows = (
      await sh.pool.query<{ v: string }>(
        `WITH RECURSIVE t(v) AS (
           SELECT min(${column}) FROM ${S}.spans WHERE ${filter} TRUE
           UNION ALL
           SELECT (SELECT min(${column}) FROM ${S}.spans WHERE ${filter} ${column} > t.v) FROM t WHERE t.v IS NOT NULL)
         SELECT v FROM t WHERE v IS NOT NULL`,
        p.values,
      )
    ).rows;
    return rows.map((r) => unescapeText(r.v)).sort();
  }

  return {
    capabilities,
    async write(spans): Promise<WriteResult> {
      if (spans.length === 0) return { ok: true };
      try {
        const batch = dedupe(spans);
        if (sh.ingest === 'unnest') await writeUnnest(batch);
        else await writeCopy(batch);
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${spans.length} spans`, error);
      }
    },
    async findTraces(q): Promise<Page<TraceSummary>> {
      const keyed = await findIds(q);
      const page = keyed.slice(0, q.limit);
      const sums = page.length ? await summaries(page.map((k) => k.id)) : new Map<string, TraceSummary>();
      const last = page[page.length - 1];
      return {
        items: page.map((k) => sums.get(k.id)!).filter((s) => s !== undefined),
        ...(keyed.length > q.limit && last
          ? { nextCursor: encodeCursor({ t: last.t, id: unescapeText(last.id) } satisfies TraceCursor) }
          : {}),
      };
    },
    async getTrace(traceId) {
      const rows = (
        await sh.pool.query<SpanDbRow>(
          `SELECT ${COLS} FROM ${S}.spans WHERE trace_id = $1 ORDER BY start_ns, span_id`,
          [escapeText(traceId)],
        )
      ).rows;
      return rows.length ? rows.map(spanFromRow) : null;
    },
    listServices: () => skipScan('service_name'),
    listOperations: (service) => skipScan('name', service),
  };
}
