/**
 * The Workbench's only data source: the query HTTP API of `rohas-telemetry serve`. Every call goes through
 * `apiGet`, which adds the optional bearer token and turns the API's error JSON into an `ApiError`.
 */
import type {
  Aggregation,
  Health,
  JsonLogRecord,
  JsonMetricPoint,
  JsonSpan,
  MetricDescriptor,
  MetricSeries,
  TraceSummary,
} from './api-types.ts';

/** The API lives next to /workbench/ on the same origin (a reverse proxy may add a prefix before both). */
const API_ROOT = import.meta.env.BASE_URL.replace(/workbench\/?$/, '');
const TOKEN_KEY = 'rohas-workbench-token';

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function getToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token: string | null): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // Storage may be disabled (private mode): the token then lives for this page only.
  }
}

type Params = Record<string, string | number | boolean | undefined | null | Array<string | number>>;

export function buildQuery(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null) continue;
    // An empty groupBy is meaningful (merge every series into one); other empty values are "not given".
    if (v === '' && k !== 'groupBy') continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, String(item));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Listeners told when the API answers 401, so the shell can ask for a token. */
const unauthorizedListeners = new Set<() => void>();
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export async function apiGet<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`${API_ROOT}${path.replace(/^\//, '')}${buildQuery(params)}`, { headers, signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(`The server did not answer (${(err as Error).message})`, 0);
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    if (res.status === 401) for (const l of unauthorizedListeners) l();
    const e = (body as { error?: { message?: string; parameter?: string } } | undefined)?.error;
    throw new ApiError(e?.message ?? `HTTP ${res.status} ${res.statusText}`, res.status, e?.parameter);
  }
  if (body === undefined) throw new ApiError(`The server answered ${path} with no JSON`, res.status);
  return body as T;
}

/**
 * Identical metric queries issued at the same time (the histogram page's percentile lines and its heatmap ask for the
 * same p50/p90/p99) share one request; each caller can still abort its own wait.
 */
const inFlight = new Map<string, Promise<unknown>>();
function sharedGet<T>(path: string, params: Params, signal?: AbortSignal): Promise<T> {
  const key = path + buildQuery(params);
  let shared = inFlight.get(key) as Promise<T> | undefined;
  if (!shared) {
    shared = apiGet<T>(path, params).finally(() => inFlight.delete(key));
    inFlight.set(key, shared);
  }
  if (!signal) return shared;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(new DOMException('aborted', 'AbortError'));
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

let healthOnce: Promise<Health> | undefined;

export const api = {
  health: (signal?: AbortSignal) => apiGet<Health>('healthz', {}, signal),
  /** /healthz fetched once per page load: which backend stores each signal ('not stored', 'disabled' otherwise). */
  healthCached: () => {
    healthOnce ??= apiGet<Health>('healthz').catch((e: Error) => {
      healthOnce = undefined;
      throw e;
    });
    return healthOnce;
  },
  services: (signal?: AbortSignal) =>
    apiGet<{ services: string[] }>('telemetry/services', {}, signal).then((r) => r.services),
  operations: (service: string, signal?: AbortSignal) =>
    apiGet<{ operations: string[] }>(`telemetry/services/${encodeURIComponent(service)}/operations`, {}, signal).then(
      (r) => r.operations,
    ),
  findTraces: (
    q: {
      service?: string;
      name?: string;
      attr?: string[];
      minDuration?: string;
      maxDuration?: string;
      status?: string;
      start?: string;
      end?: string;
      limit?: number;
      cursor?: string;
    },
    signal?: AbortSignal,
  ) => apiGet<{ traces: TraceSummary[]; nextCursor?: string }>('telemetry/traces', q, signal),
  getTrace: (traceId: string, signal?: AbortSignal) =>
    apiGet<{ traceId: string; spans: JsonSpan[] }>(`telemetry/traces/${encodeURIComponent(traceId)}`, {}, signal),
  listMetrics: (signal?: AbortSignal) =>
    apiGet<{ metrics: MetricDescriptor[] }>('telemetry/metrics', {}, signal).then((r) => r.metrics),
  queryMetrics: (
    q: {
      name: string;
      start: string;
      end: string;
      step?: string;
      aggregation?: Aggregation;
      groupBy?: string;
      attr?: string[];
      service?: string;
    },
    signal?: AbortSignal,
  ) => sharedGet<{ name: string; series: MetricSeries[] }>('telemetry/metrics', q, signal).then((r) => r.series),
  /** Stored points of one metric as written; `attr` entries are `key=value` (sent as attr.<key>=<value>). */
  metricPoints: (
    q: { name: string; start: string; end: string; attr?: string[]; limit?: number; cursor?: string },
    signal?: AbortSignal,
  ) => {
    const params: Params = { name: q.name, start: q.start, end: q.end, limit: q.limit, cursor: q.cursor };
    for (const a of q.attr ?? []) {
      const eq = a.indexOf('=');
      if (eq > 0) params[`attr.${a.slice(0, eq)}`] = a.slice(eq + 1);
    }
    return apiGet<{ points: JsonMetricPoint[]; nextCursor?: string }>('telemetry/metrics/points', params, signal);
  },
  queryLogs: (
    q: {
      start?: string;
      end?: string;
      minSeverity?: string;
      text?: string;
      ignoreCase?: boolean;
      traceId?: string;
      spanId?: string;
      service?: string;
      attr?: string[];
      limit?: number;
      cursor?: string;
      order?: 'asc' | 'desc';
    },
    signal?: AbortSignal,
  ) => apiGet<{ logs: JsonLogRecord[]; nextCursor?: string }>('telemetry/logs', q, signal),
};
