import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { parse as parseToml, TomlError } from 'smol-toml';
import { applyOtelEnvironment } from './env-spec.js';
import { ConfigError, where } from './errors.js';
import { knownAdapterTypes } from './registry.js';
import type { BatchConfig, TelemetryConfig } from './types.js';

const require = createRequire(import.meta.url);

/** The JSON Schema of rohas.toml's [telemetry] section (also at schemas/config.schema.json for editors). */
export const configSchema: Record<string, unknown> = require('../schema/config.schema.json');

export const DEFAULT_BATCH: BatchConfig = {
  max_batch_size: 2000,
  flush_interval_ms: 1000,
  max_queue_size: 200_000,
  max_concurrency: 2,
  retry_initial_ms: 250,
  retry_max_ms: 30_000,
  shutdown_timeout_ms: 30_000,
};

/** The defaults of every key, as rohas.toml.example shows them. */
export function defaultConfig(
  overrides: Partial<Omit<TelemetryConfig, 'batch'>> & { batch?: Partial<BatchConfig> } = {},
): TelemetryConfig {
  const base: TelemetryConfig = {
    type: 'sqlite',
    retention_days: 30,
    max_cache_size: 1000,
    enable_traces: true,
    enable_metrics: true,
    enable_logs: true,
    service_name: 'unknown_service:node',
    resource_attributes: {},
    sampling_ratio: 1,
    metric_export_interval_ms: 10_000,
    max_series_per_metric: 10_000,
    retention_interval_ms: 3_600_000,
    batch: { ...DEFAULT_BATCH },
  };
  return { ...base, ...overrides, batch: { ...base.batch, ...overrides.batch } };
}

let validator: ValidateFunction | undefined;
function validate(value: unknown): ErrorObject[] {
  if (!validator) {
    const Ajv = require('ajv') as typeof import('ajv').default;
    validator = new Ajv({ allErrors: true, strict: false, verbose: true }).compile(configSchema);
  }
  return validator(value) ? [] : (validator.errors ?? []);
}

/** Finds the line of `key = ` inside the file text, for error messages. */
function lineOf(text: string | undefined, key: string): number | undefined {
  if (!text) return undefined;
  const last = key.split('.').pop()!;
  const lines = text.split(/\r?\n/);
  const re = new RegExp(`^\\s*["']?${last.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}["']?\\s*=`);
  const i = lines.findIndex((l) => re.test(l));
  return i >= 0 ? i + 1 : undefined;
}

function describeError(e: ErrorObject): { key: string; message: string } {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const schema = e.parentSchema as { description?: string } | undefined;
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const allowed = Object.keys((e.parentSchema as { properties?: object }).properties ?? {}).sort();
      return {
        key: base ? `${base}.${extra}` : extra,
        message: `unknown key; allowed keys here: ${allowed.join(', ')}`,
      };
    }
    case 'type':
      return {
        key: base,
        message: `must be ${(e.params as { type: string }).type}${schema?.description ? ` (${schema.description})` : ''}`,
      };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
      return { key: base, message: `${e.message}${schema?.description ? ` (${schema.description})` : ''}` };
    default:
      return { key: base, message: e.message ?? e.keyword };
  }
}

const ENV_PATTERN = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** Replaces `${NAME}` and `${NAME:-default}` in every string value. */
function interpolate(value: unknown, env: NodeJS.ProcessEnv, file: string, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_PATTERN, (_m, name: string, fallback: string | undefined) => {
      const v = env[name];
      if (v !== undefined) return v;
      if (fallback !== undefined) return fallback;
      throw new ConfigError(
        `${where('config')} ${file}: key ${path} uses \${${name}} but the environment has no ${name} (write \${${name}:-default} for a fallback)`,
        { file, key: path },
      );
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, file, `${path}[${i}]`));
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = interpolate(v, env, file, path ? `${path}.${k}` : k);
    return out;
  }
  return value;
}

/** Coerces an environment string to the type the schema wants at `path`. */
function coerceEnv(raw: string, path: string[]): unknown {
  let node: Record<string, unknown> | undefined = (configSchema as { properties: Record<string, unknown> }).properties
    .telemetry as Record<string, unknown>;
  for (const p of path) node = (node?.properties as Record<string, Record<string, unknown>> | undefined)?.[p];
  const type = node?.type;
  if (type === 'number' || type === 'integer') {
    const n = Number(raw);
    return raw.trim() !== '' && Number.isFinite(n) ? n : raw;
  }
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** Parses OTEL_RESOURCE_ATTRIBUTES (`k=v,k2=v2`, values percent-encoded). */
export function parseResourceAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[decodeURIComponent(part.slice(0, i).trim())] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
    }
  }
  return out;
}

function applyEnvOverrides(section: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  const prefix = 'ROHAS_TELEMETRY_';
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    // ROHAS_TELEMETRY_TRACES__TYPE sets [telemetry.traces] type; a double underscore nests.
    const path = name.slice(prefix.length).toLowerCase().split('__');
    let target = section;
    for (const p of path.slice(0, -1)) {
      if (!target[p] || typeof target[p] !== 'object') target[p] = {};
      target = target[p] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = coerceEnv(raw, path);
  }
  // The OTEL_* variables of the specification, after ROHAS_TELEMETRY_*: environment over file (env-spec.ts).
  applyOtelEnvironment(section, env);
}

export interface LoadConfigOptions {
  /** Environment to read overrides from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads the `[telemetry]` section of a rohas.toml, applies defaults, `${ENV}` interpolation and the `OTEL_*` /
 * `ROHAS_TELEMETRY_*` overrides, and validates it. Without a path it reads `./rohas.toml` or `./config/rohas.toml`
 * when one exists, and otherwise returns the defaults (the embedded SQLite store). Throws {@link ConfigError} naming
 * the file, the key or line, and what is allowed.
 */
export function loadConfig(path?: string, options: LoadConfigOptions = {}): TelemetryConfig {
  const env = options.env ?? process.env;
  let file: string | undefined;
  if (path !== undefined) {
    file = resolve(path);
    if (!existsSync(file)) throw new ConfigError(`${where('config')} ${file}: no such file`, { file });
  } else {
    file = ['rohas.toml', 'config/rohas.toml'].map((p) => resolve(p)).find((p) => existsSync(p));
  }
  let text: string | undefined;
  let doc: Record<string, unknown> = {};
  if (file) {
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new ConfigError(`${where('config')} ${file}: cannot read: ${(error as Error).message}`, {
        file,
        cause: error,
      });
    }
    try {
      doc = parseToml(text) as Record<string, unknown>;
    } catch (error) {
      const e = error as TomlError;
      const at = e instanceof TomlError ? `:${e.line}:${e.column}` : '';
      throw new ConfigError(`${where('config')} ${file}${at}: not valid TOML: ${e.message.split('\n')[0]}`, {
        file,
        cause: error,
      });
    }
  }
  const label = file ?? '(defaults)';
  const rawSection = doc.telemetry ?? {};
  if (typeof rawSection !== 'object' || Array.isArray(rawSection)) {
    throw new ConfigError(`${where('config')} ${label}: telemetry must be a table ([telemetry])`, {
      file,
      key: 'telemetry',
    });
  }
  const section = interpolate(rawSection, env, label, 'telemetry') as Record<string, unknown>;
  applyEnvOverrides(section, env);

  const errors = validate({ telemetry: section });
  if (errors.length > 0) {
    const described = errors.map(describeError);
    const first = described[0]!;
    const line = lineOf(text, first.key);
    const more =
      described.length > 1
        ? `\n${described
            .slice(1)
            .map((d) => `  also ${d.key}: ${d.message}`)
            .join('\n')}`
        : '';
    throw new ConfigError(
      `${where('config')} ${label}${line ? `:${line}` : ''}: key ${first.key}: ${first.message}${more}`,
      { file, key: first.key },
    );
  }
  const types = knownAdapterTypes();
  for (const key of ['type', 'traces.type', 'metrics.type', 'logs.type']) {
    const parts = key.split('.');
    const value = parts.length === 1 ? section.type : (section[parts[0]!] as Record<string, unknown> | undefined)?.type;
    if (value === undefined) continue;
    if (!types.includes(value as string)) {
      const hint =
        value === 'rocksdb'
          ? " (rocksdb is the Rohas engine's own store; in TypeScript the embedded default is sqlite)"
          : '';
      const line = lineOf(text, 'type');
      throw new ConfigError(
        `${where('config')} ${label}${line ? `:${line}` : ''}: key telemetry.${key} is "${value}"${hint}; allowed: ${types.join(', ')}, or a type registered with registerAdapter() before loadConfig()`,
        { file, key: `telemetry.${key}` },
      );
    }
  }
  const config = defaultConfig(section as Partial<TelemetryConfig>);
  config.source = label;
  if (file) config.baseDir = dirname(file);
  return config;
}
