/**
 * Reads through a Prometheus server's HTTP API: `queryMetrics` via `/api/v1/query_range` (or `/api/v1/query` for a
 * single bucket), `listMetrics` via `/api/v1/metadata`.
 */
import {
  type InstrumentType,
  labelsKey,
  type MetricDescriptor,
  type MetricSeries,
  type NormalizedMetricQuery,
  QueryError,
  TelemetryError,
} from '@rohas/telemetry/adapter';
import type { CatalogEntry } from './internal-types.js';
import { sanitizeLabelName, sanitizeMetricName } from './naming.js';
import { buildPromQL, NON_ATTRIBUTE_LABELS, promDuration, type ResolvedMetric } from './promql.js';

interface MetadataEntry {
  type: string;
  help?: string;
  unit?: string;
}

interface ApiResponse<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

type Sample = [number, string];
interface QueryData {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  result: Array<{ metric: Record<string, string>; values?: Sample[]; value?: Sample }>;
}

const UNIT_WORD = /^(?:[a-z]+(?:_per_[a-z]+)?|ratio|percent)$/;

export interface PrometheusApiOptions {
  /** Base URL of the Prometheus server (`http://localhost:9090`); user:password in it becomes basic auth. */
  endpoint: string;
  prefix: string;
  /** How this process exposes its metrics (from the reader), tried before the server's metadata. */
  catalog?: Map<string, CatalogEntry>;
  timeoutMs?: number;
}

export class PrometheusApi {
  private readonly base: string;
  private readonly headers: Record<string, string> = { accept: 'application/json' };
  private readonly timeoutMs: number;

  constructor(private readonly options: PrometheusApiOptions) {
    const url = new URL(options.endpoint);
    if (url.username || url.password) {
      const auth = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      this.headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    this.base = url.toString().replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /**
   * Calls an API path: queries are form-POSTed (long PromQL fits; Prometheus accepts POST there), everything else
   * is a GET (the metadata and status endpoints answer 405 to POST). Returns `data` or throws with Prometheus's error.
   */
  async call<T>(path: string, params: Record<string, string>, field = 'query'): Promise<T> {
    const body = new URLSearchParams(params);
    const post = path.startsWith('/api/v1/query');
    let res: Response;
    try {
      res = await fetch(
        post ? `${this.base}${path}` : `${this.base}${path}${params && Object.keys(params).length ? `?${body}` : ''}`,
        {
          method: post ? 'POST' : 'GET',
          headers: post ? { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' } : this.headers,
          ...(post ? { body } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        },
      );
    } catch (error) {
      throw new TelemetryError(
        `[rohas-telemetry] [prometheus] cannot reach ${this.base}${path}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const text = await res.text();
    let json: ApiResponse<T> | undefined;
    try {
      json = JSON.parse(text) as ApiResponse<T>;
    } catch {
      json = undefined;
    }
    if (!res.ok || !json || json.status !== 'success') {
      const message = `[rohas-telemetry] [prometheus] ${path} answered ${res.status}: ${json?.error ?? text.slice(0, 200)}`;
      if (json?.errorType === 'bad_data') throw new QueryError(message, field);
      throw new TelemetryError(message);
    }
    return json.data as T;
  }

  async metadata(): Promise<Record<string, MetadataEntry[]>> {
    return this.call<Record<string, MetadataEntry[]>>('/api/v1/metadata', {});
  }

  /** Finds how an OpenTelemetry metric name (or a Prometheus family name) is stored. */
  async resolve(name: string): Promise<{ metric: ResolvedMetric; type: InstrumentType; unit?: string }> {
    const local = this.options.catalog?.get(name);
    if (local) {
      const out: { metric: ResolvedMetric; type: InstrumentType; unit?: string } = {
        metric: { family: local.family, type: local.kind },
        type: local.type,
      };
      if (local.unit) out.unit = local.unit;
      return out;
    }
    const meta = await this.metadata();
    let base = sanitizeMetricName(this.options.prefix ? `${this.options.prefix}_${name}` : name);
    if (base.endsWith('_total')) base = base.slice(0, -'_total'.length);
    const candidates = Object.keys(meta).filter((key) => {
      if (key === base || key === `${base}_total`) return true;
      if (!key.startsWith(`${base}_`)) return false;
      const rest = key.slice(base.length + 1).replace(/_total$/, '');
      return UNIT_WORD.test(rest);
    });
    candidates.sort((a, b) => a.length - b.length);
    const key = candidates[0];
    if (key === undefined) {
      throw new QueryError(
        `[rohas-telemetry] [prometheus] metric ${name} is not known to the Prometheus server at ${this.base}`,
        'name',
      );
    }
    const entry = meta[key]![0]!;
    const kind = entry.type === 'counter' ? 'counter' : entry.type === 'histogram' ? 'histogram' : 'gauge';
    const family = kind === 'counter' && !key.endsWith('_total') ? `${key}_total` : key;
    const out: { metric: ResolvedMetric; type: InstrumentType; unit?: string } = {
      metric: { family, type: kind },
      type: kind,
    };
    if (entry.unit) out.unit = entry.unit;
    return out;
  }

  async queryMetrics(q: NormalizedMetricQuery): Promise<MetricSeries[]> {
    const resolved = await this.resolve(q.name);
    const step = q.stepNano;
    const toSeconds = (nano: bigint) => (Number(nano / 1_000_000n) / 1000).toString();
    let data: QueryData;
    if (step === undefined) {
      const expr = buildPromQL(q, resolved.metric, promDuration(q.end - q.start));
      data = await this.call<QueryData>('/api/v1/query', { query: expr, time: toSeconds(q.end) });
    } else {
      const expr = buildPromQL(q, resolved.metric, promDuration(step));
      // Evaluation at T covers the bucket (T - step, T]; the first bucket ends at start + step.
      const buckets = (q.end - q.start + step - 1n) / step;
      data = await this.call<QueryData>('/api/v1/query_range', {
        query: expr,
        start: toSeconds(q.start + step),
        end: toSeconds(q.start + buckets * step),
        step: (Number(step / 1_000_000n) / 1000).toString(),
      });
    }
    const back = new Map<string, string>();
    for (const key of q.groupBy ?? []) back.set(sanitizeLabelName(key), key);
    const series: MetricSeries[] = [];
    for (const r of data.result) {
      const labels: Record<string, string> = {};
      for (const [k, v] of Object.entries(r.metric)) {
        if (k === '__name__' || (q.groupBy === undefined && NON_ATTRIBUTE_LABELS.includes(k))) continue;
        labels[back.get(k) ?? k] = v;
      }
      const samples = r.values ?? (r.value ? [r.value] : []);
      const points: MetricSeries['points'] = [];
      for (const [ts, value] of samples) {
        const v = Number(value);
        if (Number.isNaN(v)) continue;
        const end = BigInt(Math.round(ts * 1000)) * 1_000_000n;
        points.push({ timeUnixNano: step === undefined ? q.start : end - step, value: v });
      }
      if (points.length === 0) continue;
      const s: MetricSeries = { name: q.name, type: resolved.type, labels, points };
      if (resolved.unit) s.unit = resolved.unit;
      series.push(s);
    }
    return series.sort((a, b) => (labelsKey(a.labels) < labelsKey(b.labels) ? -1 : 1));
  }

  async listMetrics(): Promise<MetricDescriptor[]> {
    const meta = await this.metadata();
    const out = new Map<string, MetricDescriptor>();
    const byFamily = new Map<string, [string, CatalogEntry]>();
    for (const [name, e] of this.options.catalog ?? []) byFamily.set(e.family, [name, e]);
    for (const [key, entries] of Object.entries(meta)) {
      const entry = entries[0];
      if (!entry || key === 'target' || key === 'target_info') continue;
      const family = entry.type === 'counter' && !key.endsWith('_total') ? `${key}_total` : key;
      const local = byFamily.get(family);
      if (local) {
        const d: MetricDescriptor = { name: local[0], type: local[1].type };
        if (local[1].description) d.description = local[1].description;
        if (local[1].unit) d.unit = local[1].unit;
        out.set(d.name, d);
        continue;
      }
      const type: InstrumentType =
        entry.type === 'counter' ? 'counter' : entry.type === 'histogram' ? 'histogram' : 'gauge';
      const d: MetricDescriptor = { name: key, type };
      if (entry.help) d.description = entry.help;
      if (entry.unit) d.unit = entry.unit;
      out.set(key, d);
    }
    return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
