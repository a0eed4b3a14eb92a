/**
 * Two traces compared the way Jaeger UI's trace comparison does it (packages/jaeger-ui/src/components/TraceDiff in
 * jaegertracing/jaeger-ui): the spans of each trace are grouped by their path of service+operation from the root, the
 * two trees are merged, and each node says whether it is in A only, B only or both, with its span counts and
 * durations on each side. The shape is theirs; the code is ours.
 */
import type { JsonSpan } from './api-types.ts';

export interface DiffSide {
  /** Spans on this path. */
  count: number;
  /** Sum of their durations, ns. */
  totalNs: number;
  errors: number;
}

export interface DiffNode {
  /** The path's key (service+operation steps from the root, interned). */
  path: string;
  depth: number;
  service: string;
  operation: string;
  a?: DiffSide;
  b?: DiffSide;
  /** Number of paths below this one (for folding). */
  descendants: number;
}

export interface TraceDiff {
  nodes: DiffNode[];
  onlyA: number;
  onlyB: number;
  both: number;
}

/**
 * Paths interned as numbers shared by both traces: a path is its parent's number plus service and operation, so a
 * deep trace costs one short key per path instead of a string of the whole path.
 */
class PathTable {
  private readonly ids = new Map<string, number>();
  readonly parent: number[] = [];
  readonly service: string[] = [];
  readonly operation: string[] = [];
  id(parent: number, service: string, operation: string): number {
    const key = `${parent}\u0001${service}\u0001${operation}`;
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.parent.length;
      this.ids.set(key, id);
      this.parent.push(parent);
      this.service.push(service);
      this.operation.push(operation);
    }
    return id;
  }
}

function serviceOf(s: JsonSpan): string {
  const v = s.resource.attributes['service.name'];
  return typeof v === 'string' ? v : 'unknown';
}

type Side = DiffSide & { start: bigint };

/** Path number -> side (count, total duration, errors, first start). */
function groupByPath(spans: JsonSpan[], table: PathTable): Map<number, Side> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const pathOf = new Map<string, number>();
  const resolve = (s: JsonSpan): number => {
    const known = pathOf.get(s.spanId);
    if (known !== undefined) return known;
    // Walk up iteratively (deep traces), then fill the paths back down; a missing parent makes a root.
    const chain: JsonSpan[] = [];
    const seen = new Set<string>();
    let cur: JsonSpan | undefined = s;
    let base = -1;
    while (cur && !seen.has(cur.spanId)) {
      const k = pathOf.get(cur.spanId);
      if (k !== undefined) {
        base = k;
        break;
      }
      seen.add(cur.spanId);
      chain.push(cur);
      cur = cur.parentSpanId ? byId.get(cur.parentSpanId) : undefined;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const c = chain[i]!;
      base = table.id(base, serviceOf(c), c.name);
      pathOf.set(c.spanId, base);
    }
    return base;
  };
  const sides = new Map<number, Side>();
  for (const s of spans) {
    const path = resolve(s);
    const start = BigInt(s.startTimeUnixNano);
    const dur = Number(BigInt(s.endTimeUnixNano) - start);
    const side = sides.get(path);
    const err = s.status.code === 2 ? 1 : 0;
    if (!side) sides.set(path, { count: 1, totalNs: dur, errors: err, start });
    else {
      side.count++;
      side.totalNs += dur;
      side.errors += err;
      if (start < side.start) side.start = start;
    }
  }
  return sides;
}

/** The merged tree of both traces, depth-first, children in order of first start (A's, else B's). */
export function diffTraces(a: JsonSpan[], b: JsonSpan[]): TraceDiff {
  const table = new PathTable();
  const ga = groupByPath(a, table);
  const gb = groupByPath(b, table);
  const children = new Map<number, number[]>();
  for (let id = 0; id < table.parent.length; id++) {
    const list = children.get(table.parent[id]!) ?? [];
    list.push(id);
    children.set(table.parent[id]!, list);
  }
  const startOf = (p: number) => ga.get(p)?.start ?? gb.get(p)?.start ?? 0n;
  for (const list of children.values())
    list.sort((x, y) => {
      const d = startOf(x) - startOf(y);
      return d < 0n ? -1 : d > 0n ? 1 : x - y;
    });
  const nodes: DiffNode[] = [];
  let onlyA = 0;
  let onlyB = 0;
  let both = 0;
  // Iterative depth-first walk from the roots (parent -1).
  const stack: Array<{ id: number; depth: number }> = (children.get(-1) ?? [])
    .map((id) => ({ id, depth: 0 }))
    .reverse();
  while (stack.length > 0) {
    const { id, depth } = stack.pop()!;
    const sa = ga.get(id);
    const sb = gb.get(id);
    if (sa && sb) both++;
    else if (sa) onlyA++;
    else onlyB++;
    nodes.push({
      path: String(id),
      depth,
      service: table.service[id]!,
      operation: table.operation[id]!,
      a: sa && { count: sa.count, totalNs: sa.totalNs, errors: sa.errors },
      b: sb && { count: sb.count, totalNs: sb.totalNs, errors: sb.errors },
      descendants: 0,
    });
    const kids = children.get(id) ?? [];
    for (let i = kids.length - 1; i >= 0; i--) stack.push({ id: kids[i]!, depth: depth + 1 });
  }
  // Descendants: a node's subtree is the run of following nodes deeper than it; closed when a shallower one comes.
  const open: number[] = [];
  for (let i = 0; i <= nodes.length; i++) {
    const depth = i < nodes.length ? nodes[i]!.depth : -1;
    while (open.length > 0 && nodes[open[open.length - 1]!]!.depth >= depth) {
      const j = open.pop()!;
      nodes[j]!.descendants = i - j - 1;
    }
    if (i < nodes.length) open.push(i);
  }
  return { nodes, onlyA, onlyB, both };
}

/** Mean duration of a side, ns. */
export function meanNs(side: DiffSide | undefined): number | undefined {
  return side && side.count > 0 ? side.totalNs / side.count : undefined;
}
