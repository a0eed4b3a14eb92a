import { compareSpans } from './adapter/reference.js';
import type { OpenedAdapters } from './adapter-runtime.js';
import { QueryError, where } from './errors.js';
import {
  normalizeLogQuery,
  normalizeMetricQuery,
  normalizeRawPointQuery,
  normalizeTraceQuery,
} from './query-support.js';
import type { StoragePlan } from './storage-plan.js';
import type { Signal } from './storage-types.js';
import type { TraceCache } from './trace-cache.js';
import type { TelemetryQuery } from './types.js';

/**
 * The query API over the opened adapters: normalizes each query against the store's declared capabilities, serves
 * repeated getTrace calls from the trace cache, and names why a signal cannot be queried.
 */
export function createQueryFacade(
  plan: StoragePlan,
  owner: OpenedAdapters['owner'],
  cache: TraceCache,
): TelemetryQuery {
  const traceAdapter = owner.traces?.adapter.traces;
  const logAdapter = owner.logs?.adapter.logs;
  const missing = (signal: Signal): never => {
    const why = plan.bySignal[signal].enabled
      ? `type = "${owner[signal]?.adapter.type}" stores no ${signal}`
      : `${signal} are disabled`;
    throw new QueryError(`${where('query')} cannot query ${signal}: ${why}`, signal);
  };

  return {
    async findTraces(q = {}) {
      const store = traceAdapter ?? missing('traces');
      return store.findTraces(normalizeTraceQuery(q, store.capabilities));
    },
    async getTrace(traceId) {
      const store = traceAdapter ?? missing('traces');
      if (typeof traceId !== 'string' || !/^[0-9a-f]{32}$/.test(traceId)) {
        throw new QueryError(`${where('query')} traceId must be 32 lowercase hex characters`, 'traceId');
      }
      const cached = cache.get(traceId);
      if (cached?.verified) return [...cached.spans.values()].sort(compareSpans);
      const stored = await store.getTrace(traceId);
      if (!stored && !cached) return null;
      cache.setVerified(traceId, stored ?? []);
      return [...cache.get(traceId)!.spans.values()].sort(compareSpans);
    },
    async listServices() {
      return (traceAdapter ?? missing('traces')).listServices();
    },
    async listOperations(service) {
      return (traceAdapter ?? missing('traces')).listOperations(service);
    },
    async listMetrics() {
      const a = owner.metrics?.adapter;
      if (a?.metrics) return a.metrics.listMetrics();
      if (a?.metricsPull?.listMetrics) return a.metricsPull.listMetrics();
      return missing('metrics');
    },
    async queryMetrics(q) {
      const a = owner.metrics?.adapter;
      if (a?.metrics) return a.metrics.queryMetrics(normalizeMetricQuery(q, a.metrics.capabilities));
      if (a?.metricsPull?.queryMetrics)
        return a.metricsPull.queryMetrics(normalizeMetricQuery(q, a.metricsPull.capabilities));
      if (a?.metricsPull) {
        throw new QueryError(
          `${where('query')} metrics go to a pull endpoint; set endpoint = "<Prometheus server URL>" to query them back`,
          'metrics',
        );
      }
      return missing('metrics');
    },
    async readPoints(q = {}) {
      const a = owner.metrics?.adapter;
      if (a?.metrics?.readPoints) return a.metrics.readPoints(normalizeRawPointQuery(q, a.metrics.capabilities));
      if (a?.metrics || a?.metricsPull) {
        throw new QueryError(
          `${where('query')} type = "${a.type}" cannot read back raw metric points (its metric store has no readPoints)`,
          'metrics',
        );
      }
      return missing('metrics');
    },
    async queryLogs(q = {}) {
      const store = logAdapter ?? missing('logs');
      return store.queryLogs(normalizeLogQuery(q, store.capabilities));
    },
  };
}
