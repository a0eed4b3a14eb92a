/**
 * Evaluates a parsed PromQL expression over stored metrics, with Prometheus' step semantics: a range query is the
 * expression evaluated at start, start + step, ... up to end; an instant vector selector takes each series' latest
 * sample in the lookback window (t - 5m, t]; a range selector [r] the samples in (t - r, t]; `offset` shifts both.
 * Series are loaded once per selector for the whole query window (see series-source.ts), then every step reads them
 * with binary searches.
 */
import type { TelemetryQuery } from '../core-types.js';
import { aggregate } from './aggregate.js';
import { binary, withoutName } from './binary.js';
import { bucketQuantile, extrapolatedRate, irate, overTime } from './functions.js';
import {
  type Expr,
  type Labels,
  type LoadedSeries,
  PromQLError,
  type Value,
  type VectorSample,
} from './internal-types.js';
import { labelsKey, loadSeries } from './series-source.js';
import { check } from './type-check.js';

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
        return aggregate(e, this.eval(e.expr, t), () => scalarOf(this.eval(e.param!, t)));
      case 'binary':
        return binary(e, this.eval(e.lhs, t), this.eval(e.rhs, t));
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
}

function scalarOf(v: Value): number {
  if (v.kind === 'scalar') return v.v;
  throw new PromQLError('bad_data', `expected a scalar, got ${v.kind === 'vector' ? 'an instant vector' : v.kind}`);
}

export { check as resultKind } from './type-check.js';
