/** PromQL aggregation operators (sum, count, avg, min, max, topk, bottomk) over one instant vector, by/without labels. */
import { type Expr, type Labels, PromQLError, type Value, type VectorSample } from './internal-types.js';
import { labelsKey } from './series-source.js';

export function aggregate(e: Extract<Expr, { type: 'aggregate' }>, v: Value, param: () => number): Value {
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
    const k = Math.floor(param());
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
