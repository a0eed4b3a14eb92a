/**
 * The metrics of the Rohas reference (`shared/reference/rohas-telemetry.md`, "Collected Metrics"), produced through
 * any OpenTelemetry Meter so every backend gets them: handler executions, events, and three system gauges, with the
 * reference labels `handler_name`, `handler_type`, `language` and `status`.
 *
 * Attribute keys are already in Prometheus form (snake_case) because the reference names them so; Prometheus adds
 * `_total` and unit suffixes (`handler_execution_count_total`, `handler_execution_duration_milliseconds_bucket`).
 */
import type { Meter, ObservableResult, Attributes as OtelAttributes } from '@opentelemetry/api';

/** The kind of handler, as the reference lists them; other strings are allowed for new kinds. */
export type HandlerType = 'api' | 'event' | 'cron' | 'websocket' | (string & {});

/** The language a handler is written in, as the reference lists them. */
export type HandlerLanguage = 'typescript' | 'python' | 'rust' | (string & {});

/** Outcome of one execution, the reference's `status` label. */
export type HandlerStatus = 'success' | 'error';

/** Identifies a handler: becomes the `handler_name`, `handler_type` and `language` labels. */
export interface HandlerLabels {
  handlerName: string;
  handlerType: HandlerType;
  language: HandlerLanguage;
}

/** Options of {@link createHandlerMetrics}. */
export interface HandlerMetricsOptions {
  /** Registers the observable `system.memory.usage` and `system.cpu.usage` gauges; default true. */
  systemMetrics?: boolean;
  /** Histogram bucket bounds of the two duration metrics, ms; default 1 ms .. 10 s. */
  durationBucketsMs?: number[];
}

/** Recorders of the reference metrics; see {@link createHandlerMetrics}. */
export interface HandlerMetrics {
  /**
   * One finished handler execution: adds to `handler.execution.count` (with `status`), to
   * `handler.execution.success` or `handler.execution.errors`, and records `handler.execution.duration` (ms).
   */
  recordExecution(handler: HandlerLabels, durationMs: number, status: HandlerStatus): void;
  /** One published event: adds to `event.published.count` (`event_name`, plus the publisher's labels if given). */
  recordEventPublished(eventName: string, publisher?: HandlerLabels): void;
  /** One handled event: adds to `event.handled.count` and records `event.handled.duration` (ms), with `status`. */
  recordEventHandled(eventName: string, handler: HandlerLabels, durationMs: number, status: HandlerStatus): void;
  /** Marks a handler as running (`system.active.handlers` + 1); call the returned function once when it ends. */
  handlerStarted(handler: HandlerLabels): () => void;
  /**
   * Runs `fn` as one execution of `handler`: counts it as active while it runs, times it, and records success or
   * error (a thrown error or rejected promise is an error and is rethrown).
   */
  track<T>(handler: HandlerLabels, fn: () => T | Promise<T>): Promise<T>;
  /** Removes the system gauges' callbacks (the instruments stay registered with the Meter). */
  close(): void;
}

/** Default bounds of the duration histograms, ms: a handler takes from about a millisecond to seconds. */
export const DEFAULT_DURATION_BUCKETS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

function handlerAttributes(h: HandlerLabels): OtelAttributes {
  return { handler_name: h.handlerName, handler_type: h.handlerType, language: h.language };
}

/**
 * Creates the reference instruments on `meter` and returns recorders for them.
 *
 * ```ts
 * const hm = createHandlerMetrics(meterProvider.getMeter('rohas'));
 * await hm.track({ handlerName: 'CreateUser', handlerType: 'api', language: 'typescript' }, () => createUser(req));
 * ```
 */
export function createHandlerMetrics(meter: Meter, options: HandlerMetricsOptions = {}): HandlerMetrics {
  const buckets = options.durationBucketsMs ?? DEFAULT_DURATION_BUCKETS_MS;
  const executionCount = meter.createCounter('handler.execution.count', {
    description: 'Handler executions',
    unit: '{execution}',
  });
  const executionDuration = meter.createHistogram('handler.execution.duration', {
    description: 'Handler execution time',
    unit: 'ms',
    advice: { explicitBucketBoundaries: buckets },
  });
  const executionErrors = meter.createCounter('handler.execution.errors', {
    description: 'Handler executions that failed',
    unit: '{execution}',
  });
  const executionSuccess = meter.createCounter('handler.execution.success', {
    description: 'Handler executions that succeeded',
    unit: '{execution}',
  });
  const eventPublished = meter.createCounter('event.published.count', {
    description: 'Events published',
    unit: '{event}',
  });
  const eventHandled = meter.createCounter('event.handled.count', { description: 'Events handled', unit: '{event}' });
  const eventHandledDuration = meter.createHistogram('event.handled.duration', {
    description: 'Event handling time',
    unit: 'ms',
    advice: { explicitBucketBoundaries: buckets },
  });
  const activeHandlers = meter.createUpDownCounter('system.active.handlers', {
    description: 'Handlers running now',
    unit: '{handler}',
  });

  let removeSystem: (() => void) | undefined;
  if (options.systemMetrics !== false) {
    const memory = meter.createObservableGauge('system.memory.usage', {
      description: 'Memory used by the process, by kind (rss, heap_used, heap_total, external)',
      unit: 'By',
    });
    const cpu = meter.createObservableGauge('system.cpu.usage', {
      description:
        'CPU time used by the process per wall-clock time since the previous observation (1 = one core busy)',
      unit: '1',
    });
    let lastCpu = process.cpuUsage();
    let lastTime = process.hrtime.bigint();
    const observeMemory = (r: ObservableResult) => {
      const m = process.memoryUsage();
      r.observe(m.rss, { type: 'rss' });
      r.observe(m.heapUsed, { type: 'heap_used' });
      r.observe(m.heapTotal, { type: 'heap_total' });
      r.observe(m.external, { type: 'external' });
    };
    const observeCpu = (r: ObservableResult) => {
      const now = process.hrtime.bigint();
      const usage = process.cpuUsage(lastCpu);
      const elapsedUs = Number(now - lastTime) / 1000;
      lastCpu = process.cpuUsage();
      lastTime = now;
      if (elapsedUs > 0) r.observe((usage.user + usage.system) / elapsedUs);
    };
    memory.addCallback(observeMemory);
    cpu.addCallback(observeCpu);
    removeSystem = () => {
      memory.removeCallback(observeMemory);
      cpu.removeCallback(observeCpu);
    };
  }

  const recordExecution = (handler: HandlerLabels, durationMs: number, status: HandlerStatus) => {
    const attrs = handlerAttributes(handler);
    executionCount.add(1, { ...attrs, status });
    executionDuration.record(durationMs, { ...attrs, status });
    if (status === 'error') executionErrors.add(1, attrs);
    else executionSuccess.add(1, attrs);
  };

  const handlerStarted = (handler: HandlerLabels) => {
    const attrs = handlerAttributes(handler);
    activeHandlers.add(1, attrs);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      activeHandlers.add(-1, attrs);
    };
  };

  return {
    recordExecution,
    recordEventPublished(eventName, publisher) {
      eventPublished.add(
        1,
        publisher ? { event_name: eventName, ...handlerAttributes(publisher) } : { event_name: eventName },
      );
    },
    recordEventHandled(eventName, handler, durationMs, status) {
      const attrs = { event_name: eventName, ...handlerAttributes(handler), status };
      eventHandled.add(1, attrs);
      eventHandledDuration.record(durationMs, attrs);
    },
    handlerStarted,
    async track(handler, fn) {
      const end = handlerStarted(handler);
      const start = performance.now();
      try {
        const result = await fn();
        recordExecution(handler, performance.now() - start, 'success');
        return result;
      } catch (error) {
        recordExecution(handler, performance.now() - start, 'error');
        throw error;
      } finally {
        end();
      }
    },
    close() {
      removeSystem?.();
      removeSystem = undefined;
    },
  };
}
