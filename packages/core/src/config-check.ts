/**
 * Validation of a `[telemetry]` section: the core's common keys against schemas/config.schema.json, each backend
 * section's other keys against the options schema of the adapter its `type` names (adapters own their options).
 */
import { createRequire } from 'node:module';
import { checkOptions, closedSchema, type OptionSchema, type OptionsSchema } from './adapter/options.js';
import { adapterOptionsSchema } from './registry.js';

const require = createRequire(import.meta.url);

/** The JSON Schema of the core's own keys of rohas.toml's [telemetry] section (schemas/config.schema.json). */
export const configSchema: Record<string, unknown> = require('../schema/config.schema.json');

/** A problem with a key of the section, the key written from the top (`telemetry.traces.url`). */
export interface SectionProblem {
  key: string;
  message: string;
}

type Section = Record<string, unknown>;
const SIGNALS = ['traces', 'metrics', 'logs'] as const;

function telemetrySchema(): OptionSchema {
  return (configSchema as { properties: Record<string, OptionSchema> }).properties.telemetry!;
}
/** The common keys of the top of [telemetry] and of a [telemetry.<signal>] section. */
function commonKeys(signal?: string): Record<string, OptionSchema> {
  const top = telemetrySchema().properties ?? {};
  return signal ? (top[signal]?.properties ?? {}) : top;
}

/** Checks the core's own keys (types, ranges, the batch and server tables); adapter keys are checked separately. */
export function checkCommonKeys(section: Section): SectionProblem[] {
  return checkOptions(configSchema, { telemetry: section });
}

/** The keys the adapter checks: those the core does not own, and the shared ones its schema names (`path`, ...). */
function pick(section: Section, common: Record<string, unknown>, own: Record<string, unknown>): Section {
  const out: Section = {};
  for (const [k, v] of Object.entries(section)) if (!(k in common) || k in own) out[k] = v;
  return out;
}

/** The adapter's schema as loadConfig checks it: closed, and without `required` (a section may inherit keys). */
function forConfig(schema: OptionsSchema): OptionsSchema {
  const { required: _required, ...rest } = closedSchema(schema);
  return rest as OptionsSchema;
}

function checkSection(section: Section, path: string, type: string, common: Record<string, OptionSchema>) {
  const schema = adapterOptionsSchema(type);
  // An adapter that publishes no schema (a registered one without it, or a package not installed yet: openStorage
  // then names the package to install) gets its keys as written.
  if (!schema) return [];
  const own = Object.keys(schema.properties).sort();
  const hint = () =>
    `allowed keys here: ${Object.keys(common).sort().join(', ')}, and for type = "${type}": ${own.length ? own.join(', ') : 'none'}`;
  return checkOptions(forConfig(schema), pick(section, common, schema.properties), hint).map((p) => ({
    key: `${path}.${p.key}`,
    message: p.message,
  }));
}

/** Checks the adapter keys of [telemetry] and of each [telemetry.<signal>] against the adapter `type` names. */
export function checkAdapterKeys(section: Section): SectionProblem[] {
  const topType = typeof section.type === 'string' ? section.type : 'sqlite';
  const problems = checkSection(section, 'telemetry', topType, commonKeys());
  for (const signal of SIGNALS) {
    const own = section[signal];
    if (!own || typeof own !== 'object') continue;
    const type = typeof (own as Section).type === 'string' ? ((own as Section).type as string) : topType;
    problems.push(...checkSection(own as Section, `telemetry.${signal}`, type, commonKeys(signal)));
  }
  return problems;
}

/** Turns an environment string set at `path` (relative to [telemetry]) into the type its schema wants. */
export function coerceEnvValue(section: Section, path: string[]): void {
  const signal = path.length > 1 && (SIGNALS as readonly string[]).includes(path[0]!) ? path[0]! : undefined;
  const key = path[path.length - 1]!;
  let node: OptionSchema | undefined = telemetrySchema();
  for (const p of path) node = node?.properties?.[p];
  if (!node) {
    const owner = (signal ? section[signal] : section) as Section | undefined;
    const type = (owner?.type ?? section.type ?? 'sqlite') as string;
    node = adapterOptionsSchema(type)?.properties[key];
  }
  let target = section;
  for (const p of path.slice(0, -1)) target = target[p] as Section;
  const raw = target[key];
  if (typeof raw !== 'string' || !node) return;
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (types.includes('number') || types.includes('integer')) {
    const n = Number(raw);
    if (raw.trim() !== '' && Number.isFinite(n)) target[key] = n;
  } else if (types.includes('boolean')) {
    if (raw === 'true' || raw === 'false') target[key] = raw === 'true';
  }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The line of a key (`telemetry.traces.url`) or table (`telemetry.options`) in the file text, for error messages:
 * the key inside its table, else the first line that sets a key of that name.
 */
export function lineOf(text: string | undefined, key: string): number | undefined {
  if (!text) return undefined;
  const lines = text.split(/\r?\n/);
  const parts = key.split('.');
  const header = /^\s*\[\s*([^\]]+?)\s*\]/;
  for (let split = parts.length; split >= 1; split--) {
    const table = parts.slice(0, split).join('.');
    const rest = parts.slice(split).join('.');
    let current = '';
    for (let i = 0; i < lines.length; i++) {
      const h = header.exec(lines[i]!);
      if (h) {
        current = h[1]!.replace(/["'\s]/g, '');
        if (rest === '' && current === table) return i + 1;
        continue;
      }
      if (rest !== '' && current === table && new RegExp(`^\\s*["']?${escapeRe(rest)}["']?\\s*=`).test(lines[i]!))
        return i + 1;
    }
  }
  const last = escapeRe(parts[parts.length - 1]!);
  const i = lines.findIndex((l) => new RegExp(`^\\s*["']?${last}["']?\\s*=`).test(l));
  return i >= 0 ? i + 1 : undefined;
}
