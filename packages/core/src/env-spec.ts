/**
 * The OpenTelemetry SDK environment variables (specification: `configuration/sdk-environment-variables.md`), applied
 * to the `[telemetry]` section after the file, so the environment wins over the file key by key, as the OTel SDKs
 * do. A value the specification does not allow is ignored with a warning on stderr, as the specification asks
 * ("SHOULD log a warning and use the default").
 */
import { parseResourceAttributes } from './config.js';
import { where } from './errors.js';
import type { DiagnosticLevel, TraceSamplerName } from './types.js';

type Section = Record<string, unknown>;
type Warn = (message: string) => void;

const SAMPLERS: readonly TraceSamplerName[] = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
];

const LOG_LEVELS: readonly DiagnosticLevel[] = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'];

/** Integer limits: variable → config key (the specification's attribute, event and link limits). */
export const LIMIT_VARIABLES: Readonly<Record<string, string>> = {
  OTEL_ATTRIBUTE_COUNT_LIMIT: 'attribute_count_limit',
  OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'attribute_value_length_limit',
  OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT: 'span_attribute_count_limit',
  OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'span_attribute_value_length_limit',
  OTEL_SPAN_EVENT_COUNT_LIMIT: 'span_event_count_limit',
  OTEL_SPAN_LINK_COUNT_LIMIT: 'span_link_count_limit',
  OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT: 'event_attribute_count_limit',
  OTEL_LINK_ATTRIBUTE_COUNT_LIMIT: 'link_attribute_count_limit',
  OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: 'logrecord_attribute_count_limit',
  OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: 'logrecord_attribute_value_length_limit',
};

/** The specification's boolean: `true` in any case is true; anything else is false (a non-`false` value warns). */
export function envBoolean(name: string, raw: string | undefined, warn: Warn): boolean | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const v = raw.trim().toLowerCase();
  if (v === 'true') return true;
  if (v !== 'false') warn(`${where('config')} ${name}="${raw}" is not true or false; read as false`);
  return false;
}

function envInteger(name: string, raw: string | undefined, min: number, warn: Warn): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw.trim());
  if (Number.isInteger(n) && n >= min) return n;
  warn(`${where('config')} ${name}="${raw}" is not an integer >= ${min}; ignored`);
  return undefined;
}

/** A comma-separated list, trimmed, lowercase, empty entries removed. */
export function envList(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  return raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** The SDK keys of `[telemetry]` (types.ts SdkConfig): the core's own, never handed to an adapter. */
export const SDK_CONFIG_KEYS: readonly string[] = [
  'sdk_disabled',
  'sampler',
  'propagators',
  'log_level',
  'derive_span_metrics',
  'instrumentations',
  ...Object.values(LIMIT_VARIABLES),
];

const defaultWarn: Warn = (m) => process.stderr.write(`${m}\n`);

/**
 * Applies the `OTEL_*` variables to a `[telemetry]` section read from a file (mutated in place). Environment over
 * file, for every variable: `OTEL_SERVICE_NAME` > `service.name` in `OTEL_RESOURCE_ATTRIBUTES` > `service_name` in
 * the file.
 */
export function applyOtelEnvironment(section: Section, env: NodeJS.ProcessEnv, warn: Warn = defaultWarn): void {
  const disabled = envBoolean('OTEL_SDK_DISABLED', env.OTEL_SDK_DISABLED, warn);
  if (disabled !== undefined) section.sdk_disabled = disabled;

  if (env.OTEL_RESOURCE_ATTRIBUTES) {
    const attrs = parseResourceAttributes(env.OTEL_RESOURCE_ATTRIBUTES);
    section.resource_attributes = { ...(section.resource_attributes as object | undefined), ...attrs };
    if (attrs['service.name']) section.service_name = attrs['service.name'];
  }
  if (env.OTEL_SERVICE_NAME?.trim()) section.service_name = env.OTEL_SERVICE_NAME.trim();

  const sampler = env.OTEL_TRACES_SAMPLER?.trim().toLowerCase();
  if (sampler) {
    if ((SAMPLERS as readonly string[]).includes(sampler)) section.sampler = sampler;
    else
      warn(
        `${where('config')} OTEL_TRACES_SAMPLER="${env.OTEL_TRACES_SAMPLER}" is not supported; allowed: ${SAMPLERS.join(', ')}; ignored`,
      );
  }
  const arg = env.OTEL_TRACES_SAMPLER_ARG?.trim();
  if (arg) {
    const effective = (section.sampler as string | undefined) ?? 'parentbased_traceidratio';
    const ratio = Number(arg);
    if (!effective.endsWith('traceidratio'))
      warn(`${where('config')} OTEL_TRACES_SAMPLER_ARG is set but the sampler ${effective} takes no argument; ignored`);
    else if (Number.isFinite(ratio) && ratio >= 0 && ratio <= 1) section.sampling_ratio = ratio;
    else warn(`${where('config')} OTEL_TRACES_SAMPLER_ARG="${arg}" is not a number in [0, 1]; ignored`);
  }

  const propagators = envList(env.OTEL_PROPAGATORS);
  if (propagators) section.propagators = propagators;

  const interval = envInteger('OTEL_METRIC_EXPORT_INTERVAL', env.OTEL_METRIC_EXPORT_INTERVAL, 100, warn);
  if (interval !== undefined) section.metric_export_interval_ms = interval;

  for (const [name, key] of Object.entries(LIMIT_VARIABLES)) {
    const n = envInteger(name, env[name], 0, warn);
    if (n !== undefined) section[key] = n;
  }

  const level = env.OTEL_LOG_LEVEL?.trim().toLowerCase();
  if (level) {
    if ((LOG_LEVELS as readonly string[]).includes(level)) section.log_level = level;
    else
      warn(`${where('config')} OTEL_LOG_LEVEL="${env.OTEL_LOG_LEVEL}" is not one of ${LOG_LEVELS.join(', ')}; ignored`);
  }

  const enabled = envList(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  if (enabled) section.instrumentations = enabled;
}
