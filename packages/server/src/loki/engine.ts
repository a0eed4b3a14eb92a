/**
 * Evaluates LogQL over stored log records.
 *
 * Streams: a record's labels are its resource attributes and log attributes under Prometheus label rules (dots become
 * `_`, so `service.name` is `service_name`, as Loki's OTLP ingestion names them), plus `severity_text`, `trace_id`
 * and `span_id` when set — so Grafana's derived field can link a line to its trace by the `trace_id` label. The line
 * is the body (a string body as it is, any other as its JSON).
 *
 * Pushed down to the store (queryLogs): the time window, `service_name="..."`, `trace_id="..."` and the first `|=`
 * line filter (a case-sensitive substring, as the store's `text` filter). Everything else runs here.
 */
import { logBodyText, prometheusLabels } from '@rohas/telemetry/adapter';
import type { LogRecord, TelemetryQuery } from '../core-types.js';
import { matchesLabel } from '../promql/ast.js';
import { PromQLError } from '../promql/internal-types.js';
import { labelsKey } from '../promql/series-source.js';
import type { Entry, LabelCondition, LogQLExpr, LogSelector, Stage } from './internal-types.js';

type Labels = Record<string, string>;

/** The stream labels of one stored record. */
export function streamLabels(r: LogRecord): Labels {
  const labels: Labels = {};
  for (const [k, v] of prometheusLabels(r.resource.attributes)) labels[k] = v;
  for (const [k, v] of prometheusLabels(r.attributes)) labels[k] = v;
  if (r.severityText) labels.severity_text = r.severityText;
  if (r.traceId) labels.trace_id = r.traceId;
  if (r.spanId) labels.span_id = r.spanId;
  return labels;
}

/** Flattens a JSON object as Loki's `| json` does: nested keys joined by `_`, arrays skipped, names sanitized. */
function jsonLabels(line: string, labels: Labels): boolean {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return false;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const walk = (obj: Record<string, unknown>, prefix: string) => {
    for (const [k, v] of Object.entries(obj)) {
      const name = prefix ? `${prefix}_${k}` : k;
      if (v && typeof v === 'object') {
        if (!Array.isArray(v)) walk(v as Record<string, unknown>, name);
        continue;
      }
      if (v === null || v === undefined) continue;
      addExtracted(labels, name, String(v));
    }
  };
  walk(value as Record<string, unknown>, '');
  return true;
}

/** An extracted label that collides with an existing one gets `_extracted`, as Loki does. */
function addExtracted(labels: Labels, key: string, value: string): void {
  const [[name]] = prometheusLabels({ [key]: '' }) as [[string, string]];
  labels[labels[name] !== undefined ? `${name}_extracted` : name] = value;
}

/** `key=value key2="quoted value"` pairs, as Loki's `| logfmt` reads them. */
function logfmtLabels(line: string, labels: Labels): boolean {
  const re = /\s*([^\s=]+)(?:=("(?:[^"\\]|\\.)*"|[^\s]*))?/gy;
  let m: RegExpExecArray | null;
  let ok = true;
  // biome-ignore lint/suspicious/noAssignInExpressions: a sticky regex walk
  while ((m = re.exec(line)) !== null && m[0] !== '') {
    const raw = m[2] ?? '';
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        ok = false;
        value = raw.slice(1, -1);
      }
    }
    addExtracted(labels, m[1]!, value);
  }
  return ok && re.lastIndex >= line.trimEnd().length;
}

function conditionHolds(c: LabelCondition, labels: Labels): boolean | 'error' {
  switch (c.type) {
    case 'and': {
      const a = conditionHolds(c.lhs, labels);
      const b = conditionHolds(c.rhs, labels);
      return a === 'error' || b === 'error' ? 'error' : a && b;
    }
    case 'or': {
      const a = conditionHolds(c.lhs, labels);
      const b = conditionHolds(c.rhs, labels);
      return a === true || b === true ? true : a === 'error' || b === 'error' ? 'error' : false;
    }
    case 'string':
      return matchesLabel(c.matcher, labels[c.matcher.name]);
    case 'number': {
      const text = labels[c.label];
      if (text === undefined) return false;
      const v = Number(text);
      if (text.trim() === '' || Number.isNaN(v)) return 'error';
      switch (c.op) {
        case '>':
          return v > c.value;
        case '>=':
          return v >= c.value;
        case '<':
          return v < c.value;
        case '<=':
          return v <= c.value;
        case '==':
          return v === c.value;
        case '!=':
          return v !== c.value;
      }
    }
  }
}

/** Runs the pipeline over one line; undefined when a stage drops it. Errors add `__error__` as Loki does. */
export function runPipeline(stages: Stage[], line: string, labels: Labels): Labels | undefined {
  let out = labels;
  for (const s of stages) {
    switch (s.type) {
      case 'line': {
        const f = s.filter;
        const hit = f.re ? f.re.test(line) : line.includes(f.value);
        if (hit !== (f.op === '|=' || f.op === '|~')) return undefined;
        break;
      }
      case 'json':
      case 'logfmt':
        out = { ...out };
        if (!(s.type === 'json' ? jsonLabels(line, out) : logfmtLabels(line, out)))
          out.__error__ = s.type === 'json' ? 'JSONParserErr' : 'LogfmtParserErr';
        break;
      case 'label': {
        const r = conditionHolds(s.condition, out);
        if (r === 'error') out = { ...out, __error__: 'LabelFilterErr' };
        else if (!r) return undefined;
        break;
      }
    }
  }
  return out;
}

/**
 * Every entry the selector and pipeline keep in [startNano, endNano), in `direction` order, read page by page with
 * the pushdowns above; stops after `limit` entries when one is given.
 */
export async function readEntries(
  query: TelemetryQuery,
  selector: LogSelector,
  startNano: bigint,
  endNano: bigint,
  direction: 'forward' | 'backward',
  limit?: number,
): Promise<Entry[]> {
  const service = selector.matchers.find((m) => m.name === 'service_name' && m.op === '=');
  const trace = selector.matchers.find((m) => m.name === 'trace_id' && m.op === '=' && /^[0-9a-f]{32}$/.test(m.value));
  const firstContains = selector.stages.find((s) => s.type === 'line' && s.filter.op === '|=' && s.filter.value !== '');
  const out: Entry[] = [];
  let cursor: string | undefined;
  do {
    const page = await query.queryLogs({
      start: startNano,
      end: endNano,
      order: direction === 'forward' ? 'asc' : 'desc',
      limit: 1000,
      ...(service ? { service: service.value } : {}),
      ...(trace ? { traceId: trace.value } : {}),
      ...(firstContains?.type === 'line' ? { text: firstContains.filter.value } : {}),
      ...(cursor ? { cursor } : {}),
    });
    for (const r of page.items) {
      const labels = streamLabels(r);
      if (!selector.matchers.every((m) => matchesLabel(m, labels[m.name]))) continue;
      const line = logBodyText(r.body);
      const kept = runPipeline(selector.stages, line, labels);
      if (!kept) continue;
      out.push({ timeNano: r.timeUnixNano, line, labels: kept });
      if (limit !== undefined && out.length >= limit) return out;
    }
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** Entries grouped into Loki streams (one per label set), each in the query's direction. */
export function toStreams(entries: Entry[]) {
  const streams = new Map<string, { stream: Labels; values: Array<[string, string]> }>();
  for (const e of entries) {
    const key = labelsKey(e.labels);
    let s = streams.get(key);
    if (!s) {
      const sorted: Labels = {};
      for (const k of Object.keys(e.labels).sort()) sorted[k] = e.labels[k]!;
      s = { stream: sorted, values: [] };
      streams.set(key, s);
    }
    s.values.push([e.timeNano.toString(), e.line]);
  }
  return [...streams.values()];
}

type Vector = Array<{ labels: Labels; v: number }>;

/** Evaluates a metric query at each of `times` (ms); returns one vector per time. */
export async function evalMetric(query: TelemetryQuery, expr: LogQLExpr, times: number[]): Promise<Vector[]> {
  if (expr.type === 'log') throw new PromQLError('bad_data', 'a log query has no metric value');
  if (expr.type === 'aggregate') {
    const inner = await evalMetric(query, expr.expr, times);
    return inner.map((vec) => aggregate(expr, vec));
  }
  const first = times[0]!;
  const last = times[times.length - 1]!;
  const entries = await readEntries(
    query,
    expr.selector,
    BigInt(first - expr.rangeMs) * 1_000_000n + 1n,
    BigInt(last) * 1_000_000n + 1n,
    'forward',
  );
  const series = new Map<string, { labels: Labels; t: bigint[] }>();
  for (const e of entries) {
    const key = labelsKey(e.labels);
    const s = series.get(key);
    if (s) s.t.push(e.timeNano);
    else series.set(key, { labels: e.labels, t: [e.timeNano] });
  }
  const countAtOrBefore = (t: bigint[], x: bigint) => {
    let lo = 0;
    let hi = t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return times.map((ms) => {
    const end = BigInt(ms) * 1_000_000n;
    const start = end - BigInt(expr.rangeMs) * 1_000_000n;
    const vec: Vector = [];
    for (const s of series.values()) {
      // Entries in (t - range, t], as Loki's range vectors.
      const n = countAtOrBefore(s.t, end) - countAtOrBefore(s.t, start);
      if (n === 0) continue;
      vec.push({ labels: s.labels, v: expr.op === 'rate' ? n / (expr.rangeMs / 1000) : n });
    }
    return vec;
  });
}

function aggregate(e: Extract<LogQLExpr, { type: 'aggregate' }>, vec: Vector): Vector {
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const s of vec) {
    const labels: Labels = {};
    if (e.by) for (const l of e.by) if (s.labels[l] !== undefined) labels[l] = s.labels[l]!;
    if (e.without) for (const [k, x] of Object.entries(s.labels)) if (!e.without.includes(k)) labels[k] = x;
    const key = labelsKey(labels);
    const g = groups.get(key);
    if (g) g.values.push(s.v);
    else groups.set(key, { labels, values: [s.v] });
  }
  return [...groups.values()].map((g) => {
    const sum = g.values.reduce((a, b) => a + b, 0);
    const v =
      e.op === 'sum'
        ? sum
        : e.op === 'avg'
          ? sum / g.values.length
          : e.op === 'count'
            ? g.values.length
            : e.op === 'min'
              ? Math.min(...g.values)
              : Math.max(...g.values);
    return { labels: g.labels, v };
  });
}

/** A stream selector given as `match[]` (series, index stats): a selector with no pipeline. */
export function selectorOf(text: string, parse: (t: string) => LogQLExpr): LogSelector {
  const e = parse(text);
  if (e.type !== 'log') throw new PromQLError('bad_data', `${JSON.stringify(text)} is not a stream selector`);
  return e.selector;
}
