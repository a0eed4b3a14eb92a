import type {
  LogCapabilities,
  LogCursor,
  LogRecord,
  LogStore,
  NormalizedLogQuery,
  Page,
  WriteResult,
} from '@rohas/telemetry/adapter';
import {
  ATTRIBUTE_OPERATORS,
  decodeCursor,
  encodeCursor,
  foldCase,
  logTextMatches,
  matchesAllFilters,
  serviceNameOf,
} from '@rohas/telemetry/adapter';
import { LOG_COLUMNS, LOG_TYPES, type LogDbRow, logFromRow, logRow } from './codec.js';
import { columnsOf, copyRow } from './copy-format.js';
import { checkout, copyIn, release } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared, SqlFilter } from './internal-types.js';
import { allOf, attributeFilterSql, Params } from './sql-filters.js';
import { escapeText } from './text-encoding.js';

/** The letters `ignoreCase` folds on PostgreSQL (see the capabilities below). */
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';

const COLS = LOG_COLUMNS.join(', ');

export function createLogStore(sh: Shared): LogStore {
  const S = sh.schema;
  const capabilities: LogCapabilities = {
    attributeOperators: ATTRIBUTE_OPERATORS,
    filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
    paging: true,
    // PostgreSQL's lower() follows the database's LC_CTYPE (ASCII only under C, and PGlite has no ICU), so text is
    // folded with translate() over A–Z: the same answer on every server.
    ignoreCase: 'ascii',
  };

  function where(q: NormalizedLogQuery, p: Params): SqlFilter {
    const parts: SqlFilter[] = [];
    const add = (sql: string) => parts.push({ sql, needsJs: false });
    if (q.start !== undefined) add(`l.time_ns >= ${p.add(q.start.toString())}::bigint`);
    if (q.end !== undefined) add(`l.time_ns < ${p.add(q.end.toString())}::bigint`);
    if (q.minSeverity !== undefined) add(`l.severity_number >= ${p.add(q.minSeverity)}`);
    if (q.traceId !== undefined) add(`l.trace_id = ${p.add(escapeText(q.traceId))}`);
    if (q.spanId !== undefined) add(`l.span_id = ${p.add(escapeText(q.spanId))}`);
    if (q.service !== undefined) add(`l.service_name = ${p.add(escapeText(q.service))}`);
    // Exact on every stored text without the escape character; the JS check below settles the rest.
    if (q.text !== undefined && q.ignoreCase)
      add(
        `strpos(translate(l.body_text, ${p.add(UPPER)}, ${p.add(LOWER)}), ${p.add(escapeText(foldCase(q.text, 'ascii')))}) > 0`,
      );
    else if (q.text !== undefined) add(`strpos(l.body_text, ${p.add(escapeText(q.text))}) > 0`);
    for (const f of q.attributes) parts.push(attributeFilterSql(f, p, 'l'));
    return allOf(parts);
  }

  /** The reference predicate, applied to decoded rows (they are decoded for the answer anyway). */
  const exact = (q: NormalizedLogQuery, r: LogRecord) =>
    logTextMatches(r.body, q, 'ascii') &&
    (q.service === undefined || serviceNameOf(r.resource) === q.service) &&
    matchesAllFilters(q.attributes, r.attributes, r.resource.attributes);

  return {
    capabilities,
    async write(records): Promise<WriteResult> {
      if (records.length === 0) return { ok: true };
      try {
        if (sh.ingest === 'unnest') {
          const columns = columnsOf(records.map(logRow), LOG_COLUMNS.length);
          const args = LOG_TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ');
          await sh.pool.query(`INSERT INTO ${S}.logs (${COLS}) SELECT * FROM unnest(${args})`, columns);
        } else {
          let csv = '';
          for (const l of records) csv += copyRow(logRow(l));
          const client = await checkout(sh.pool);
          let failed: Error | undefined;
          try {
            await copyIn(client, `COPY ${S}.logs (${COLS}) FROM STDIN`, [csv]);
          } catch (error) {
            failed = error as Error;
            throw error;
          } finally {
            release(client, failed);
          }
        }
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${records.length} log records`, error);
      }
    },
    async queryLogs(q): Promise<Page<LogRecord>> {
      const after = q.cursor ? decodeCursor<LogCursor>(q.cursor) : undefined;
      const desc = q.order === 'desc';
      const need = q.limit + 1;
      const batch = Math.min(5000, need * 2);
      const base = new Params();
      const cond = where(q, base);
      const found: Array<{ seq: string; record: LogRecord }> = [];
      let pos: { t: string; s: string } | undefined = after ? { t: after.t.toString(), s: String(after.s) } : undefined;
      const dir = desc ? 'DESC' : 'ASC';
      for (;;) {
        const p = new Params();
        p.values.push(...base.values);
        let sql = `SELECT l.seq, ${LOG_COLUMNS.map((c) => `l.${c}`).join(', ')} FROM ${S}.logs l WHERE ${cond.sql}`;
        if (pos)
          sql += ` AND (l.time_ns, l.seq) ${desc ? '<' : '>'} (${p.add(pos.t)}::bigint, ${p.add(pos.s)}::bigint)`;
        sql += ` ORDER BY l.time_ns ${dir}, l.seq ${dir} LIMIT ${batch}`;
        const rows = (await sh.pool.query<LogDbRow>(sql, p.values)).rows;
        for (const r of rows) {
          const record = logFromRow(r);
          if (exact(q, record)) found.push({ seq: r.seq, record });
          if (found.length >= need) break;
        }
        if (found.length >= need || rows.length < batch) break;
        const last = rows[rows.length - 1]!;
        pos = { t: last.time_ns, s: last.seq };
      }
      const page = found.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map((f) => f.record),
        ...(found.length > q.limit && last
          ? { nextCursor: encodeCursor({ t: last.record.timeUnixNano, s: last.seq } satisfies LogCursor) }
          : {}),
      };
    },
  };
}
