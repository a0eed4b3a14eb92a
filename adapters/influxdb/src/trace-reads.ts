/*
 * Reading whole traces by id. A trace id carries no time, so a trace is first located: its `trace_bounds` points
 * (schema.ts `traceBoundsLines`, one per trace and write batch) give the time ranges of its spans, then the spans are
 * read from those ranges only. Both steps are one request for a whole page of traces (multi-statement InfluxQL on the
 * 1.x API), where they used to be two queries per trace (83 s for a page of 1,000).
 *
 * Traces written before `trace_bounds` existed have no bounds points: they are located the old way, by scanning
 * their trace bucket's spans for the id (one statement per trace, still in one request).
 */
import {
  compareSpans,
  decodeAttributes,
  resourceCodec,
  type SpanMatchInput,
  type SpanRecord,
  type SpanSummaryInput,
} from '@rohas/telemetry/adapter';
import type { Backend, Measurements, Row, SelectSpec } from './internal-types.js';
import { decodeTagValue } from './line-protocol.js';
import { SECOND, SPAN_COLUMNS, STATUS_TAG, secondOf, spanFromRow, toBigInt, traceBucket, traceTail } from './schema.js';

/** `tt` tag values per locating statement (an OR of tag conditions, answered by the series index). */
const TAILS_PER_STATEMENT = 100;
/** Traces in a span range below which their buckets narrow the range's statement. */
const FEW_TRACES = 32;

/**
 * Statements a read of many traces' spans is cut into at most. Each statement costs the server a cursor per series and
 * column however few points it returns, so a page of 1,000 traces spread over an hour (1,000 ranges of a second each)
 * is read as a few wider ranges: the spans of other traces in the gaps are read too and dropped here by id.
 */
const READ_STATEMENTS = 8;

/**
 * Sorted by start; where more than `most` groups of touching ranges remain, the smallest gaps between them are closed
 * (a range stretched over a gap loses its exact start bounds, which stay exact only for the traces it was made of).
 */
export function mergeGaps(ranges: Range[], most: number): Range[] {
  ranges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const gaps: Array<{ at: number; size: bigint }> = [];
  let reach: bigint | undefined;
  ranges.forEach((r, i) => {
    if (reach !== undefined && r.from > reach) gaps.push({ at: i, size: r.from - reach });
    if (reach === undefined || r.to > reach) reach = r.to;
  });
  if (gaps.length < most) return ranges;
  // Keep the `most - 1` widest gaps open; every other range is pulled back to touch the one before it.
  const open = new Set(
    gaps
      .sort((a, b) => (a.size > b.size ? -1 : a.size < b.size ? 1 : 0))
      .slice(0, most - 1)
      .map((g) => g.at),
  );
  let end = ranges[0]!.to;
  return ranges.map((r, i) => {
    const closed = i > 0 && !open.has(i) && r.from > end ? { ...r, from: end } : r;
    if (r.to > end) end = r.to;
    return closed;
  });
}

/** What a page's summaries and its key check need of a span (no events, links, scope or span attributes). */
export type SummarySpan = SpanSummaryInput & SpanMatchInput;

/** Columns of {@link SummarySpan}; span and resource attributes only when the search filters on attributes. */
export function summaryColumns(withAttributes: boolean): string[] {
  const columns = ['trace_id', 'span_id', 'parent_span_id', 'start_ns', 'end_ns', 'written_ns', 'name', 'service'];
  columns.push('status');
  if (withAttributes) columns.push('attributes', 'resource');
  return columns;
}

/** The status code of a `status` tag value (written by spanTagSet). */
export function statusCodeOfTag(tag: string): number {
  const i = (STATUS_TAG as readonly string[]).indexOf(tag);
  return i >= 0 ? i : Number(decodeTagValue(tag));
}

export function summarySpanFromRow(row: Row): SummarySpan {
  const span: SummarySpan = {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    name: decodeTagValue(row.name as string),
    startTimeUnixNano: toBigInt(row.start_ns),
    endTimeUnixNano: toBigInt(row.end_ns),
    status: { code: statusCodeOfTag(row.status as string) },
    attributes: typeof row.attributes === 'string' ? decodeAttributes(row.attributes) : {},
    resource:
      typeof row.resource === 'string'
        ? resourceCodec.decode(row.resource)
        : { attributes: { 'service.name': decodeTagValue(row.service as string) } },
  };
  if (typeof row.parent_span_id === 'string' && row.parent_span_id) span.parentSpanId = row.parent_span_id;
  return span;
}

/** Point-time range [from, to) holding spans of one trace; their starts lie in [first, last] when known. */
export interface Range {
  from: bigint;
  to: bigint;
  id: string;
  first?: bigint;
  last?: bigint;
}

export class TraceReader {
  constructor(
    private readonly backend: Backend,
    private readonly m: Measurements,
    private readonly traceBucketChars: number,
    private readonly newestCopies: (rows: Row[]) => Row[],
  ) {}

  /** Full spans of the given traces in getTrace order, newest copy of each span. */
  async spans(traceIds: readonly string[]): Promise<Map<string, SpanRecord[]>> {
    const out = new Map<string, SpanRecord[]>();
    for (const [id, rows] of await this.rows(traceIds, SPAN_COLUMNS))
      out.set(id, rows.map(spanFromRow).sort(compareSpans));
    return out;
  }

  /** What summaries need of the spans of the given traces. */
  async summarySpans(traceIds: readonly string[], withAttributes: boolean): Promise<Map<string, SummarySpan[]>> {
    const out = new Map<string, SummarySpan[]>();
    for (const [id, rows] of await this.rows(traceIds, summaryColumns(withAttributes)))
      out.set(id, rows.map(summarySpanFromRow).sort(compareSpans));
    return out;
  }

  /** Rows of `columns` of every span of the given traces, newest copy of each (trace, span), by trace. */
  async rows(traceIds: readonly string[], columns: string[]): Promise<Map<string, Row[]>> {
    const ids = [...new Set(traceIds)];
    const out = new Map<string, Row[]>();
    if (ids.length === 0) return out;
    const ranges = mergeGaps(await this.locate(ids), READ_STATEMENTS);
    const specs: SelectSpec[] = [];
    const wanted: Array<Set<string>> = [];
    // Ranges of the page's traces are merged where they touch: a page of traces written together is one statement.
    let current: { from: bigint; to: bigint; ids: Set<string>; first?: bigint; last?: bigint } | undefined;
    const flush = () => {
      if (!current) return;
      const spec: SelectSpec = { measurement: this.m.spans, from: current.from, to: current.to, columns };
      // Point times only place a span in its second; the exact starts cut a busy second down to the page's spans.
      if (current.first !== undefined && current.last !== undefined)
        spec.fields = [
          { key: 'start_ns', op: '>=', value: current.first },
          { key: 'start_ns', op: '<=', value: current.last },
        ];
      // A few traces in a range: their buckets narrow the series read (the ids are checked here anyway), plus the
      // series without the tag (`tb = ''`: spans written while trace_bucket_chars was 0, the default).
      if (this.traceBucketChars > 0 && current.ids.size <= FEW_TRACES)
        spec.tags = { tb: [...new Set([...current.ids].map((id) => traceBucket(id, this.traceBucketChars))), ''] };
      specs.push(spec);
      wanted.push(current.ids);
    };
    for (const r of ranges) {
      if (current && r.from <= current.to) {
        if (r.to > current.to) current.to = r.to;
        current.ids.add(r.id);
        if (r.first === undefined || r.last === undefined) {
          delete current.first;
          delete current.last;
        } else if (current.first !== undefined && current.last !== undefined) {
          if (r.first < current.first) current.first = r.first;
          if (r.last > current.last) current.last = r.last;
        }
        continue;
      }
      flush();
      current = { from: r.from, to: r.to, ids: new Set([r.id]) };
      if (r.first !== undefined && r.last !== undefined) Object.assign(current, { first: r.first, last: r.last });
    }
    flush();
    const answers = await this.backend.selectMany(specs);
    const rows: Row[] = [];
    answers.forEach((answer, i) => {
      const want = wanted[i]!;
      for (const row of answer) if (want.has(row.trace_id as string)) rows.push(row);
    });
    for (const row of this.newestCopies(rows)) {
      const id = row.trace_id as string;
      const list = out.get(id);
      if (list) list.push(row);
      else out.set(id, [row]);
    }
    return out;
  }

  /**
   * Time ranges of the spans of each trace: from trace_bounds, else (older data) from a scan of its bucket. The bounds
   * points are selected by their `tt` tag (the id's last four hex characters) alone: tag conditions are answered by
   * the series index, so a statement reads only the few points of the series it names, whatever the store's size;
   * the ids are checked here.
   */
  private async locate(ids: string[]): Promise<Range[]> {
    const tails = [...new Set(ids.map(traceTail))];
    const specs: SelectSpec[] = [];
    for (let i = 0; i < tails.length; i += TAILS_PER_STATEMENT)
      specs.push({
        measurement: this.m.traceBounds,
        columns: ['trace_id', 'first_ns', 'last_ns'],
        tags: { tt: tails.slice(i, i + TAILS_PER_STATEMENT) },
      });
    const wanted = new Set(ids);
    const ranges: Range[] = [];
    const found = new Set<string>();
    for (const answer of await this.backend.selectMany(specs)) {
      for (const row of answer) {
        const id = row.trace_id as string;
        if (!wanted.has(id)) continue;
        found.add(id);
        // Spans of the part start from first_ns to last_ns (the point's second): their point times lie in these seconds.
        const range: Range = { id, from: secondOf(toBigInt(row.first_ns)), to: secondOf(toBigInt(row.time)) + SECOND };
        if (row.last_ns !== null && row.last_ns !== undefined)
          Object.assign(range, { first: toBigInt(row.first_ns), last: toBigInt(row.last_ns) });
        ranges.push(range);
      }
    }
    const unindexed = ids.filter((id) => !found.has(id));
    if (unindexed.length) {
      const chars = await this.legacyBuckets();
      if (chars !== undefined) ranges.push(...(await this.locateBySpans(unindexed, chars)));
    }
    return ranges;
  }

  private legacy: Promise<number | undefined> | undefined;
  /**
   * Whether the store may hold spans written before trace_bounds, and their bucket width: those versions always wrote
   * a `tb` tag (2 characters by default then), and this one writes it only when `trace_bucket_chars` > 0. A store whose
   * spans carry no `tb` tag was written with bounds points only, so an id without bounds points is not there and no
   * scan is made; else the id is looked for in its bucket. Asked once (a series-index read).
   */
  private legacyBuckets(): Promise<number | undefined> {
    this.legacy ??= this.backend.tagValues(this.m.spans, 'tb').then(
      (values) => (values.length ? Math.max(...values.map((v) => v.length)) : undefined),
      (error) => {
        this.legacy = undefined;
        throw error;
      },
    );
    return this.legacy;
  }

  /** The old way, for spans written before trace_bounds: the trace's bucket scanned for its id (trace_id column only). */
  private async locateBySpans(ids: string[], chars: number): Promise<Range[]> {
    const specs = ids.map(
      (id): SelectSpec => ({
        measurement: this.m.spans,
        columns: ['trace_id'],
        fields: [{ key: 'trace_id', op: '=', value: id }],
        tags: { tb: traceBucket(id, chars) },
      }),
    );
    const ranges: Range[] = [];
    (await this.backend.selectMany(specs)).forEach((answer, i) => {
      if (answer.length === 0) return;
      let from = toBigInt(answer[0]!.time);
      let to = from;
      for (const row of answer) {
        const t = toBigInt(row.time);
        if (t < from) from = t;
        if (t > to) to = t;
      }
      ranges.push({ id: ids[i]!, from, to: to + 1n });
    });
    return ranges;
  }
}
