import {
  attributesFromJson,
  decodeAttributes,
  decodeCursor,
  encodeCursor,
  type NormalizedTraceQuery,
  type Page,
  type SpanRecord,
  type SpanSummaryInput,
  STATUS_CODES,
  summarizeTrace,
  type TraceCursor,
  type TraceSummary,
} from '@rohas/telemetry/adapter';
import { attributeToken, serviceToken } from './attr-hash.js';
import { big, num } from './codec.js';
import { conditions, type ReadContext, type Row } from './read-context.js';

/** Largest number of span rows read per step of the newest-first walk. */
const MAX_CHUNK = 8192;
/** Up to this many attribute-index candidates, findTraces reads them all instead of walking the time index. */
const CANDIDATE_LIMIT = 5000;
const MAX_INT64 = 9_223_372_036_854_775_807n;
const MIN_INT64 = -9_223_372_036_854_775_808n;
/** The index of UNIQUE (trace_id, span_id): a trace's own spans, whatever other condition the query has. */
const BY_TRACE = 'INDEXED BY sqlite_autoindex_spans_1';

export function getTrace(ctx: ReadContext, traceId: string): SpanRecord[] | null {
  const rows = ctx
    .stmt('SELECT * FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id')
    .safeIntegers(true)
    .all(traceId) as Row[];
  return rows.length ? rows.map((r) => spanFromRow(ctx, r)) : null;
}

export function listServices(ctx: ReadContext): string[] {
  return ctx.stmt('SELECT DISTINCT service FROM span_names ORDER BY service').pluck().all() as string[];
}

export function listOperations(ctx: ReadContext, service: string): string[] {
  return ctx.stmt('SELECT name FROM span_names WHERE service = ? ORDER BY name').pluck().all(service) as string[];
}

function spanFromRow(ctx: ReadContext, r: Row): SpanRecord {
  const span: SpanRecord = {
    traceId: r.trace_id as string,
    spanId: r.span_id as string,
    name: r.name as string,
    kind: num(r.kind) as SpanRecord['kind'],
    startTimeUnixNano: big(r.start_ns),
    endTimeUnixNano: big(r.end_ns),
    status:
      r.status_message != null
        ? { code: num(r.status_code) as 0, message: r.status_message as string }
        : { code: num(r.status_code) as 0 },
    attributes: decodeAttributes(r.attributes as string),
    events: r.events
      ? (JSON.parse(r.events as string) as Array<{ n: string; t: string; a: unknown; d?: number }>).map((e) => ({
          name: e.n,
          timeUnixNano: BigInt(e.t),
          attributes: attributesFromJson(e.a),
          ...(e.d ? { droppedAttributesCount: e.d } : {}),
        }))
      : [],
    links: r.links
      ? (JSON.parse(r.links as string) as Array<{ tr: string; sp: string; ts?: string; a: unknown; d?: number }>).map(
          (l) => ({
            traceId: l.tr,
            spanId: l.sp,
            ...(l.ts ? { traceState: l.ts } : {}),
            attributes: attributesFromJson(l.a),
            ...(l.d ? { droppedAttributesCount: l.d } : {}),
          }),
        )
      : [],
    resource: ctx.resource(num(r.resource_id)),
    scope: ctx.scope(num(r.scope_id)),
  };
  if (r.parent_span_id) span.parentSpanId = r.parent_span_id as string;
  if (r.extra) {
    const x = JSON.parse(r.extra as string) as { ts?: string; f?: number; da?: number; de?: number; dl?: number };
    if (x.ts) span.traceState = x.ts;
    if (x.f) span.flags = x.f;
    if (x.da) span.droppedAttributesCount = x.da;
    if (x.de) span.droppedEventsCount = x.de;
    if (x.dl) span.droppedLinksCount = x.dl;
  }
  return span;
}

/**
 * Span row ids whose index document has every token, or undefined when there are more than CANDIDATE_LIMIT: a
 * common value would cost more to list than the newest-first walk (checked by rohas_match) takes to find matches.
 */
function indexCandidates(ctx: ReadContext, tokens: string[]): number[] | undefined {
  // Tokens are [0-9a-z] made here from hashes, never caller text; quoted as FTS5 strings all the same.
  const query = tokens.map((t) => `"${t}"`).join(' AND ');
  const ids = ctx
    .stmt('SELECT rowid FROM span_attr_index WHERE span_attr_index MATCH ? LIMIT ?')
    .pluck()
    .all(query, CANDIDATE_LIMIT + 1) as number[];
  return ids.length > CANDIDATE_LIMIT ? undefined : ids;
}

/** SQL conditions (and their parameters) for every span-level condition of a trace query. */
function spanConditions(
  ctx: ReadContext,
  q: NormalizedTraceQuery,
): { where: string[]; params: unknown[]; candidates?: number[] } {
  const { where, params, add } = conditions();
  if (q.service !== undefined) add('s.service = ?', q.service);
  if (q.name !== undefined) add('s.name = ?', q.name);
  if (q.start !== undefined) add('s.start_ns >= ?', q.start);
  if (q.end !== undefined) add('s.start_ns < ?', q.end);
  if (q.minDurationNano !== undefined) add('s.duration_ns >= ?', q.minDurationNano);
  if (q.maxDurationNano !== undefined) add('s.duration_ns <= ?', q.maxDurationNano);
  if (q.status !== undefined) add('s.status_code = ?', STATUS_CODES[q.status]);
  // Equality conditions whose key no resource carries are answered by the attribute index: their tokens (and the
  // service's) form one FTS5 AND query, so the index intersects them. A key some resource carries may take its
  // value from there, which the index cannot see; such a condition gets its own candidate list or resource ids.
  const tokens: string[] = [];
  for (const f of q.attributes) {
    if (f.op !== '=') continue;
    const token = attributeToken(f.key, f.value!);
    if (token === undefined) continue;
    const resourceIds = ctx.resourceIdsWithKey(f.key);
    if (resourceIds.length === 0) {
      tokens.push(token);
      continue;
    }
    const ids = indexCandidates(ctx, [token]);
    if (ids) {
      add(
        '(s.id IN (SELECT value FROM json_each(?)) OR s.resource_id IN (SELECT value FROM json_each(?)))',
        JSON.stringify(ids),
        JSON.stringify(resourceIds),
      );
    }
  }
  let candidates: number[] | undefined;
  if (tokens.length > 0) {
    if (q.service !== undefined) tokens.push(serviceToken(q.service));
    candidates = indexCandidates(ctx, tokens);
    if (candidates) add('s.id IN (SELECT value FROM json_each(?))', JSON.stringify(candidates));
  }
  if (q.attributes.length > 0) where.push('rohas_match(s.attributes, s.resource_id) = 1');
  return { where, params, ...(candidates ? { candidates } : {}) };
}

/**
 * Traces newest first by the sort key of the reference adapter: the latest start of a matching span, then the trace
 * id, both descending. The page walks matching spans in that order from the cursor down (an index in exactly that
 * order, migration 002, so the walk starts with one seek at any depth). A trace met below the cursor may still have a
 * matching span above it, in which case its key is above the cursor and it was on an earlier page: that is checked
 * once per chunk of new traces through the (trace_id, span_id) index, reading only those traces' own spans. A page
 * therefore costs the spans of its own traces, never the rows above the cursor.
 */
export function findTraces(ctx: ReadContext, q: NormalizedTraceQuery): Page<TraceSummary> {
  const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
  const { where, params, candidates } = spanConditions(ctx, q);
  const cond = where.length ? `${where.join(' AND ')} AND ` : '';
  // Few candidates from the attribute index: read them all by rowid and sort (the unary + keeps SQLite from
  // walking the time index instead). Many: walk the time index newest first, a chunk at a time.
  const fromCandidates = candidates !== undefined;
  const order = fromCandidates
    ? '+s.start_ns DESC, s.trace_id DESC, s.id DESC'
    : 's.start_ns DESC, s.trace_id DESC, s.id DESC';
  // The plain `start_ns <= ?` lets SQLite seek the index; the row-value comparison makes the position exact.
  const walk = ctx
    .stmt(
      `SELECT s.id, s.trace_id, s.start_ns FROM spans s WHERE ${cond} s.start_ns <= ? AND (s.start_ns, s.trace_id, s.id) < (?, ?, ?)
       ORDER BY ${order} LIMIT ?`,
    )
    .safeIntegers(true);
  const earlier = after
    ? ctx
        .stmt(
          `SELECT DISTINCT s.trace_id FROM spans s ${BY_TRACE} WHERE ${cond} s.trace_id IN (SELECT value FROM json_each(?))
           AND (s.start_ns, s.trace_id) >= (?, ?)`,
        )
        .pluck()
    : undefined;
  const found: Array<{ t: bigint; id: string }> = [];
  const taken = new Set<string>();
  // From a cursor, start strictly below every span at the cursor's (t, id); otherwise above everything.
  let pos: [bigint, string, bigint] = after ? [after.t, after.id, MIN_INT64] : [MAX_INT64, 'g', MAX_INT64];
  let chunk = fromCandidates ? -1 : Math.min(MAX_CHUNK, q.limit + 1);
  ctx.withFilters(q.attributes, () => {
    while (found.length <= q.limit) {
      const rows = walk.all(...params, pos[0], ...pos, chunk) as Array<{
        id: bigint;
        trace_id: string;
        start_ns: bigint;
      }>;
      let fresh: Array<{ t: bigint; id: string }> = [];
      for (const r of rows) {
        if (taken.has(r.trace_id)) continue;
        taken.add(r.trace_id);
        fresh.push({ t: r.start_ns, id: r.trace_id });
      }
      if (earlier && fresh.length > 0) {
        const seen = new Set(
          earlier.all(...params, JSON.stringify(fresh.map((f) => f.id)), after!.t, after!.id) as string[],
        );
        if (seen.size > 0) fresh = fresh.filter((f) => !seen.has(f.id));
      }
      for (const f of fresh) {
        found.push(f);
        if (found.length > q.limit) break;
      }
      if (fromCandidates || rows.length < chunk) break;
      const last = rows[rows.length - 1]!;
      pos = [last.start_ns, last.trace_id, last.id];
      chunk = Math.min(MAX_CHUNK, chunk * 2);
    }
  });
  const page = found.slice(0, q.limit);
  const items = summaries(
    ctx,
    page.map((f) => f.id),
  );
  const lastItem = page[page.length - 1];
  return {
    items,
    ...(found.length > q.limit && lastItem
      ? { nextCursor: encodeCursor({ t: lastItem.t, id: lastItem.id } satisfies TraceCursor) }
      : {}),
  };
}

/** Summaries of the page's traces, in page order, from one read of their spans through the trace index. */
function summaries(ctx: ReadContext, traceIds: string[]): TraceSummary[] {
  if (traceIds.length === 0) return [];
  const rows = ctx
    .stmt(
      `SELECT trace_id, span_id, parent_span_id, service, name, start_ns, end_ns, status_code FROM spans ${BY_TRACE}
       WHERE trace_id IN (SELECT value FROM json_each(?))`,
    )
    .safeIntegers(true)
    .all(JSON.stringify(traceIds)) as Row[];
  const byTrace = new Map<string, SpanSummaryInput[]>(traceIds.map((id) => [id, []]));
  for (const r of rows) {
    byTrace.get(r.trace_id as string)?.push({
      traceId: r.trace_id as string,
      spanId: r.span_id as string,
      ...(r.parent_span_id ? { parentSpanId: r.parent_span_id as string } : {}),
      name: r.name as string,
      startTimeUnixNano: r.start_ns as bigint,
      endTimeUnixNano: r.end_ns as bigint,
      status: { code: num(r.status_code) },
      resource: { attributes: { 'service.name': r.service as string } },
    });
  }
  return traceIds.map((id) => summarizeTrace(byTrace.get(id)!));
}
