/**
 * Evaluates a parsed PromQL expression over stored metrics, with Prometheus' step semantics: a range query is the
 * expression evaluated at start, start + step, ... up to end; an instant vector selector takes each series' latest
 * sample in the lookback window (t - 5m, t]; a range selector [r] the samples in (t - r, t]; `offset` shifts both.
 * Series are loaded once per selector for the whole query window (see series-source.ts), then every step reads them
 * with binary searches.
 */
import type { TelemetryQuery } from '../core-types.js';
import { FUNCTIONS } from './ast.js';
import { bucketQuantile, extrapolatedRate, irate, overTime } from './functions.js';
import {
  type BinaryOp,
  type Expr,
  type Labels,
  type LoadedSeries,
  PromQLError,
  type Value,
  type VectorSample,
} from './internal-types.js';
import { labelsKey, loadSeries } from './series-source.js';

/** Prometheus' default lookback delta. */
export const DEFAULT_LOOKBACK_MS = 5 * 60_000;
/** Prometheus refuses range queries with more points per series than this. */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface EvalOptions {
  lookbackMs?: number;
}

type SelectorExpr = Extract<Expr, { type: 'selector' }>;

/** The first index with t > x (binary search over ascending times). */
function upperBound(t: number[], x: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withoutName(labels: Labels): Labels {
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

export class Evaluator {
  private readonly data = new Map<SelectorExpr, LoadedSeries[]>();
  private readonly lookbackMs: number;

  constructor(
    private readonly query: TelemetryQuery,
    private readonly root: Expr,
    options: EvalOptions = {},
  ) {
    this.lookbackMs = options.lookbackMs ?? DEFAULT_LOOKBACK_MS;
    check(root);
  }

  /** Loads the series of every selector for evaluation times in [startMs, endMs]. */
  async load(startMs: number, endMs: number): Promise<void> {
    const selectors: SelectorExpr[] = [];
    const walk = (e: Expr) => {
      if (e.type === 'selector') selectors.push(e);
      else if (e.type === 'call') e.args.forEach(walk);
      else if (e.type === 'aggregate') {
        walk(e.expr);
        if (e.param) walk(e.param);
      } else if (e.type === 'binary') {
        walk(e.lhs);
        walk(e.rhs);
      } else if (e.type === 'unary') walk(e.expr);
    };
    walk(this.root);
    await Promise.all(
      selectors.map(async (s) => {
        const window = s.rangeMs ?? this.lookbackMs;
        this.data.set(s, await loadSeries(this.query, s.matchers, startMs - s.offsetMs - window, endMs - s.offsetMs));
      }),
    );
  }

  /** Evaluates at one time (ms). */
  at(t: number): Value {
    return this.eval(this.root, t);
  }

  private eval(e: Expr, t: number): Value {
    switch (e.type) {
      case 'number':
        return { kind: 'scalar', v: e.value };
      case 'string':
        return { kind: 'string', v: e.value };
      case 'selector':
        return e.rangeMs === undefined ? this.instant(e, t) : this.range(e, t);
      case 'unary': {
        const v = this.eval(e.expr, t);
        if (v.kind === 'scalar') return { kind: 'scalar', v: -v.v };
        if (v.kind === 'vector')
          return { kind: 'vector', samples: v.samples.map((s) => ({ labels: withoutName(s.labels), v: -s.v })) };
        throw new PromQLError('bad_data', 'unary minus only applies to scalars and instant vectors');
      }
      case 'call':
        return this.call(e, t);
      case 'aggregate':
        return this.aggregate(e, t);
      case 'binary':
        return this.binary(e, t);
    }
  }

  private instant(e: SelectorExpr, t: number): Value {
    const at = t - e.offsetMs;
    const samples: VectorSample[] = [];
    for (const s of this.data.get(e) ?? []) {
      const i = upperBound(s.t, at) - 1;
      if (i >= 0 && s.t[i]! > at - this.lookbackMs) samples.push({ labels: s.labels, v: s.v[i]! });
    }
    return { kind: 'vector', samples };
  }

  private range(e: SelectorExpr, t: number): Value {
    const end = t - e.offsetMs;
    const series: Extract<Value, { kind: 'matrix' }>['series'] = [];
    for (const s of this.data.get(e) ?? []) {
      const lo = upperBound(s.t, end - e.rangeMs!);
      const hi = upperBound(s.t, end);
      if (hi > lo) series.push({ labels: s.labels, t: s.t.slice(lo, hi), v: s.v.slice(lo, hi) });
    }
    return { kind: 'matrix', series };
  }

  private call(e: Extract<Expr, { type: 'call' }>, t: number): Value {
    if (e.fn === 'time') return { kind: 'scalar', v: t / 1000 };
    if (e.fn === 'vector') return { kind: 'vector', samples: [{ labels: {}, v: scalarOf(this.eval(e.args[0]!, t)) }] };
    if (e.fn === 'scalar') {
      const v = this.eval(e.args[0]!, t);
      const samples = v.kind === 'vector' ? v.samples : [];
      return { kind: 'scalar', v: samples.length === 1 ? samples[0]!.v : Number.NaN };
    }
    if (e.fn === 'histogram_quantile') {
      const q = scalarOf(this.eval(e.args[0]!, t));
      const v = this.eval(e.args[1]!, t);
      if (v.kind !== 'vector') throw new PromQLError('bad_data', 'histogram_quantile() expects an instant vector');
      const groups = new Map<string, { labels: Labels; buckets: Array<{ upper: number; count: number }> }>();
      for (const s of v.samples) {
        const le = s.labels.le;
        if (le === undefined) continue;
        const upper = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
        if (Number.isNaN(upper)) continue;
        const { le: _le, __name__: _n, ...labels } = s.labels;
        const key = labelsKey(labels);
        let g = groups.get(key);
        if (!g) {
          g = { labels, buckets: [] };
          groups.set(key, g);
        }
        g.buckets.push({ upper, count: s.v });
      }
      return {
        kind: 'vector',
        samples: [...groups.values()].map((g) => ({ labels: g.labels, v: bucketQuantile(q, g.buckets) })),
      };
    }
    // Range-vector functions.
    const q = e.fn === 'quantile_over_time' ? scalarOf(this.eval(e.args[0]!, t)) : undefined;
    const arg = e.args[e.args.length - 1]! as SelectorExpr;
    const m = this.eval(arg, t);
    if (m.kind !== 'matrix') throw new PromQLError('bad_data', `${e.fn}() expects a range vector`);
    const end = t - arg.offsetMs;
    const start = end - arg.rangeMs!;
    const samples: VectorSample[] = [];
    for (const s of m.series) {
      let v: number | undefined;
      switch (e.fn) {
        case 'rate':
          v = extrapolatedRate(s, start, end, true, true);
          break;
        case 'increase':
          v = extrapolatedRate(s, start, end, true, false);
          break;
        case 'delta':
          v = extrapolatedRate(s, start, end, false, false);
          break;
        case 'irate':
          v = irate(s);
          break;
        default:
          v = overTime(e.fn, s.v, q);
      }
      if (v === undefined) continue;
      samples.push({ labels: e.fn === 'last_over_time' ? s.labels : withoutName(s.labels), v });
    }
    return { kind: 'vector', samples };
  }

  private aggregate(e: Extract<Expr, { type: 'aggregate' }>, t: number): Value {
    const v = this.eval(e.expr, t);
    if (v.kind !== 'vector') throw new PromQLError('bad_data', `${e.op} expects an instant vector`);
    const groupLabels = (labels: Labels): Labels => {
      const out: Labels = {};
      if (e.by) {
        for (const l of e.by) if (labels[l] !== undefined && labels[l] !== '') out[l] = labels[l]!;
      } else if (e.without) {
        for (const [k, x] of Object.entries(labels)) if (k !== '__name__' && !e.without.includes(k)) out[k] = x;
      }
      return out;
    };
    const groups = new Map<string, { labels: Labels; samples: VectorSample[] }>();
    for (const s of v.samples) {
      const labels = groupLabels(s.labels);
      const key = labelsKey(labels);
      const g = groups.get(key);
      if (g) g.samples.push(s);
      else groups.set(key, { labels, samples: [s] });
    }
    if (e.op === 'topk' || e.op === 'bottomk') {
      const k = Math.floor(scalarOf(this.eval(e.param!, t)));
      const out: VectorSample[] = [];
      if (k < 1) return { kind: 'vector', samples: out };
      const top = e.op === 'topk';
      for (const g of groups.values()) {
        const sorted = [...g.samples].sort((a, b) => {
          if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
          if (Number.isNaN(b.v)) return -1;
          return top ? b.v - a.v : a.v - b.v;
        });
        out.push(...sorted.slice(0, k));
      }
      return { kind: 'vector', samples: out };
    }
    const out: VectorSample[] = [];
    for (const g of groups.values()) {
      const values = g.samples.map((s) => s.v);
      let r: number;
      switch (e.op) {
        case 'sum':
          r = values.reduce((a, b) => a + b, 0);
          break;
        case 'count':
          r = values.length;
          break;
        case 'avg': {
          r = 0;
          values.forEach((x, i) => {
            r += (x - r) / (i + 1);
          });
          break;
        }
        default: {
          r = Number.NaN;
          for (const x of values) {
            if (Number.isNaN(x)) continue;
            if (Number.isNaN(r) || (e.op === 'min' ? x < r : x > r)) r = x;
          }
        }
      }
      out.push({ labels: g.labels, v: r });
    }
    return { kind: 'vector', samples: out };
  }

  private binary(e: Extract<Expr, { type: 'binary' }>, t: number): Value {
    const lhs = this.eval(e.lhs, t);
    const rhs = this.eval(e.rhs, t);
    const comparison = COMPARISONS.has(e.op);
    if (lhs.kind === 'scalar' && rhs.kind === 'scalar') {
      if (comparison && !e.bool)
        throw new PromQLError('bad_data', 'comparisons between scalars must use BOOL modifier');
      return { kind: 'scalar', v: arith(e.op, lhs.v, rhs.v) };
    }
    const filter = comparison && !e.bool;
    if (lhs.kind === 'vector' && rhs.kind === 'scalar')
      return this.vectorScalar(e.op, lhs.samples, rhs.v, false, filter);
    if (lhs.kind === 'scalar' && rhs.kind === 'vector')
      return this.vectorScalar(e.op, rhs.samples, lhs.v, true, filter);
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

  private vectorScalar(
    op: BinaryOp,
    samples: VectorSample[],
    scalar: number,
    swapped: boolean,
    filter: boolean,
  ): Value {
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
}

function scalarOf(v: Value): number {
  if (v.kind === 'scalar') return v.v;
  throw new PromQLError('bad_data', `expected a scalar, got ${v.kind === 'vector' ? 'an instant vector' : v.kind}`);
}

/** Static type check: function arguments and aggregation inputs of the right kind, before any data is read. */
function check(e: Expr): 'scalar' | 'vector' | 'matrix' | 'string' {
  switch (e.type) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'selector':
      return e.rangeMs === undefined ? 'vector' : 'matrix';
    case 'unary': {
      const k = check(e.expr);
      if (k !== 'scalar' && k !== 'vector')
        throw new PromQLError(
          'bad_data',
          'unary expression only allowed on expressions of type scalar or instant vector',
        );
      return k;
    }
    case 'call': {
      const want = FUNCTIONS[e.fn]!;
      e.args.forEach((a, i) => {
        const k = check(a);
        if (k !== want[i])
          throw new PromQLError(
            'bad_data',
            `expected type ${want[i] === 'matrix' ? 'range vector' : want[i] === 'vector' ? 'instant vector' : want[i]} in call to function "${e.fn}", got ${k === 'matrix' ? 'range vector' : k === 'vector' ? 'instant vector' : k}`,
          );
        if (want[i] === 'matrix' && a.type !== 'selector')
          throw new PromQLError('bad_data', `unsupported PromQL: ${e.fn}() over a subquery`);
      });
      return e.fn === 'time' || e.fn === 'scalar' ? 'scalar' : 'vector';
    }
    case 'aggregate': {
      if (check(e.expr) !== 'vector')
        throw new PromQLError('bad_data', `expected type instant vector in aggregation expression ${e.op}`);
      if (e.param && check(e.param) !== 'scalar')
        throw new PromQLError('bad_data', `expected type scalar in aggregation parameter of ${e.op}`);
      return 'vector';
    }
    case 'binary': {
      const l = check(e.lhs);
      const r = check(e.rhs);
      for (const k of [l, r])
        if (k !== 'scalar' && k !== 'vector')
          throw new PromQLError('bad_data', `binary expression must contain only scalar and instant vector types`);
      if (e.matching && (l !== 'vector' || r !== 'vector'))
        throw new PromQLError('bad_data', 'vector matching only allowed between instant vectors');
      return l === 'scalar' && r === 'scalar' ? 'scalar' : 'vector';
    }
  }
}

export { check as resultKind };
