/**
 * PromQL binary operators between scalars and instant vectors: arithmetic, comparisons (filtering, or 0/1 with
 * `bool`) and one-to-one vector matching with on()/ignoring(), as Prometheus' engine defines them.
 */

import { type BinaryOp, type Expr, type Labels, PromQLError, type Value, type VectorSample } from './internal-types.js';
import { labelsKey } from './series-source.js';

/** A sample's labels without the metric name: what an operation's result carries. */
export function withoutName(labels: Labels): Labels {
  const { __name__: _, ...rest } = labels;
  return rest;
}

function signature(labels: Labels, matching: { on: boolean; labels: string[] } | undefined): string {
  const out: Labels = {};
  if (matching?.on) {
    for (const l of matching.labels) if (labels[l] !== undefined) out[l] = labels[l]!;
  } else {
    for (const [k, v] of Object.entries(labels)) if (k !== '__name__' && !matching?.labels.includes(k)) out[k] = v;
  }
  return labelsKey(out);
}

const COMPARISONS = new Set<BinaryOp>(['==', '!=', '>', '<', '>=', '<=']);

function arith(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return a / b;
    case '%':
      return a % b;
    case '^':
      return a ** b;
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
  }
}

export function binary(e: Extract<Expr, { type: 'binary' }>, lhs: Value, rhs: Value): Value {
  const comparison = COMPARISONS.has(e.op);
  if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
    if (comparison && !e.bool) throw new PromQLError('bad_data', 'comparisons between scalars must use BOOL modifier');
    return { kind: 'scalar', v: arith(e.op, lhs.v, rhs.v) };
  }
  const filter = comparison && !e.bool;
  if (lhs.kind === 'vector' && rhs.kind === 'scalar') return vectorScalar(e.op, lhs.samples, rhs.v, false, filter);
  if (lhs.kind === 'scalar' && rhs.kind === 'vector') return vectorScalar(e.op, rhs.samples, lhs.v, true, filter);
  if (lhs.kind === 'vector' && rhs.kind === 'vector') {
    const right = new Map<string, VectorSample>();
    for (const s of rhs.samples) {
      const sig = signature(s.labels, e.matching);
      if (right.has(sig))
        throw new PromQLError(
          'execution',
          'found duplicate series for the match group on the right hand-side of the operation; many-to-many matching not allowed: matching labels must be unique on one side',
        );
      right.set(sig, s);
    }
    const seen = new Set<string>();
    const out: VectorSample[] = [];
    for (const l of lhs.samples) {
      const sig = signature(l.labels, e.matching);
      const r = right.get(sig);
      if (!r) continue;
      if (seen.has(sig))
        throw new PromQLError(
          'execution',
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      seen.add(sig);
      const v = arith(e.op, l.v, r.v);
      if (filter && v === 0) continue;
      let labels = filter ? l.labels : withoutName(l.labels);
      if (e.matching?.on) {
        const kept: Labels = {};
        for (const k of e.matching.labels) if (labels[k] !== undefined) kept[k] = labels[k]!;
        if (filter && labels.__name__ !== undefined) kept.__name__ = labels.__name__;
        labels = kept;
      } else if (e.matching) {
        labels = { ...labels };
        for (const k of e.matching.labels) delete labels[k];
      }
      out.push({ labels, v: filter ? l.v : v });
    }
    return { kind: 'vector', samples: out };
  }
  throw new PromQLError('bad_data', `operator ${e.op} is only defined between scalars and instant vectors`);
}

function vectorScalar(op: BinaryOp, samples: VectorSample[], scalar: number, swapped: boolean, filter: boolean): Value {
  const out: VectorSample[] = [];
  for (const s of samples) {
    const v = swapped ? arith(op, scalar, s.v) : arith(op, s.v, scalar);
    if (filter) {
      // A filtering comparison keeps the vector's value, on either side (Prometheus' VectorscalarBinop).
      if (v !== 0) out.push({ labels: s.labels, v: s.v });
    } else out.push({ labels: withoutName(s.labels), v });
  }
  return { kind: 'vector', samples: out };
}
