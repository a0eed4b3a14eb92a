/**
 * The store's own work is not the app's telemetry. A network backend's client (pg for TimescaleDB, http/undici for
 * InfluxDB and ClickHouse) runs inside the app's process, where the app's instrumentations (`--import
 * @rohas/telemetry/register`, a NodeSDK) would trace every write and read the core makes: each exported batch would
 * produce client spans, which are exported in turn — a feedback loop that fills the store with its own requests.
 *
 * Everything the core calls on an adapter therefore runs under OpenTelemetry's `suppressTracing` context (from
 * `@opentelemetry/core`, the mechanism the OTel exporters use for their own requests): tracers return non-recording
 * spans and the propagators inject no trace headers for whatever the call starts, synchronously or later in the
 * same async chain.
 */
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import type { TelemetryAdapter } from './adapter/contract.js';

/** Runs `fn` with tracing suppressed for everything it starts (a promise it returns carries the context along). */
export function untraced<T>(fn: () => T): T {
  return context.with(suppressTracing(context.active()), fn);
}

/** The parts of an adapter whose methods the core calls: the adapter itself and its three store parts. */
const STORE_PARTS = new Set<PropertyKey>(['traces', 'metrics', 'logs']);

/**
 * Wraps an object so each of its methods runs {@link untraced}, with the object itself as `this` (so classes with
 * private fields keep working). Store parts (`traces`, `metrics`, `logs`) are wrapped the same way. Functions and
 * parts are wrapped once and cached, so a property read twice gives the same value.
 */
function untracedObject<T extends object>(target: T, parts: boolean): T {
  const cache = new Map<PropertyKey, { from: unknown; to: unknown }>();
  return new Proxy(target, {
    get(t, prop) {
      const value: unknown = Reflect.get(t, prop, t);
      const isPart = parts && STORE_PARTS.has(prop) && typeof value === 'object' && value !== null;
      if (typeof value !== 'function' && !isPart) return value;
      const hit = cache.get(prop);
      if (hit && hit.from === value) return hit.to;
      const to = isPart
        ? untracedObject(value as object, false)
        : function (this: unknown, ...args: unknown[]) {
            return untraced(() => (value as (...a: unknown[]) => unknown).apply(t, args));
          };
      cache.set(prop, { from: value, to });
      return to;
    },
  });
}

/**
 * The adapter as the core uses it: init, writes, reads, retention, health and close run with tracing suppressed.
 * The pull endpoint part (`metricsPull`) is left as it is: its reader is driven by the scraper's requests.
 */
export function untracedAdapter(adapter: TelemetryAdapter): TelemetryAdapter {
  return untracedObject(adapter, true);
}
