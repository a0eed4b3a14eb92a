import type {
  LogCapabilities,
  LogCursor,
  LogRecord,
  LogStore,
  NormalizedLogQuery,
  Page,
} from '@rohas/telemetry/adapter';
import {
  anyValueFromJson,
  attributesFromJson,
  decodeCursor,
  encodeAnyValue,
  encodeAttributes,
  encodeCursor,
  serviceNameOf,
} from '@rohas/telemetry/adapter';
import {
  attributeCondition,
  decodeAttributeMaps,
  encodeAttributeMaps,
  extraJson,
  ns,
  parseExtra,
  plainText,
  serviceCondition,
  valueHints,
} from './codec.js';
import { insertRows, Params, rows, table } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared } from './internal-types.js';

/*
 * The reference breaks ties between records of the same nanosecond by store order. ClickHouse has no sequence, so
 * each record gets RohasSeq: milliseconds since the epoch * 1,000,000 plus a counter, strictly increasing within a
 * process (and in practice across processes, whose clocks agree to the millisecond).
 */
let lastSeq = 0n;
function nextSeq(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  lastSeq = now > lastSeq ? now : lastSeq + 1n;
  return lastSeq;
}

function logRow(r: LogRecord): Record<string, unknown> {
  const attrs = encodeAttributeMaps(r.attributes);
  const res = encodeAttributeMaps(r.resource.attributes);
  const scope = encodeAttributeMaps(r.scope.attributes);
  const typedScope = Object.keys(scope.typed).length > 0;
  return {
    Timestamp: ns(r.timeUnixNano),
    TraceId: r.traceId ?? '',
    SpanId: r.spanId ?? '',
    TraceFlags: r.flags ?? 0,
    SeverityText: r.severityText ?? '',
    SeverityNumber: r.severityNumber,
    ServiceName: serviceNameOf(r.resource),
    Body: plainText(r.body),
    ResourceSchemaUrl: r.resource.schemaUrl ?? '',
    ResourceAttributes: res.plain,
    ScopeSchemaUrl: r.scope.schemaUrl ?? '',
    ScopeName: r.scope.name,
    ScopeVersion: r.scope.version ?? '',
    ScopeAttributes: scope.plain,
    LogAttributes: attrs.plain,
    EventName: r.eventName ?? '',
    LogAttributesTyped: attrs.typed,
    ResourceAttributesTyped: res.typed,
    BodyTyped: typeof r.body === 'string' ? '' : encodeAnyValue(r.body),
    RohasExtra: extraJson({
      o: r.observedTimeUnixNano !== r.timeUnixNano ? ns(r.observedTimeUnixNano) : undefined,
      da: r.droppedAttributesCount,
      rd: r.resource.droppedAttributesCount,
      sa: typedScope ? JSON.parse(encodeAttributes(r.scope.attributes)) : undefined,
    }),
    RohasSeq: nextSeq().toString(),
  };
}

const SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText,
  SeverityNumber, Body, BodyTyped, ResourceSchemaUrl, ResourceAttributes, ResourceAttributesTyped, ScopeSchemaUrl,
  ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, LogAttributesTyped, EventName, RohasExtra,
  toString(RohasSeq) AS seq`;

interface LogRow {
  ts: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  BodyTyped: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: Record<string, string>;
  ResourceAttributesTyped: Record<string, string>;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: Record<string, string>;
  LogAttributes: Record<string, string>;
  LogAttributesTyped: Record<string, string>;
  EventName: string;
  RohasExtra: string;
  seq: string;
}

function logFromRow(r: LogRow): LogRecord {
  const x = parseExtra(r.RohasExtra);
  const time = BigInt(r.ts);
  const log: LogRecord = {
    timeUnixNano: time,
    observedTimeUnixNano: x.o ? BigInt(x.o as string) : time,
    severityNumber: r.SeverityNumber,
    body: r.BodyTyped ? anyValueFromJson(JSON.parse(r.BodyTyped)) : r.Body,
    attributes: decodeAttributeMaps(r.LogAttributes, r.LogAttributesTyped),
    resource: { attributes: decodeAttributeMaps(r.ResourceAttributes, r.ResourceAttributesTyped) },
    scope: {
      name: r.ScopeName,
      attributes: x.sa ? attributesFromJson(x.sa) : r.ScopeAttributes,
    },
  };
  if (r.SeverityText) log.severityText = r.SeverityText;
  if (r.TraceId) log.traceId = r.TraceId;
  if (r.SpanId) log.spanId = r.SpanId;
  if (r.TraceFlags) log.flags = r.TraceFlags;
  if (r.EventName) log.eventName = r.EventName;
  if (r.ScopeVersion) log.scope.version = r.ScopeVersion;
  if (r.ScopeSchemaUrl) log.scope.schemaUrl = r.ScopeSchemaUrl;
  if (r.ResourceSchemaUrl) log.resource.schemaUrl = r.ResourceSchemaUrl;
  if (x.rd) log.resource.droppedAttributesCount = x.rd as number;
  if (x.da) log.droppedAttributesCount = x.da as number;
  return log;
}

/** The logs part of the adapter over `otel_logs`. */
export function createLogStore(sh: Shared): LogStore {
  const T = table(sh, 'otel_logs');
  const capabilities: LogCapabilities = {
    attributeOperators: ['=', '!=', 'exists', 'wildcard', 'regex'],
    filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
    paging: true,
    // positionCaseInsensitiveUTF8 folds each code point (É/é, Σ/σ); see the README for where it differs from
    // toLowerCase (letters whose cases differ in UTF-8 length).
    ignoreCase: 'unicode',
  };
  const own = { plain: 'LogAttributes', typed: 'LogAttributesTyped' };
  const resource = { plain: 'ResourceAttributes', typed: 'ResourceAttributesTyped' };

  return {
    capabilities,
    async write(records) {
      try {
        await insertRows(sh, 'otel_logs', records.map(logRow));
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${records.length} log records`, error);
      }
    },
    async queryLogs(q: NormalizedLogQuery): Promise<Page<LogRecord>> {
      const p = new Params();
      const where: string[] = [];
      const t = (v: bigint) => `fromUnixTimestamp64Nano(${p.add(v.toString(), 'Int64')})`;
      if (q.start !== undefined) where.push(`Timestamp >= ${t(q.start)}`);
      if (q.end !== undefined) where.push(`Timestamp < ${t(q.end)}`);
      if (q.minSeverity !== undefined) where.push(`SeverityNumber >= ${p.add(q.minSeverity, 'Int32')}`);
      if (q.traceId !== undefined) where.push(`TraceId = ${p.add(q.traceId, 'String')}`);
      if (q.spanId !== undefined) where.push(`SpanId = ${p.add(q.spanId, 'String')}`);
      if (q.service !== undefined) where.push(serviceCondition(q.service, p));
      // The reference searches a string body as it is, any other body as its typed JSON.
      if (q.text !== undefined)
        where.push(
          `${q.ignoreCase ? 'positionCaseInsensitiveUTF8' : 'position'}(if(BodyTyped = '', Body, BodyTyped), ${p.add(q.text, 'String')}) > 0`,
        );
      for (const f of q.attributes) where.push(attributeCondition(f, p, own, resource));
      const desc = q.order === 'desc';
      if (q.cursor) {
        const after = decodeCursor<LogCursor>(q.cursor);
        where.push(
          `(Timestamp, RohasSeq) ${desc ? '<' : '>'} (${t(BigInt(after.t))}, ${p.add(String(after.s), 'UInt64')})`,
        );
      }
      const dir = desc ? 'DESC' : 'ASC';
      const order = `ORDER BY Timestamp ${dir}, RohasSeq ${dir} LIMIT ${p.add(q.limit + 1, 'UInt32')}`;
      // An `=` filter narrows the read through the attribute-value skip indexes (valueHints): one branch per map,
      // each with every condition and the page's order and limit, the second without the records of the first (a
      // record matching the filter holds the value in one map or the other, so the two branches hold every match,
      // once). An OR of the two maps in one WHERE would let neither index skip anything.
      let hints: [string, string] | undefined;
      for (const f of q.attributes) if (!hints) hints = valueHints(f, p, own, resource);
      const cond = where.join(' AND ');
      const query = hints
        ? `SELECT * FROM (
             SELECT ${SELECT}, Timestamp, RohasSeq FROM ${T} WHERE ${hints[0]} AND ${cond} ${order}
             UNION ALL
             SELECT ${SELECT}, Timestamp, RohasSeq FROM ${T} WHERE ${hints[1]} AND NOT ${hints[0]} AND ${cond} ${order}
           ) ${order}`
        : `SELECT ${SELECT} FROM ${T} ${where.length ? `WHERE ${cond}` : ''} ${order}`;
      const list = await rows<LogRow>(sh, query, p);
      const page = list.slice(0, q.limit);
      const last = page[page.length - 1];
      return {
        items: page.map(logFromRow),
        ...(list.length > q.limit && last
          ? { nextCursor: encodeCursor({ t: BigInt(last.ts), s: last.seq } satisfies LogCursor) }
          : {}),
      };
    },
  };
}
