/** Turns a trace's spans into waterfall rows: depth-first by parent, children by start time, times relative to the trace. */
import type { JsonSpan } from './api-types.ts';

export interface SpanRow {
  span: JsonSpan;
  /** Position in depth-first order. */
  index: number;
  depth: number;
  /** Index one past this span's last descendant, so a collapsed subtree is skipped in one step. */
  subtreeEnd: number;
  childCount: number;
  /** Offset from the trace start and duration, nanoseconds (safe as numbers: a trace spans far less than 104 days). */
  offset: number;
  duration: number;
  service: string;
  error: boolean;
  /** The span names a parent that is not stored (yet). */
  orphan: boolean;
  parentIndex: number;
}

export interface TraceModel {
  rows: SpanRow[];
  byId: Map<string, SpanRow>;
  startNs: bigint;
  durationNs: number;
  services: Array<{ name: string; spans: number }>;
  errorCount: number;
}

export function serviceOf(span: { resource?: { attributes?: Record<string, unknown> } }): string {
  const s = span.resource?.attributes?.['service.name'];
  return typeof s === 'string' ? s : 'unknown_service';
}

export function buildTraceModel(spans: JsonSpan[]): TraceModel {
  const n = spans.length;
  const starts = new Array<bigint>(n);
  const ends = new Array<bigint>(n);
  let min: bigint | undefined;
  let max: bigint | undefined;
  for (let i = 0; i < n; i++) {
    const s = BigInt(spans[i]!.startTimeUnixNano);
    const e = BigInt(spans[i]!.endTimeUnixNano);
    starts[i] = s;
    ends[i] = e;
    if (min === undefined || s < min) min = s;
    if (max === undefined || e > max) max = e;
  }
  const startNs = min ?? 0n;
  // Stable order by start then span id, whatever order the server sent.
  const order = [...spans.keys()].sort((a, b) =>
    starts[a]! !== starts[b]!
      ? starts[a]! < starts[b]!
        ? -1
        : 1
      : spans[a]!.spanId < spans[b]!.spanId
        ? -1
        : spans[a]!.spanId > spans[b]!.spanId
          ? 1
          : 0,
  );
  const present = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, number[]>();
  const roots: number[] = [];
  for (const i of order) {
    const p = spans[i]!.parentSpanId;
    if (p && present.has(p) && p !== spans[i]!.spanId) {
      const list = children.get(p);
      if (list) list.push(i);
      else children.set(p, [i]);
    } else roots.push(i);
  }
  const rows: SpanRow[] = [];
  const byId = new Map<string, SpanRow>();
  const services = new Map<string, number>();
  let errorCount = 0;
  // Iterative depth-first walk: a 5,000-deep chain must not overflow the call stack.
  const stack: Array<{ i: number; depth: number; parent: number }> = [];
  for (let r = roots.length - 1; r >= 0; r--) stack.push({ i: roots[r]!, depth: 0, parent: -1 });
  const visited = new Set<number>();
  const open: number[] = []; // row indexes whose subtreeEnd is still unknown, by depth
  let nextUnvisited = 0;
  while (stack.length > 0 || visited.size < n) {
    if (stack.length === 0) {
      // Spans whose parent chain loops (bad data) are reached from no root: show them at the top level too.
      while (visited.has(order[nextUnvisited]!)) nextUnvisited++;
      stack.push({ i: order[nextUnvisited]!, depth: 0, parent: -1 });
    }
    const { i, depth, parent } = stack.pop()!;
    if (visited.has(i)) continue; // a parent cycle in bad data
    visited.add(i);
    while (open.length > depth) rows[open.pop()!]!.subtreeEnd = rows.length;
    const span = spans[i]!;
    const kids = children.get(span.spanId) ?? [];
    const service = serviceOf(span);
    const error = span.status?.code === 2;
    if (error) errorCount++;
    services.set(service, (services.get(service) ?? 0) + 1);
    const row: SpanRow = {
      span,
      index: rows.length,
      depth,
      subtreeEnd: rows.length + 1,
      childCount: kids.length,
      offset: Number(starts[i]! - startNs),
      duration: Math.max(0, Number(ends[i]! - starts[i]!)),
      service,
      error,
      orphan: !!span.parentSpanId && (depth === 0 || !present.has(span.parentSpanId)),
      parentIndex: parent,
    };
    rows.push(row);
    byId.set(span.spanId, row);
    open.push(row.index);
    for (let k = kids.length - 1; k >= 0; k--) stack.push({ i: kids[k]!, depth: depth + 1, parent: row.index });
  }
  while (open.length > 0) rows[open.pop()!]!.subtreeEnd = rows.length;
  return {
    rows,
    byId,
    startNs,
    durationNs: Math.max(1, Number((max ?? 0n) - startNs)),
    services: [...services.entries()]
      .map(([name, count]) => ({ name, spans: count }))
      .sort((a, b) => b.spans - a.spans),
    errorCount,
  };
}

/** The rows shown when the subtrees of `collapsed` span ids are folded. */
export function visibleRows(model: TraceModel, collapsed: ReadonlySet<string>): SpanRow[] {
  if (collapsed.size === 0) return model.rows;
  const out: SpanRow[] = [];
  const rows = model.rows;
  for (let i = 0; i < rows.length; ) {
    const r = rows[i]!;
    out.push(r);
    i = collapsed.has(r.span.spanId) ? r.subtreeEnd : i + 1;
  }
  return out;
}
