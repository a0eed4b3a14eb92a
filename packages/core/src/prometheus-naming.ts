/**
 * Shared by the Prometheus pull endpoint (`@rohas/telemetry-prometheus`) and the server's PromQL API, so a stored
 * metric has the same name and labels in both.
 *
 * Metric and label names per the OpenTelemetry specification's Prometheus compatibility rules
 * (`compatibility/prometheus_and_openmetrics.md`, "OTLP Metric points to Prometheus").
 */

const INVALID_METRIC_CHARS = /[^a-zA-Z0-9_:]+/g;
const INVALID_LABEL_CHARS = /[^a-zA-Z0-9_]+/g;
const MULTIPLE_UNDERSCORES = /__+/g;

/** Replaces characters Prometheus does not allow in a metric name with `_`, collapses runs of `_`. */
export function sanitizeMetricName(name: string): string {
  let out = name.replace(INVALID_METRIC_CHARS, '_').replace(MULTIPLE_UNDERSCORES, '_');
  if (out !== '' && out.charCodeAt(0) >= 48 && out.charCodeAt(0) <= 57) out = `_${out}`;
  return out;
}

const labelCache = new Map<string, string>();

/**
 * Prometheus label name of an attribute key: invalid characters become `_`, runs of `_` collapse to one, a leading
 * digit gets a `key_` prefix (as the OpenTelemetry Collector does), and a leading `__` (reserved by Prometheus) is
 * avoided by the collapse. Cached: attribute keys repeat on every point of every scrape.
 */
export function sanitizeLabelName(key: string): string {
  let out = labelCache.get(key);
  if (out !== undefined) return out;
  out = key.replace(INVALID_LABEL_CHARS, '_').replace(MULTIPLE_UNDERSCORES, '_');
  if (out === '') out = '_';
  else if (out.charCodeAt(0) >= 48 && out.charCodeAt(0) <= 57) out = `key_${out}`;
  if (labelCache.size > 10_000) labelCache.clear();
  labelCache.set(key, out);
  return out;
}

/** UCUM units (as OpenTelemetry semantic conventions use them) to Prometheus unit words. */
const UNIT_WORDS: Record<string, string> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** Units after `/` in singular form (`By/s` -> `bytes_per_second`). */
const PER_UNIT_WORDS: Record<string, string> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

/**
 * The Prometheus unit suffix of an OpenTelemetry unit, or `''` when there is none: `ms` -> `milliseconds`,
 * `{request}` -> `''` (annotations are dropped, a count is unitless), `1` -> `ratio` (gauges only, as the
 * specification's special case is meant for ratios), `By/s` -> `bytes_per_second`.
 */
export function unitSuffix(unit: string | undefined, isGauge: boolean): string {
  if (!unit) return '';
  const stripped = unit.replace(/\{[^}]*\}/g, '').trim();
  if (stripped === '') return '';
  if (stripped === '1') return isGauge ? 'ratio' : '';
  const slash = stripped.indexOf('/');
  const main = slash === -1 ? stripped : stripped.slice(0, slash);
  const per = slash === -1 ? '' : stripped.slice(slash + 1);
  const mainWord = main === '' ? '' : (UNIT_WORDS[main] ?? main);
  const perWord = per === '' ? '' : (PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per);
  const words = perWord ? (mainWord ? `${mainWord}_per_${perWord}` : `per_${perWord}`) : mainWord;
  return words
    .replace(INVALID_LABEL_CHARS, '_')
    .replace(MULTIPLE_UNDERSCORES, '_')
    .replace(/^_+|_+$/g, '');
}

/** Names of one metric family in both formats. */
export interface FamilyNames {
  /** Name of the `# TYPE` line and of plain samples in the text format (counters end in `_total`). */
  text: string;
  /** OpenMetrics family name (counters without `_total`; their samples add it). */
  openMetrics: string;
  /** The unit word when the name carries it (for OpenMetrics `# UNIT`), else `''`. */
  unit: string;
}

/**
 * Family name of an OpenTelemetry metric: prefix, sanitized name, unit suffix unless the name already contains the
 * unit, then `_total` for monotonic sums (counters). Returns `undefined` for a name that sanitizes to nothing.
 */
export function familyNames(
  name: string,
  unit: string | undefined,
  kind: 'counter' | 'gauge' | 'histogram',
  prefix: string,
): FamilyNames | undefined {
  let base = sanitizeMetricName(prefix ? `${prefix}_${name}` : name);
  if (base === '' || base === '_') return undefined;
  const isCounter = kind === 'counter';
  if (isCounter && base.endsWith('_total')) base = base.slice(0, -'_total'.length);
  const suffix = unitSuffix(unit, kind === 'gauge');
  let unitWord = '';
  if (suffix) {
    if (!`_${base}_`.includes(`_${suffix}_`)) base = `${base}_${suffix}`;
    if (base.endsWith(`_${suffix}`)) unitWord = suffix;
  }
  if (!isCounter) return { text: base, openMetrics: base, unit: unitWord };
  return { text: `${base}_total`, openMetrics: base, unit: unitWord };
}

/** Non-string attribute values become strings per the OTel attribute spec: JSON for arrays, plain text otherwise. */
export function attributeValueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === undefined || value === null) return '';
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v));
}

/**
 * Prometheus labels of an attribute set, as the exposition writes them: sanitized names; values of keys that
 * sanitize to the same name joined by `;` in the order of the original keys (the specification's rule); a name in
 * `reserved` (one the exposition adds itself, like `le`) renamed `exported_<name>`.
 */
export function prometheusLabels(
  attributes: Record<string, unknown>,
  reserved?: ReadonlySet<string>,
): Array<[name: string, value: string]> {
  const byName = new Map<string, Array<[string, string]>>();
  for (const key in attributes) {
    const value = attributes[key];
    if (value === undefined) continue;
    let name = sanitizeLabelName(key);
    if (reserved?.has(name)) name = `exported_${name}`;
    const entry: [string, string] = [key, attributeValueText(value)];
    const list = byName.get(name);
    if (list) list.push(entry);
    else byName.set(name, [entry]);
  }
  const out: Array<[string, string]> = [];
  for (const [name, list] of byName) {
    if (list.length > 1) list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    out.push([name, list.length === 1 ? list[0]![1] : list.map((e) => e[1]).join(';')]);
  }
  return out;
}
