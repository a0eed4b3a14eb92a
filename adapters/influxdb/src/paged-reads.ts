import {
  decodeAttributes,
  decodeCursor,
  encodeCursor,
  type LogRecord,
  logTextMatches,
  matchesAllFilters,
  type NormalizedLogQuery,
  type NormalizedTraceQuery,
  type Page,
  resourceCodec,
  type SpanMatchInput,
  serviceNameOf,
  spanMatches,
  summarizeTrace,
  type TraceSummary,
} from '@rohas/telemetry/adapter';
import type { Backend, Measurements, Row, SelectSpec } from './internal-types.js';
import { walkByKey } from './keyset-walk.js';
import { decodeTagValue, encodeTagValue } from './line-protocol.js';
import { LOG_COLUMNS, logFromRow, slottedWindow, toBigInt } from './schema.js';
import { type SummarySpan, statusCodeOfTag } from './trace-reads.js';

interface TraceCursor {
  t: bigint;
  id: string;
}
interface LogCursor {
  t: bigint;
  s: string;
}

/** The newest key a desc walk may hand over: the cursor's, else just before the window's end (exclusive). */
function endBound(cursor: bigint | undefined, end: bigint | undefined): { from?: bigint } {
  if (cursor !== undefined) return { from: end !== undefined && end - 1n < cursor ? end - 1n : cursor };
  return end !== undefined ? { from: end - 1n } : {};
}

/** (t, id) ordered newest first: negative when a comes first. */
const byKeyDesc = (a: { t: bigint; id: string }, b: { t: bigint; id: string }) =>
  a.t !== b.t ? (a.t > b.t ? -1 : 1) : a.id > b.id ? -1 : a.id < b.id ? 1 : 0;

/**
 * findTraces by keyset: matching spans are walked newest first by their exact start from the cursor's (keyset-walk.ts),
 * a trace's key being its latest matching span's start, as in the reference. A trace whose key is settled goes through one more
 * check against all its spans (read anyway for its summary): a matching span above the cursor means it was on an
 * earlier page, and a stale copy of a re-written span cannot decide its place. A page reads the chunks down to its
 * last trace plus the spans of its own traces (located through trace_bounds, trace-reads.ts: a request for a whole
 * batch of traces), whatever its depth.
 */
export async function findTracesKeyset(
  backend: Backend,
  m: Measurements,
  q: NormalizedTraceQuery,
  spansOf: (ids: string[]) => Promise<Map<string, SummarySpan[]>>,
  newestCopies: (rows: Row[]) => Row[],
): Promise<Page<TraceSummary>> {
  const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
  const window = slottedWindow(q.start, q.end);
  const spec: SelectSpec = { measurement: m.spans, ...window, tags: {}, fields: [] };
  if (q.service !== undefined) spec.tags!.service = encodeTagValue(q.service);
  if (q.name !== undefined) spec.tags!.name = encodeTagValue(q.name);
  if (q.status !== undefined) spec.tags!.status = q.status;
  if (q.minDurationNano !== undefined) spec.fields!.push({ key: 'duration_ns', op: '>=', value: q.minDurationNano });
  if (q.maxDurationNano !== undefined) spec.fields!.push({ key: 'duration_ns', op: '<=', value: q.maxDurationNano });
  // Only what matching needs: each selected column costs the server a decode per scanned point.
  const withDuration = q.minDurationNano !== undefined || q.maxDurationNano !== undefined;
  spec.columns = ['trace_id', 'span_id', 'start_ns', 'written_ns', 'name', 'service', 'status'];
  if (withDuration) spec.columns.push('end_ns');
  if (q.attributes.length) spec.columns.push('attributes', 'resource');
  const beforeCursor = (t: bigint, id: string) => !after || t < after.t || (t === after.t && id < after.id);

  const need = q.limit + 1;
  const best = new Map<string, bigint>();
  const done = new Set<string>();
  const cached = new Map<string, SummarySpan[]>();
  const found: Array<{ id: string; t: bigint; spans: SummarySpan[] }> = [];

  const settle = async (complete: bigint | undefined) => {
    while (found.length < need) {
      const ready = [...best.entries()]
        .map(([id, t]) => ({ id, t }))
        .filter((k) => complete === undefined || k.t >= complete)
        .sort(byKeyDesc)
        .slice(0, need - found.length);
      if (ready.length === 0) return;
      const missing = ready.filter((k) => !cached.has(k.id)).map((k) => k.id);
      if (missing.length) for (const [id, list] of await spansOf(missing)) cached.set(id, list);
      for (const k of ready) {
        const spans = cached.get(k.id) ?? [];
        let key: bigint | undefined;
        for (const s of spans)
          if (spanMatches(s, q) && (key === undefined || s.startTimeUnixNano > key)) key = s.startTimeUnixNano;
        if (key === undefined || !beforeCursor(key, k.id)) {
          best.delete(k.id);
          done.add(k.id);
          continue;
        }
        if (key !== k.t) {
          // Its own spans put it lower than the walk did: back in line at its true place, decided on a later turn.
          best.set(k.id, key);
          break;
        }
        best.delete(k.id);
        done.add(k.id);
        found.push({ id: k.id, t: key, spans });
      }
    }
  };

  // Spans walked newest first by their exact start, from the cursor's (a trace's key is one of its spans' start).
  const bounds = { ...endBound(after?.t, q.end), ...(q.start !== undefined ? { until: q.start } : {}) };
  await walkByKey(
    backend,
    spec,
    'start_ns',
    'desc',
    bounds,
    need + Math.ceil(need / 8),
    // Two copies of a re-written span (in two series) are two points: both are handed over, newestCopies picks.
    (row) => `${row.trace_id}:${row.span_id}:${row.written_ns}`,
    async ({ rows, complete }) => {
      for (const row of newestCopies(rows)) {
        const id = row.trace_id as string;
        if (done.has(id)) continue;
        const span: SpanMatchInput & { traceId: string; spanId: string } = {
          traceId: id,
          spanId: row.span_id as string,
          name: decodeTagValue(row.name as string),
          startTimeUnixNano: toBigInt(row.start_ns),
          endTimeUnixNano: withDuration ? toBigInt(row.end_ns) : toBigInt(row.start_ns),
          status: { code: statusCodeOfTag(row.status as string) },
          attributes: q.attributes.length ? decodeAttributes(row.attributes as string) : {},
          resource: q.attributes.length
            ? resourceCodec.decode(row.resource as string)
            : { attributes: { 'service.name': decodeTagValue(row.service as string) } },
        };
        if (!spanMatches(span, q)) continue;
        // A matching span at or above the cursor puts the trace's key there: it was on an earlier page.
        if (!beforeCursor(span.startTimeUnixNano, id)) {
          best.delete(id);
          done.add(id);
          continue;
        }
        const t = best.get(id);
        if (t === undefined || span.startTimeUnixNano > t) best.set(id, span.startTimeUnixNano);
      }
      await settle(complete);
      return found.length >= need;
    },
  );
  const page = found.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((f) => summarizeTrace(f.spans)),
    ...(found.length > q.limit && last
      ? { nextCursor: encodeCursor({ t: last.t, id: last.id } satisfies TraceCursor) }
      : {}),
  };
}

/**
 * queryLogs by keyset: records are walked in the order of their exact time from the cursor's (keyset-walk.ts), filtered
 * here as the reference does, and handed out in (time, sequence) order as each step settles them.
 */
export async function queryLogsKeyset(
  backend: Backend,
  m: Measurements,
  q: NormalizedLogQuery,
): Promise<Page<LogRecord>> {
  const after = q.cursor ? decodeCursor<LogCursor>(q.cursor) : undefined;
  const desc = q.order === 'desc';
  const window = slottedWindow(q.start, q.end);
  const spec: SelectSpec = { measurement: m.logs, ...window, tags: {}, fields: [], columns: LOG_COLUMNS };
  if (q.service !== undefined) spec.tags!.service = encodeTagValue(q.service);
  if (q.minSeverity !== undefined)
    spec.fields!.push({ key: 'severity_number', op: '>=', value: BigInt(Math.ceil(q.minSeverity)) });
  if (q.traceId !== undefined) spec.fields!.push({ key: 'trace_id', op: '=', value: q.traceId });
  if (q.spanId !== undefined) spec.fields!.push({ key: 'span_id', op: '=', value: q.spanId });
  const need = q.limit + 1;
  const afterSeq = after ? BigInt(after.s) : 0n;
  let pending: Array<{ seq: bigint; record: LogRecord }> = [];
  const found: Array<{ seq: bigint; record: LogRecord }> = [];
  const order = (a: { seq: bigint; record: LogRecord }, b: { seq: bigint; record: LogRecord }) => {
    const ta = a.record.timeUnixNano;
    const tb = b.record.timeUnixNano;
    const c = ta !== tb ? (ta < tb ? -1 : 1) : a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0;
    return desc ? -c : c;
  };
  // Records walked by their exact time from the cursor's, through the window (ties in time broken by seq here).
  const bounds = desc
    ? { ...endBound(after?.t, q.end), ...(q.start !== undefined ? { until: q.start } : {}) }
    : {
        ...(after ? { from: after.t } : q.start !== undefined ? { from: q.start } : {}),
        ...(q.end !== undefined ? { until: q.end - 1n } : {}),
      };
  await walkByKey(
    backend,
    spec,
    'time_ns',
    desc ? 'desc' : 'asc',
    bounds,
    need + Math.ceil(need / 8),
    (row) => String(row.seq),
    async ({ rows, complete }) => {
      for (const row of rows) {
        const rec = logFromRow(row);
        const seq = toBigInt(row.seq);
        const t = rec.timeUnixNano;
        if (q.start !== undefined && t < q.start) continue;
        if (q.end !== undefined && t >= q.end) continue;
        if (q.minSeverity !== undefined && rec.severityNumber < q.minSeverity) continue;
        if (q.traceId !== undefined && rec.traceId !== q.traceId) continue;
        if (q.spanId !== undefined && rec.spanId !== q.spanId) continue;
        if (q.service !== undefined && serviceNameOf(rec.resource) !== q.service) continue;
        if (!logTextMatches(rec.body, q)) continue;
        if (after) {
          if (
            desc ? t > after.t || (t === after.t && seq >= afterSeq) : t < after.t || (t === after.t && seq <= afterSeq)
          )
            continue;
        }
        if (!matchesAllFilters(q.attributes, rec.attributes, rec.resource.attributes)) continue;
        pending.push({ seq, record: rec });
      }
      const settled =
        complete === undefined
          ? pending
          : pending.filter((p) => (desc ? p.record.timeUnixNano >= complete : p.record.timeUnixNano < complete));
      if (settled.length) {
        const taken = new Set(settled);
        pending = complete === undefined ? [] : pending.filter((p) => !taken.has(p));
        found.push(...settled.sort(order));
      }
      return found.length >= need;
    },
  );
  const page = found.slice(0, q.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((l) => l.record),
    ...(found.length > q.limit && last
      ? { nextCursor: encodeCursor({ t: last.record.timeUnixNano, s: last.seq.toString() } satisfies LogCursor) }
      : {}),
  };
}
