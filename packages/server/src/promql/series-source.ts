/**
 * Stored OpenTelemetry points -> Prometheus series, named and labelled exactly as the project's Prometheus pull
 * endpoint exposes them (the core's prometheus-naming rules; see adapters/prometheus/README.md "Mapping") plus the
 * `job` / `instance` labels a Prometheus scrape adds, taken from the resource as the OpenTelemetry specification maps
 * them (`job` = `service.namespace/service.name`, `instance` = `service.instance.id`).
 *
 * What is pushed down to the store: the metric names a selector can match and the time window (readPoints);
 * `service` when the selector has `job="<name>"`. Label matching and everything after it runs here.
 */
import { familyNames, type MetricDescriptor, type MetricPoint, prometheusLabels } from '@rohas/telemetry/adapter';
import type { TelemetryQuery } from '../core-types.js';
import { matchesLabel } from './ast.js';
import { type Labels, type LoadedSeries, type Matcher, PromQLError } from './internal-types.js';

type Part = 'value' | 'bucket' | 'sum' | 'count';
export type PromType = 'counter' | 'gauge' | 'histogram';

/** How one exposed sample name comes from a stored metric. */
export interface ExposedName {
  otel: string;
  part: Part;
  kind: PromType;
  family: string;
  help: string;
  unit: string;
}

const SCOPE_RESERVED: ReadonlySet<string> = new Set(['otel_scope_name', 'otel_scope_version', 'job', 'instance']);
const HISTOGRAM_RESERVED: ReadonlySet<string> = new Set([...SCOPE_RESERVED, 'le']);

function kindOf(type: MetricDescriptor['type']): PromType | undefined {
  if (type === 'counter') return 'counter';
  if (type === 'gauge' || type === 'up_down_counter') return 'gauge';
  if (type === 'histogram') return 'histogram';
  return undefined; // exponential histograms have no Prometheus text form; the pull endpoint drops them too
}

/** Every exposed sample name of the stored metrics (`x_total`, `x_bucket`, `x_sum`, `x_count`, gauges). */
export function buildCatalog(descriptors: MetricDescriptor[]): Map<string, ExposedName[]> {
  const out = new Map<string, ExposedName[]>();
  const add = (name: string, e: ExposedName) => {
    const list = out.get(name);
    if (list) list.push(e);
    else out.set(name, [e]);
  };
  for (const d of descriptors) {
    const kind = kindOf(d.type);
    if (!kind) continue;
    const names = familyNames(d.name, d.unit, kind, '');
    if (!names) continue;
    const base = { otel: d.name, kind, family: names.text, help: d.description || d.name, unit: names.unit };
    if (kind === 'histogram') {
      add(`${names.text}_bucket`, { ...base, part: 'bucket' });
      add(`${names.text}_sum`, { ...base, part: 'sum' });
      add(`${names.text}_count`, { ...base, part: 'count' });
    } else add(names.text, { ...base, part: 'value' });
  }
  return out;
}

const catalogs = new WeakMap<TelemetryQuery, { at: number; catalog: Promise<Map<string, ExposedName[]>> }>();

/** The catalog of a store, cached for two seconds (listMetrics reads a small table, but every query needs it). */
export function catalogOf(query: TelemetryQuery): Promise<Map<string, ExposedName[]>> {
  const cached = catalogs.get(query);
  if (cached && Date.now() - cached.at < 2000) return cached.catalog;
  const catalog = query.listMetrics().then(buildCatalog);
  catalogs.set(query, { at: Date.now(), catalog });
  catalog.catch(() => catalogs.delete(query));
  return catalog;
}

/** Sample names a selector's `__name__` matchers allow. */
export function namesMatching(catalog: Map<string, ExposedName[]>, matchers: Matcher[]): string[] {
  const nameMatchers = matchers.filter((m) => m.name === '__name__');
  return [...catalog.keys()].filter((n) => nameMatchers.every((m) => matchesLabel(m, n)));
}

function formatLe(bound: number): string {
  if (Number.isFinite(bound)) return String(bound);
  return bound > 0 ? '+Inf' : '-Inf';
}

function baseLabels(p: MetricPoint, reserved: ReadonlySet<string>): Labels {
  const labels: Labels = {};
  for (const [k, v] of prometheusLabels(p.attributes, reserved)) labels[k] = v;
  labels.otel_scope_name = p.scope.name;
  if (p.scope.version) labels.otel_scope_version = p.scope.version;
  const r = p.resource.attributes;
  const service = r['service.name'];
  const ns = r['service.namespace'];
  const job = service === undefined ? 'unknown_service' : String(service);
  labels.job = ns !== undefined && ns !== '' ? `${String(ns)}/${job}` : job;
  if (r['service.instance.id'] !== undefined) labels.instance = String(r['service.instance.id']);
  return labels;
}

export const labelsKey = (labels: Labels): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0001${labels[k]}`)
    .join('\u0002');

/**
 * Points -> samples of the wanted exposed names, delta temporality summed up per series. The series a point goes to
 * is remembered per attribute object (stores hand the same object to every point of a stream), so labels are built
 * and matched once per stream, not once per point.
 */
class SeriesBuilder {
  readonly series = new Map<string, LoadedSeries>();
  private readonly memo = new WeakMap<
    object,
    { resource: object; scope: object; targets: Map<string, LoadedSeries | null> }
  >();

  constructor(private readonly matchers: Matcher[]) {}

  /** The series of `labels`, or null when the selector's label matchers reject it. */
  private seriesFor(labels: Labels): LoadedSeries | null {
    if (!this.matchers.every((m) => matchesLabel(m, labels[m.name]))) return null;
    const key = labelsKey(labels);
    let s = this.series.get(key);
    if (!s) {
      // Label names in sorted order, as Prometheus writes them.
      const sorted: Labels = {};
      for (const k of Object.keys(labels).sort()) sorted[k] = labels[k]!;
      s = { labels: sorted, t: [], v: [] };
      this.series.set(key, s);
    }
    return s;
  }

  private target(p: MetricPoint, sub: string, make: () => Labels): LoadedSeries | null {
    let m = this.memo.get(p.attributes);
    if (!m || m.resource !== p.resource || m.scope !== p.scope) {
      m = { resource: p.resource, scope: p.scope, targets: new Map() };
      this.memo.set(p.attributes, m);
    }
    let s = m.targets.get(sub);
    if (s === undefined) {
      s = this.seriesFor(make());
      m.targets.set(sub, s);
    }
    return s;
  }

  /** Appends a sample; a delta point adds to the series' running total (the first in the window starts at zero). */
  private append(s: LoadedSeries | null, t: number, v: number, delta: boolean): void {
    if (!s) return;
    const n = s.t.length;
    if (delta && n > 0) v += s.v[n - 1]!;
    if (n > 0 && s.t[n - 1] === t)
      s.v[n - 1] = v; // two points in one millisecond: the later wins
    else if (n > 0 && s.t[n - 1]! > t) insertSorted(s, t, v);
    else {
      s.t.push(t);
      s.v.push(v);
    }
  }

  add(p: MetricPoint, exposed: ExposedName[]): void {
    const t = Number(p.timeUnixNano / 1_000_000n);
    const delta = p.temporality === 'delta';
    for (const e of exposed) {
      if (e.kind !== 'histogram') {
        if (p.value === undefined) continue;
        if (e.kind === 'counter' && delta && p.isMonotonic === false) continue;
        const s = this.target(p, e.family, () => ({ __name__: e.family, ...baseLabels(p, SCOPE_RESERVED) }));
        this.append(s, t, p.value, delta);
        continue;
      }
      const h = p.histogram;
      if (!h) continue;
      const labels = () => baseLabels(p, HISTOGRAM_RESERVED);
      if (e.part === 'bucket') {
        const name = `${e.family}_bucket`;
        let cumulative = 0;
        for (let i = 0; i < h.counts.length; i++) {
          cumulative += h.counts[i]!;
          const le = i < h.bounds.length ? formatLe(h.bounds[i]!) : '+Inf';
          this.append(
            this.target(p, `${name}\u0000${le}`, () => ({ __name__: name, ...labels(), le })),
            t,
            cumulative,
            delta,
          );
        }
        if (h.counts.length === 0 || h.bounds.length >= h.counts.length)
          this.append(
            this.target(p, `${name}\u0000+Inf`, () => ({ __name__: name, ...labels(), le: '+Inf' })),
            t,
            h.count,
            delta,
          );
      } else if (e.part === 'sum') {
        // The exposition writes _sum only when no observation was negative (the specification's monotonic rule).
        if (h.sum !== undefined && (h.min === undefined || h.min >= 0)) {
          const name = `${e.family}_sum`;
          this.append(
            this.target(p, name, () => ({ __name__: name, ...labels() })),
            t,
            h.sum,
            delta,
          );
        }
      } else {
        const name = `${e.family}_count`;
        this.append(
          this.target(p, name, () => ({ __name__: name, ...labels() })),
          t,
          h.count,
          delta,
        );
      }
    }
  }
}

function insertSorted(s: LoadedSeries, t: number, v: number): void {
  let lo = 0;
  let hi = s.t.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (s.t[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  if (s.t[lo] === t) s.v[lo] = v;
  else {
    s.t.splice(lo, 0, t);
    s.v.splice(lo, 0, v);
  }
}

/** Largest number of stored points one query may read; beyond it the query fails with `execution`. */
export const MAX_POINTS_PER_QUERY = 20_000_000;

/**
 * Loads the series a selector matches with samples in (fromMs, toMs] — read from the store with the names and window
 * pushed down, paged through readPoints.
 */
export async function loadSeries(
  query: TelemetryQuery,
  matchers: Matcher[],
  fromMs: number,
  toMs: number,
): Promise<LoadedSeries[]> {
  if (!query.readPoints)
    throw new PromQLError('internal', 'this storage has no raw point read (readPoints); PromQL needs it');
  const catalog = await catalogOf(query);
  const names = namesMatching(catalog, matchers);
  if (names.length === 0) return [];
  const otelNames = new Set<string>();
  const byOtel = new Map<string, ExposedName[]>();
  for (const n of names) {
    for (const e of catalog.get(n)!) {
      otelNames.add(e.otel);
      const list = byOtel.get(e.otel);
      if (list) list.push(e);
      else byOtel.set(e.otel, [e]);
    }
  }
  const others = matchers.filter((m) => m.name !== '__name__');
  const builder = new SeriesBuilder(others);
  const job = others.find((m) => m.name === 'job' && m.op === '=' && !m.value.includes('/'));
  let cursor: string | undefined;
  let read = 0;
  do {
    const page = await query.readPoints({
      names: [...otelNames],
      // A delta stream needs its points from before the window to sum up: not read (documented limit).
      start: BigInt(Math.floor(fromMs)) * 1_000_000n,
      end: (BigInt(Math.floor(toMs)) + 1n) * 1_000_000n,
      ...(job ? { service: job.value } : {}),
      limit: 10_000,
      ...(cursor ? { cursor } : {}),
    });
    for (const p of page.items) builder.add(p, byOtel.get(p.name) ?? []);
    read += page.items.length;
    if (read > MAX_POINTS_PER_QUERY)
      throw new PromQLError(
        'execution',
        `query reads more than ${MAX_POINTS_PER_QUERY} stored points; narrow the selector or the time range`,
      );
    cursor = page.nextCursor;
  } while (cursor);
  return [...builder.series.values()];
}
