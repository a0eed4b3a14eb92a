/**
 * Adapter-owned options: every adapter package exports `optionsSchema`, a JSON Schema (draft-07) of its own keys
 * under `[telemetry]`, with their defaults. The core validates a config file with its common keys plus the schema of
 * the adapter `type` names (config.ts), and an adapter reads its typed options with {@link readOptions}, which
 * validates again for configs built in code and fills in the defaults.
 */
import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ConfigError, where } from '../errors.js';
import type { AdapterContext } from './contract.js';

const require = createRequire(import.meta.url);

/** One key of an options schema (the JSON Schema keywords rohas-telemetry uses). */
export interface OptionSchema {
  type?: 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | Array<string>;
  enum?: ReadonlyArray<string | number | boolean>;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minLength?: number;
  pattern?: string;
  default?: unknown;
  description?: string;
  items?: OptionSchema;
  properties?: Record<string, OptionSchema>;
  additionalProperties?: boolean | OptionSchema;
  [keyword: string]: unknown;
}

/** The options schema an adapter package exports as `optionsSchema`: an object schema of its own keys. */
export interface OptionsSchema {
  $schema?: string;
  title?: string;
  description?: string;
  type?: 'object';
  properties: Record<string, OptionSchema>;
  required?: string[];
  [keyword: string]: unknown;
}

/** One problem found in a section of options. */
export interface OptionProblem {
  /** The key at fault, relative to the section (`cache_size_mb`, `batch.max_batch_size`). */
  key: string;
  message: string;
}

const compiled = new WeakMap<object, ValidateFunction>();
let ajv: import('ajv').default | undefined;

function validatorOf(schema: object): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    if (!ajv) {
      const Ajv = require('ajv') as typeof import('ajv').default;
      ajv = new Ajv({ allErrors: true, strict: false, verbose: true, useDefaults: true });
    }
    v = ajv.compile(schema);
    compiled.set(schema, v);
  }
  return v;
}

function describe(e: ErrorObject, allowedHint: (base: string) => string): OptionProblem {
  const base = e.instancePath.replace(/^\//, '').split('/').filter(Boolean).join('.');
  const schema = e.parentSchema as { description?: string } | undefined;
  const about = schema?.description ? ` (${schema.description})` : '';
  switch (e.keyword) {
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      return { key: base ? `${base}.${extra}` : extra, message: `unknown key; ${allowedHint(base)}` };
    }
    case 'type':
      return { key: base, message: `must be ${(e.params as { type: string }).type}${about}` };
    case 'enum':
      return {
        key: base,
        message: `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(', ')}${about}`,
      };
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      const d = (e.parentSchema as OptionSchema | undefined)?.properties?.[missing]?.description;
      return { key: base ? `${base}.${missing}` : missing, message: `is required${d ? ` (${d})` : ''}` };
    }
    case 'pattern':
      return { key: base, message: `${e.message}${about}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'minLength':
      return { key: base, message: `${e.message}${about}` };
    default:
      return { key: base, message: e.message ?? e.keyword };
  }
}

/**
 * Checks `values` against a schema (closed: keys the schema does not name are refused) and fills in the schema's
 * defaults in place. Returns the problems found, each naming its key.
 */
export function checkOptions(
  schema: object,
  values: Record<string, unknown>,
  allowedHint?: (base: string) => string,
): OptionProblem[] {
  const validate = validatorOf(schema);
  if (validate(values)) return [];
  const hint =
    allowedHint ??
    ((base: string) => {
      let node = schema as OptionSchema;
      for (const p of base.split('.').filter(Boolean)) node = node.properties?.[p] ?? {};
      return `allowed keys here: ${Object.keys(node.properties ?? {})
        .sort()
        .join(', ')}`;
    });
  return (validate.errors ?? []).map((e) => describe(e, hint));
}

/** The schema with unknown keys refused, as loadConfig and readOptions check it. */
export function closedSchema(schema: OptionsSchema, extraKeys: Record<string, OptionSchema> = {}): OptionsSchema {
  return {
    ...schema,
    type: 'object',
    properties: { ...extraKeys, ...schema.properties },
    additionalProperties: false,
  };
}

/** The defaults an options schema declares, as an object. */
export function optionDefaults<T = Record<string, unknown>>(schema: OptionsSchema): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, s] of Object.entries(schema.properties))
    if (s.default !== undefined) out[k] = structuredClone(s.default);
  return out as Partial<T>;
}

/**
 * Keys every backend section accepts besides the adapter's own: `type`, `retention_days`, and the keys of the Rohas
 * reference config, which a rohas.toml may carry whatever its type; an adapter whose schema names one checks it.
 */
export const BACKEND_KEYS: Record<string, OptionSchema> = {
  type: { type: 'string', minLength: 1 },
  retention_days: { type: 'number', minimum: 0 },
  path: { type: 'string' },
  endpoint: { type: 'string' },
  url: { type: 'string' },
  database: { type: 'string' },
  retention_policy: { type: 'string' },
  connection_string: { type: 'string' },
};

/**
 * The typed options of an adapter: `context.options` checked against the adapter's `optionsSchema` (unknown keys and
 * wrong types refused with a {@link ConfigError} naming the file, the key and what is allowed) with the schema's
 * defaults filled in. `type` is kept; the core's own keys never reach an adapter.
 *
 * ```ts
 * export const createAdapter: AdapterFactory = (context) => new MyAdapter(readOptions<MyOptions>(context, optionsSchema), context);
 * ```
 */
export function readOptions<T extends object>(
  context: Pick<AdapterContext, 'options' | 'source'>,
  schema: OptionsSchema,
): T & { type: string } {
  const values: Record<string, unknown> = structuredClone(context.options);
  const type = String(values.type ?? '');
  const problems = checkOptions(closedSchema(schema, BACKEND_KEYS), values, () => {
    const keys = Object.keys(schema.properties).sort();
    return `type = "${type}" takes ${keys.length ? keys.join(', ') : 'no keys of its own'} (besides the common [telemetry] keys)`;
  });
  if (problems.length > 0) {
    const first = problems[0]!;
    const file = context.source && context.source !== '(defaults)' ? `${context.source}: ` : '';
    const more = problems
      .slice(1)
      .map((p) => `\n  also ${p.key}: ${p.message}`)
      .join('');
    throw new ConfigError(`${where(type || 'config')} ${file}key ${first.key}: ${first.message}${more}`, {
      file: context.source,
      key: first.key,
    });
  }
  return values as T & { type: string };
}
