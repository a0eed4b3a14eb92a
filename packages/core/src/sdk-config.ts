/**
 * Builds the SDK parts that the OpenTelemetry environment specification configures — sampler, propagators, span
 * limits, the diagnostics level, OTEL_SDK_DISABLED — from a loaded config (where env-spec.ts has already applied the
 * `OTEL_*` variables over the file).
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { DiagLogLevel, diag, type TextMapPropagator } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  type GeneralLimits,
  ParentBasedSampler,
  type Sampler,
  type SpanLimits,
  TraceIdRatioBasedSampler,
} from '@opentelemetry/sdk-trace-base';
import { where } from './errors.js';
import type { DiagnosticLevel, DiagnosticLogger, TelemetryConfig } from './types.js';

/** The sampler OTEL_TRACES_SAMPLER / the `sampler` key names; `sampling_ratio` is the ratio samplers' argument. */
export function samplerFor(config: TelemetryConfig): Sampler {
  const ratio = config.sampling_ratio;
  switch (config.sampler ?? 'parentbased_traceidratio') {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    default:
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
  }
}

/**
 * Loads an optional propagator package, only when a config names it: from the app's folder (its working folder, then
 * its main script's), then from beside this package.
 */
function loadOptional(pkg: string): unknown {
  const bases = [join(process.cwd(), 'noop.js')];
  if (process.argv[1]) bases.push(resolve(process.argv[1]));
  bases.push(import.meta.url);
  for (const base of bases) {
    try {
      return createRequire(base)(pkg);
    } catch {}
  }
  return undefined;
}

/**
 * The propagator OTEL_PROPAGATORS / the `propagators` key names (default tracecontext and baggage). `b3`, `b3multi`
 * and `jaeger` come from their optional packages; one that is not installed is skipped with a warning.
 */
export function propagatorFor(
  config: TelemetryConfig,
  logger: DiagnosticLogger,
  load: (pkg: string) => unknown = loadOptional,
): TextMapPropagator {
  const names = config.propagators ?? ['tracecontext', 'baggage'];
  const propagators: TextMapPropagator[] = [];
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'tracecontext') propagators.push(new W3CTraceContextPropagator());
    else if (name === 'baggage') propagators.push(new W3CBaggagePropagator());
    else if (name === 'b3' || name === 'b3multi') {
      // B3InjectEncoding.MULTI_HEADER is 1 in @opentelemetry/propagator-b3.
      const b3 = load('@opentelemetry/propagator-b3') as
        | { B3Propagator: new (o?: { injectEncoding?: number }) => TextMapPropagator }
        | undefined;
      if (b3) propagators.push(new b3.B3Propagator(name === 'b3multi' ? { injectEncoding: 1 } : {}));
      else missing(name, '@opentelemetry/propagator-b3', logger);
    } else if (name === 'jaeger') {
      const j = load('@opentelemetry/propagator-jaeger') as
        | { JaegerPropagator: new () => TextMapPropagator }
        | undefined;
      if (j) propagators.push(new j.JaegerPropagator());
      else missing(name, '@opentelemetry/propagator-jaeger', logger);
    } else logger.warn(`${where('config')} propagator "${name}" is not supported; skipped`);
  }
  return new CompositePropagator({ propagators });
}

function missing(name: string, pkg: string, logger: DiagnosticLogger): void {
  logger.warn(
    `${where('config')} propagator "${name}" needs ${pkg}, which is not installed (npm install ${pkg}); skipped`,
  );
}

/** The tracer provider's limits from the `*_limit` keys (the SDK's own defaults, and its env reading, for the rest). */
export function tracerLimitsFor(config: TelemetryConfig): { generalLimits?: GeneralLimits; spanLimits?: SpanLimits } {
  const general: GeneralLimits = {};
  if (config.attribute_count_limit !== undefined) general.attributeCountLimit = config.attribute_count_limit;
  if (config.attribute_value_length_limit !== undefined)
    general.attributeValueLengthLimit = config.attribute_value_length_limit;
  const span: SpanLimits = {};
  if (config.span_attribute_count_limit !== undefined) span.attributeCountLimit = config.span_attribute_count_limit;
  if (config.span_attribute_value_length_limit !== undefined)
    span.attributeValueLengthLimit = config.span_attribute_value_length_limit;
  if (config.span_event_count_limit !== undefined) span.eventCountLimit = config.span_event_count_limit;
  if (config.span_link_count_limit !== undefined) span.linkCountLimit = config.span_link_count_limit;
  if (config.event_attribute_count_limit !== undefined)
    span.attributePerEventCountLimit = config.event_attribute_count_limit;
  if (config.link_attribute_count_limit !== undefined)
    span.attributePerLinkCountLimit = config.link_attribute_count_limit;
  return {
    ...(Object.keys(general).length ? { generalLimits: general } : {}),
    ...(Object.keys(span).length ? { spanLimits: span } : {}),
  };
}

const RANK: Record<DiagnosticLevel, number> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 };

/** A logger writing to stderr (stdout carries data) at or above `level` (OTEL_LOG_LEVEL; default info). */
export function leveledLogger(level: DiagnosticLevel = 'info'): DiagnosticLogger {
  const rank = RANK[level] ?? RANK.info;
  const write = (min: number) => (m: string) => {
    if (rank >= min) process.stderr.write(`${m}\n`);
  };
  return { error: write(1), warn: write(2), info: write(3), debug: write(4) };
}

/** Routes the OpenTelemetry API's own diagnostics (`diag`) to stderr at OTEL_LOG_LEVEL, when a level is set. */
export function setDiagLevel(level: DiagnosticLevel | undefined): void {
  if (!level || level === 'none') return;
  const levels: Record<DiagnosticLevel, DiagLogLevel> = {
    none: DiagLogLevel.NONE,
    error: DiagLogLevel.ERROR,
    warn: DiagLogLevel.WARN,
    info: DiagLogLevel.INFO,
    debug: DiagLogLevel.DEBUG,
    verbose: DiagLogLevel.VERBOSE,
    all: DiagLogLevel.ALL,
  };
  // Not DiagConsoleLogger: it writes info and debug to stdout, which carries the app's data.
  const write = (m: string, ...args: unknown[]) =>
    process.stderr.write(`[otel] ${m}${args.length ? ` ${args.map(String).join(' ')}` : ''}\n`);
  diag.setLogger(
    { error: write, warn: write, info: write, debug: write, verbose: write },
    { logLevel: levels[level], suppressOverrideMessage: true },
  );
}

/** OTEL_SDK_DISABLED: the same config with every signal's collection off (storage and queries stay as they are). */
export function collectionOf(config: TelemetryConfig): TelemetryConfig {
  if (!config.sdk_disabled) return config;
  return { ...config, enable_traces: false, enable_metrics: false, enable_logs: false, derive_span_metrics: false };
}
