import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { checkAdapterKeys, checkCommonKeys, coerceEnvValue, lineOf, type SectionProblem } from './config-check.js';
import { applyOtelEnvironment } from './env-spec.js';
import { ConfigError, where } from './errors.js';
import { knownAdapterTypes } from './registry.js';
import type { BatchConfig, TelemetryConfig } from './types.js';

export { configSchema } from './config-check.js';

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

const SIGNAL_SECTIONS = ['traces', 'metrics', 'logs'] as const;

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

/** Applies the environment overrides as strings; returns the paths set, to be coerced once the schema is known. */
function applyEnvOverrides(section: Record<string, unknown>, env: NodeJS.ProcessEnv): string[][] {
  const set: string[][] = [];
  const prefix = 'ROHAS_TELEMETRY_';
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(prefix) || raw === undefined) continue;
    if (name === 'ROHAS_TELEMETRY_CONFIG') continue; // the config file's path (register, CLI), not a key
    // ROHAS_TELEMETRY_TRACES__TYPE sets [telemetry.traces] type; a double underscore nests.
    const path = name.slice(prefix.length).toLowerCase().split('__');
    let target = section;
    for (const p of path.slice(0, -1)) {
      if (!target[p] || typeof target[p] !== 'object') target[p] = {};
      target = target[p] as Record<string, unknown>;
    }
    target[path[path.length - 1]!] = raw;
    set.push(path);
  }
  // The OTEL_* variables of the specification, after ROHAS_TELEMETRY_*: environment over file (env-spec.ts). They
  // arrive typed, so they need no entry in `set`.
  applyOtelEnvironment(section, env);
  return set;
}

/** Folds a deprecated `options` table into its section (its own keys win), with a warning on stderr. */
function foldOptionsTable(section: Record<string, unknown>, name: string, label: string, text: string | undefined) {
  const nested = section.options;
  if (nested === undefined) return;
  delete section.options;
  if (!nested || typeof nested !== 'object' || Array.isArray(nested)) return;
  for (const [k, v] of Object.entries(nested)) if (section[k] === undefined) section[k] = v;
  const line = lineOf(text, `${name}.options`);
  process.stderr.write(
    `${where('config')} ${label}${line ? `:${line}` : ''}: [${name}.options] is deprecated; write its keys (${Object.keys(nested).join(', ')}) in [${name}] itself\n`,
  );
}

function fail(label: string, file: string | undefined, text: string | undefined, problems: SectionProblem[]): never {
  const first = problems[0]!;
  const line = lineOf(text, first.key);
  const more = problems
    .slice(1)
    .map((d) => `\n  also ${d.key}: ${d.message}`)
    .join('');
  throw new ConfigError(
    `${where('config')} ${label}${line ? `:${line}` : ''}: key ${first.key}: ${first.message}${more}`,
    {
      file,
      key: first.key,
    },
  );
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
  const fromEnv = applyEnvOverrides(section, env);
  foldOptionsTable(section, 'telemetry', label, text);
  for (const signal of SIGNAL_SECTIONS) {
    const own = section[signal];
    if (own && typeof own === 'object' && !Array.isArray(own))
      foldOptionsTable(own as Record<string, unknown>, `telemetry.${signal}`, label, text);
  }
  for (const path of fromEnv) coerceEnvValue(section, path);

  const common = checkCommonKeys(section);
  if (common.length > 0) fail(label, file, text, common);
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
      const line = lineOf(text, `telemetry.${key}`);
      throw new ConfigError(
        `${where('config')} ${label}${line ? `:${line}` : ''}: key telemetry.${key} is "${value}"${hint}; allowed: ${types.join(', ')}, or a type registered with registerAdapter() before loadConfig()`,
        { file, key: `telemetry.${key}` },
      );
    }
  }
  const adapterProblems = checkAdapterKeys(section);
  if (adapterProblems.length > 0) fail(label, file, text, adapterProblems);
  const config = defaultConfig(section as Partial<TelemetryConfig>);
  config.source = label;
  if (file) config.baseDir = dirname(file);
  return config;
}
