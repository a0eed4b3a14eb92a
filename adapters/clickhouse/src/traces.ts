import type {
  Attributes,
  NormalizedTraceQuery,
  Page,
  SpanKindValue,
  SpanRecord,
  StatusCodeValue,
  TraceCapabilities,
  TraceCursor,
  TraceStore,
  TraceSummary,
} from '@rohas/telemetry/adapter';
import {
  attributesFromJson,
  compareSpans,
  decodeCursor,
  encodeAttributes,
  encodeCursor,
  serviceNameOf,
  summarizeTrace,
} from '@rohas/telemetry/adapter';
import {
  attributeCondition,
  decodeAttributeMaps,
  encodeAttributeMaps,
  extraJson,
  ns,
  parseExtra,
  serviceCondition,
  valueHints,
} from './codec.js';
import { insertRows, nextStamp, Params, rows, table } from './db.js';
import { writeFailure } from './errors.js';
import type { Shared } from './internal-types.js';

// The Collector writes kinds and status codes as the proto enum names (traceutil.SpanKindStr / StatusCodeStr in
// opentelemetry-collector-contrib); newer pdata prints them as `Server`, `Ok`: both are read.
const KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const STATUSES = ['UNSET', 'OK', 'ERROR'];
const STATUS_VALUES: Record<'unset' | 'ok' | 'error', string[]> = {
  unset: ['STATUS_CODE_UNSET', 'Unset', ''],
  ok: ['STATUS_CODE_OK', 'Ok'],
  error: ['STATUS_CODE_ERROR', 'Error'],
};

function kindOf(text: string): SpanKindValue {
  const i = KINDS.indexOf(text.replace(/^SPAN_KIND_/, '').toUpperCase());
  return (i < 0 ? 0 : i) as SpanKindValue;
}
function statusOf(text: string): StatusCodeValue {
  const i = STATUSES.indexOf(text.replace(/^STATUS_CODE_/, '').toUpperCase());
  return (i < 0 ? 0 : i) as StatusCodeValue;
}
const jsonAttrs = (a: Attributes | undefined) => JSON.parse(encodeAttributes(a)) as Record<string, unknown>;
const needsTyping = (items: Array<{ attributes: Attributes; droppedAttributesCount?: number }>) =>
  items.some(
    (x) => (x.droppedAttributesCount ?? 0) > 0 || Object.values(x.attributes).some((v) => typeof v !== 'string'),
  );

export function spanRow(s: SpanRecord, version: bigint = nextStamp()): Record<string, unknown> {
  const attrs = encodeAttributeMaps(s.attributes);
  const res = encodeAttributeMaps(s.resource.attributes);
  const extra: Record<string, unknown> = {
    da: s.droppedAttributesCount,
    de: s.droppedEventsCount,
    dl: s.droppedLinksCount,
    f: s.flags,
    sa: s.scope.attributes && Object.keys(s.scope.attributes).length ? jsonAttrs(s.scope.attributes) : undefined,
    ss: s.scope.schemaUrl,
    rs: s.resource.schemaUrl,
    rd: s.resource.droppedAttributesCount,
    ev: needsTyping(s.events)
      ? s.events.map((e) => ({ a: jsonAttrs(e.attributes), d: e.droppedAttributesCount ?? 0 }))
      : undefined,
    ln: needsTyping(s.links)
      ? s.links.map((l) => ({ a: jsonAttrs(l.attributes), d: l.droppedAttributesCount ?? 0 }))
      : undefined,
  };
  return {
    Timestamp: ns(s.startTimeUnixNano),
    TraceId: s.traceId,
    SpanId: s.spanId,
    ParentSpanId: s.parentSpanId ?? '',
    TraceState: s.traceState ?? '',
    SpanName: s.name,
    SpanKind: `SPAN_KIND_${KINDS[s.kind] ?? 'UNSPECIFIED'}`,
    ServiceName: serviceNameOf(s.resource),
    ResourceAttributes: res.plain,
    ScopeName: s.scope.name,
    ScopeVersion: s.scope.version ?? '',
    SpanAttributes: attrs.plain,
    Duration: ns(s.endTimeUnixNano - s.startTimeUnixNano),
    StatusCode: `STATUS_CODE_${STATUSES[s.status.code] ?? 'UNSET'}`,
    StatusMessage: s.status.message ?? '',
    'Events.Timestamp': s.events.map((e) => ns(e.timeUnixNano)),
    'Events.Name': s.events.map((e) => e.name),
    'Events.Attributes': s.events.map((e) => encodeAttributeMaps(e.attributes).plain),
    'Links.TraceId': s.links.map((l) => l.traceId),
    'Links.SpanId': s.links.map((l) => l.spanId),
    'Links.TraceState': s.links.map((l) => l.traceState ?? ''),
    'Links.Attributes': s.links.map((l) => encodeAttributeMaps(l.attributes).plain),
    SpanAttributesTyped: attrs.typed,
    ResourceAttributesTyped: res.typed,
    RohasExtra: extraJson(extra),
    RohasVersion: version.toString(),
  };
}

const SPAN_SELECT = `toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState,
  SpanName, SpanKind, ServiceName, ResourceAttributes, ResourceAttributesTyped, ScopeName, ScopeVersion,
  SpanAttributes, SpanAttributesTyped, toString(Duration) AS dur, StatusCode, StatusMessage,
  arrayMap(x -> toString(toUnixTimestamp64Nano(x)), Events.Timestamp) AS evt, Events.Name AS evn,
  Events.Attributes AS eva, Links.TraceId AS lt, Links.SpanId AS ls, Links.TraceState AS lst,
  Links.Attributes AS la, RohasExtra`;

interface SpanRow {
  ts: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ResourceAttributesTyped: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  SpanAttributesTyped: Record<string, string>;
  dur: string;
  StatusCode: string;
  StatusMessage: string;
  evt: string[];
  evn: string[];
  eva: Array<Record<string, string>>;
  lt: string[];
  ls: string[];
  lst: string[];
  la: Array<Record<string, string>>;
  RohasExtra: string;
}

type TypedItem = { a: Record<string, unknown>; d: number };

function spanFromRow(r: SpanRow): SpanRecord {
  const x = parseExtra(r.RohasExtra);
  const start = BigInt(r.ts);
  const ev = x.ev as TypedItem[] | undefined;
  const ln = x.ln as TypedItem[] | undefined;
  const span: SpanRecord = {
    traceId: r.TraceId,
    spanId: r.SpanId,
    name: r.SpanName,
    kind: kindOf(r.SpanKind),
    startTimeUnixNano: start,
    endTimeUnixNano: start + BigInt(r.dur),
    status: { code: statusOf(r.StatusCode) },
    attributes: decodeAttributeMaps(r.SpanAttributes, r.SpanAttributesTyped),
    events: r.evt.map((t, i) => {
      const e = { name: r.evn[i]!, timeUnixNano: BigInt(t), attributes: ev ? attributesFromJson(ev[i]!.a) : r.eva[i]! };
      return ev?.[i]?.d ? { ...e, droppedAttributesCount: ev[i]!.d } : e;
    }),
    links: r.lt.map((traceId, i) => {
      const l = {
        traceId,
        spanId: r.ls[i]!,
        attributes: ln ? attributesFromJson(ln[i]!.a) : r.la[i]!,
        ...(r.lst[i] ? { traceState: r.lst[i]! } : {}),
      };
      return ln?.[i]?.d ? { ...l, droppedAttributesCount: ln[i]!.d } : l;
    }),
    resource: { attributes: decodeAttributeMaps(r.ResourceAttributes, r.ResourceAttributesTyped) },
    scope: { name: r.ScopeName },
  };
  if (r.ParentSpanId) span.parentSpanId = r.ParentSpanId;
  if (r.TraceState) span.traceState = r.TraceState;
  if (r.StatusMessage) span.status.message = r.StatusMessage;
  if (r.ScopeVersion) span.scope.version = r.ScopeVersion;
  if (x.sa) span.scope.attributes = attributesFromJson(x.sa);
  if (x.ss) span.scope.schemaUrl = x.ss as string;
  if (x.rs) span.resource.schemaUrl = x.rs as string;
  if (x.rd) span.resource.droppedAttributesCount = x.rd as number;
  if (x.da) span.droppedAttributesCount = x.da as number;
  if (x.de) span.droppedEventsCount = x.de as number;
  if (x.dl) span.droppedLinksCount = x.dl as number;
  if (x.f) span.flags = x.f as number;
  return span;
}

/** The traces part of the adapter over `otel_traces` and its trace-id lookup table. */
export function createTraceStore(sh: Shared): TraceStore {
  const T = table(sh, 'otel_traces');
  const LOOKUP = table(sh, 'otel_traces_trace_id_ts');
  const capabilities: TraceCapabilities = {
    attributeOperators: ['=', '!=', 'exists', 'wildcard', 'regex'],
    filters: ['service', 'name', 'duration', 'status', 'time'],
    paging: true,
  };
  const own = { plain: 'SpanAttributes', typed: 'SpanAttributesTyped' };
  const resource = { plain: 'ResourceAttributes', typed: 'ResourceAttributesTyped' };

  /**
   * The time range of the traces `ids` (an `Array(String)` placeholder) from the lookup table (filled by a materialized
   * view), folded into the same request as a scalar subquery: ClickHouse runs it before choosing parts, so the range
   * prunes partitions as a literal would (EXPLAIN indexes = 1 shows it), without a round trip of its own. The
   * Grafana ClickHouse plugin reads a trace the same way. No range when an id is missing there (a lookup row dropped by
   * its own TTL, a table filled without the view): then every partition is searched, as before.
   */
  function traceRange(ids: string): { with: string; cond: string } {
    return {
      with: `WITH (SELECT (min(Start), max(End), uniqExact(TraceId)) FROM ${LOOKUP} WHERE TraceId IN ${ids}) AS rohas_bounds`,
      cond: `(tupleElement(rohas_bounds, 3) < length(${ids}) OR (Timestamp >= toDateTime64(tupleElement(rohas_bounds, 1), 9)
        AND Timestamp < toDateTime64(tupleElement(rohas_bounds, 2) + 1, 9)))`,
    };
  }

  return {
    capabilities,
    async write(spans) {
      try {
        const byKey = new Map<string, SpanRecord>();
        for (const s of spans) byKey.set(`${s.traceId}:${s.spanId}`, s);
        const version = nextStamp();
        await insertRows(
          sh,
          'otel_traces',
          [...byKey.values()].map((s) => spanRow(s, version)),
        );
        return { ok: true };
      } catch (error) {
        return writeFailure(`writing ${spans.length} spans`, error);
      }
    },

    async getTrace(traceId) {
      const p = new Params();
      const range = traceRange(p.add([traceId], 'Array(String)'));
      const list = await rows<SpanRow>(
        sh,
        `${range.with} SELECT ${SPAN_SELECT} FROM ${T} WHERE TraceId = ${p.add(traceId, 'String')} AND ${range.cond}
         ORDER BY SpanId, RohasVersion DESC LIMIT 1 BY SpanId`,
        p,
      );
      if (list.length === 0) return null;
      return list.map(spanFromRow).sort(compareSpans);
    },

    async findTraces(q: NormalizedTraceQuery): Promise<Page<TraceSummary>> {
      const p = new Params();
      const where: string[] = [];
      if (q.service !== undefined) where.push(serviceCondition(q.service, p));
      if (q.name !== undefined) where.push(`SpanName = ${p.add(q.name, 'String')}`);
      if (q.start !== undefined)
        where.push(`Timestamp >= fromUnixTimestamp64Nano(${p.add(q.start.toString(), 'Int64')})`);
      if (q.end !== undefined) where.push(`Timestamp < fromUnixTimestamp64Nano(${p.add(q.end.toString(), 'Int64')})`);
      if (q.minDurationNano !== undefined) where.push(`Duration >= ${p.add(q.minDurationNano.toString(), 'UInt64')}`);
      if (q.maxDurationNano !== undefined) where.push(`Duration <= ${p.add(q.maxDurationNano.toString(), 'UInt64')}`);
      if (q.status !== undefined) where.push(`StatusCode IN ${p.add(STATUS_VALUES[q.status], 'Array(String)')}`);
      for (const f of q.attributes) where.push(attributeCondition(f, p, own, resource));
      let having = '';
      if (q.cursor) {
        const after = decodeCursor<TraceCursor>(q.cursor);
        const t = `fromUnixTimestamp64Nano(${p.add(BigInt(after.t).toString(), 'Int64')})`;
        having = `HAVING t < ${t} OR (t = ${t} AND TraceId < ${p.add(String(after.id), 'String')})`;
      }
      // Last write wins without FINAL: a span counts by its newest copy (largest RohasVersion). The pre-selection
      // lists the copies matching every condition (the skip indexes serve it); an `=` filter narrows it through the
      // attribute-value skip indexes, one branch per map. Then only the spans of those traces are read, and only their
      // key columns (not the attribute maps again): a span counts when its newest copy is one of the matching ones, so
      // a trace whose matching copy was replaced drops out. (Two copies with the very same version are a tie either
      // way; one matching is enough then.)
      const cond = where.length ? where.join(' AND ') : '1';
      let hints: [string, string] | undefined;
      for (const f of q.attributes) if (!hints) hints = valueHints(f, p, own, resource);
      const branches = hints ? hints.map((h) => `${h} AND ${cond}`) : [cond];
      const matching = branches
        .map((b) => `SELECT TraceId, SpanId, RohasVersion FROM ${T} WHERE ${b}`)
        .join(' UNION ALL ');
      // With attribute filters the judgement reads only key columns (the matching copies as a set, so the maps are
      // not read twice); without, the conditions are on cheap columns and are judged again on each copy (one
      // pre-selection instead of two).
      const judged = q.attributes.length
        ? `argMax((TraceId, SpanId, RohasVersion) IN (${matching}), RohasVersion)`
        : `argMax(${cond}, RohasVersion)`;
      const spans = where.length
        ? `SELECT TraceId, SpanId, argMax(Timestamp, RohasVersion) AS st, ${judged} AS newest_matches
           FROM ${T} WHERE TraceId IN (SELECT TraceId FROM (${matching})) GROUP BY TraceId, SpanId`
        : `SELECT TraceId, SpanId, argMax(Timestamp, RohasVersion) AS st, 1 AS newest_matches
           FROM ${T} GROUP BY TraceId, SpanId`;
      const keys = await rows<{ TraceId: string; ts: string }>(
        sh,
        `SELECT TraceId, max(st) AS t, toString(toUnixTimestamp64Nano(t)) AS ts FROM (${spans})
         WHERE newest_matches
         GROUP BY TraceId ${having}
         ORDER BY t DESC, TraceId DESC LIMIT ${p.add(q.limit + 1, 'UInt32')}`,
        p,
      );
      const page = keys.slice(0, q.limit);
      if (page.length === 0) return { items: [] };
      const ids = page.map((k) => k.TraceId);
      const sp = new Params();
      const idList = sp.add(ids, 'Array(String)');
      const range = traceRange(idList);
      const spanRows = await rows<{
        TraceId: string;
        SpanId: string;
        ParentSpanId: string;
        SpanName: string;
        ServiceName: string;
        ts: string;
        dur: string;
        StatusCode: string;
      }>(
        sh,
        `${range.with} SELECT TraceId, SpanId, ParentSpanId, SpanName, ServiceName,
           toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toString(Duration) AS dur, StatusCode
         FROM ${T} WHERE TraceId IN ${idList} AND ${range.cond}
         ORDER BY TraceId, SpanId, RohasVersion DESC LIMIT 1 BY TraceId, SpanId`,
        sp,
      );
      const byTrace = new Map<string, SpanRecord[]>();
      for (const r of spanRows) {
        const start = BigInt(r.ts);
        const s: SpanRecord = {
          traceId: r.TraceId,
          spanId: r.SpanId,
          name: r.SpanName,
          kind: 0,
          startTimeUnixNano: start,
          endTimeUnixNano: start + BigInt(r.dur),
          status: { code: statusOf(r.StatusCode) },
          attributes: {},
          events: [],
          links: [],
          resource: { attributes: r.ServiceName ? { 'service.name': r.ServiceName } : {} },
          scope: { name: '' },
        };
        if (r.ParentSpanId) s.parentSpanId = r.ParentSpanId;
        const list = byTrace.get(r.TraceId);
        if (list) list.push(s);
        else byTrace.set(r.TraceId, [s]);
      }
      const items = ids.filter((id) => byTrace.has(id)).map((id) => summarizeTrace(byTrace.get(id)!));
      const last = page[page.length - 1]!;
      return {
        items,
        ...(keys.length > q.limit
          ? { nextCursor: encodeCursor({ t: BigInt(last.ts), id: last.TraceId } satisfies TraceCursor) }
          : {}),
      };
    },

    async listServices() {
      const r = await rows<{ s: string }>(sh, `SELECT DISTINCT ServiceName AS s FROM ${T}`);
      return [...new Set(r.map((x) => x.s || 'unknown_service'))].sort();
    },

    async listOperations(service) {
      const p = new Params();
      const r = await rows<{ n: string }>(
        sh,
        `SELECT DISTINCT SpanName AS n FROM ${T} WHERE ${serviceCondition(service, p)}`,
        p,
      );
      return r.map((x) => x.n).sort();
    },
  };
}
