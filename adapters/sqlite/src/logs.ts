import {
  decodeAnyValue,
  decodeAttributes,
  decodeCursor,
  encodeCursor,
  foldCase,
  type LogCursor,
  type LogRecord,
  type NormalizedLogQuery,
  type Page,
} from '@rohas/telemetry/adapter';
import { num } from './codec.js';
import { conditions, type ReadContext, type Row } from './read-context.js';

/**
 * Log records by (time, row id), ascending or descending. The cursor is the last record's (time, id), a seek on
 * `logs_time (time_ns, id)` or `logs_service_time (service, time_ns, id)`, so a page costs the same at any depth.
 */
export function queryLogs(ctx: ReadContext, q: NormalizedLogQuery): Page<LogRecord> {
  const { where, params, add } = conditions();
  if (q.start !== undefined) add('time_ns >= ?', q.start);
  if (q.end !== undefined) add('time_ns < ?', q.end);
  if (q.minSeverity !== undefined) add('severity_number >= ?', q.minSeverity);
  if (q.text !== undefined && q.ignoreCase) add('instr(rohas_lower(body_text), ?) > 0', Buffer.from(foldCase(q.text)));
  else if (q.text !== undefined) add('instr(body_text, ?) > 0', Buffer.from(q.text, 'utf8'));
  if (q.traceId !== undefined) add('trace_id = ?', q.traceId);
  if (q.spanId !== undefined) add('span_id = ?', q.spanId);
  if (q.service !== undefined) add('service = ?', q.service);
  if (q.attributes.length) where.push('rohas_match(attributes, resource_id) = 1');
  const desc = q.order === 'desc';
  if (q.cursor) {
    const c = decodeCursor<LogCursor>(q.cursor);
    where.push(desc ? '(time_ns, id) < (?, ?)' : '(time_ns, id) > (?, ?)');
    params.push(c.t, BigInt(c.s));
  }
  const dir = desc ? 'DESC' : 'ASC';
  const sql = `SELECT * FROM logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ns ${dir}, id ${dir} LIMIT ?`;
  const rows = ctx.withFilters(
    q.attributes,
    () =>
      ctx
        .stmt(sql)
        .safeIntegers(true)
        .all(...params, q.limit + 1) as Row[],
  );
  const page = rows.slice(0, q.limit);
  const items = page.map((r) => logFromRow(ctx, r));
  const last = page[page.length - 1];
  return {
    items,
    ...(rows.length > q.limit && last
      ? { nextCursor: encodeCursor({ t: last.time_ns as bigint, s: String(last.id) } satisfies LogCursor) }
      : {}),
  };
}

function logFromRow(ctx: ReadContext, r: Row): LogRecord {
  const log: LogRecord = {
    timeUnixNano: r.time_ns as bigint,
    observedTimeUnixNano: r.observed_ns as bigint,
    severityNumber: num(r.severity_number),
    body: decodeAnyValue(r.body as string),
    attributes: decodeAttributes(r.attributes as string),
    resource: ctx.resource(num(r.resource_id)),
    scope: ctx.scope(num(r.scope_id)),
  };
  if (r.severity_text != null) log.severityText = r.severity_text as string;
  if (r.trace_id) log.traceId = r.trace_id as string;
  if (r.span_id) log.spanId = r.span_id as string;
  if (r.extra) {
    const x = JSON.parse(r.extra as string) as { f?: number; da?: number; e?: string };
    if (x.f) log.flags = x.f;
    if (x.da) log.droppedAttributesCount = x.da;
    if (x.e) log.eventName = x.e;
  }
  return log;
}
