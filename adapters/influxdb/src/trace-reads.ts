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
import { SECOND, SPAN_COLUMNS, STATUS_TAG, secondOf, spanFromRow, toBigInt, traceBucket } from './schema.js';

/** Trace ids per locating statement: influxd 1.6 evaluates long OR lists slowly, short ones cheaply. */
const IDS_PER_STATEMENT = 32;

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

/** Point-time range [from, to) holding spans of one trace. */
interface Range {
  from: bigint;
  to: bigint;
  id: string;
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
    const ranges = await this.locate(ids);
    const specs: SelectSpec[] = [];
    const wanted: Array<Set<string>> = [];
    // Ranges of the page's traces are merged where they touch: a page of traces written together is one statement.
    ranges.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
    let current: { from: bigint; to: bigint; ids: Set<string> } | undefined;
    const flush = () => {
      if (!current) return;
      const spec: SelectSpec = { measurement: this.m.spans, from: current.from, to: current.to, columns };
      // A few traces in a range: their buckets narrow the series read (the ids are checked here anyway).
      if (this.traceBucketChars > 0 && current.ids.size <= IDS_PER_STATEMENT)
        spec.tags = { tb: [...new Set([...current.ids].map((id) => traceBucket(id, this.traceBucketChars)))] };
      specs.push(spec);
      wanted.push(current.ids);
    };
    for (const r of ranges) {
      if (current && r.from <= current.to) {
        if (r.to > current.to) current.to = r.to;
        current.ids.add(r.id);
        continue;
      }
      flush();
      current = { from: r.from, to: r.to, ids: new Set([r.id]) };
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

  /** Time ranges of the spans of each trace: from trace_bounds, else (older data) from a scan of its bucket. */
  private async locate(ids: string[]): Promise<Range[]> {
    const tbc = this.traceBucketChars;
    const byBucket = new Map<string, string[]>();
    for (const id of ids) {
      const b = tbc > 0 ? traceBucket(id, tbc) : '';
      const list = byBucket.get(b);
      if (list) list.push(id);
      else byBucket.set(b, [id]);
    }
    const specs: SelectSpec[] = [];
    for (const [bucket, list] of byBucket) {
      for (let i = 0; i < list.length; i += IDS_PER_STATEMENT) {
        const spec: SelectSpec = {
          measurement: this.m.traceBounds,
          columns: ['trace_id', 'first_ns'],
          fieldIn: { key: 'trace_id', values: list.slice(i, i + IDS_PER_STATEMENT) },
        };
        if (tbc > 0) spec.tags = { tb: bucket };
        specs.push(spec);
      }
    }
    const ranges: Range[] = [];
    const found = new Set<string>();
    for (const answer of await this.backend.selectMany(specs)) {
      for (const row of answer) {
        const id = row.trace_id as string;
        found.add(id);
        // Spans of the part start from first_ns to the point's second: their point times lie in these seconds.
        ranges.push({ id, from: secondOf(toBigInt(row.first_ns)), to: secondOf(toBigInt(row.time)) + SECOND });
      }
    }
    const unindexed = ids.filter((id) => !found.has(id));
    if (unindexed.length) ranges.push(...(await this.locateBySpans(unindexed)));
    return ranges;
  }

  /** The old way, for spans written before trace_bounds: the trace's bucket scanned for its id (trace_id column only). */
  private async locateBySpans(ids: string[]): Promise<Range[]> {
    const specs = ids.map((id): SelectSpec => {
      const spec: SelectSpec = {
        measurement: this.m.spans,
        columns: ['trace_id'],
        fields: [{ key: 'trace_id', op: '=', value: id }],
      };
      if (this.traceBucketChars > 0) spec.tags = { tb: traceBucket(id, this.traceBucketChars) };
      return spec;
    });
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
