/** Parsing and formatting of times, durations, severities and attribute values, shared by every view. */
import type { JsonAttributeValue } from './api-types.ts';

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
  w: 604800e9,
};
const DURATION_RE = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)$/;

/** A duration as the API takes it (`250ms`, `1.5s`, integer ns) to nanoseconds; `undefined` when it does not parse. */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const m = DURATION_RE.exec(t);
  if (!m) return undefined;
  return Number(m[1]) * UNIT_NS[m[2]!]!;
}

/**
 * A time as the API takes it (`now`, `now-15m`, ISO-8601, integer ns) to nanoseconds since the epoch.
 * The Workbench resolves relative times itself so a chart's axis and its query use the same instant.
 */
export function parseTime(text: string, nowMs: number = Date.now()): bigint | undefined {
  const t = text.trim();
  if (t === '' || t === 'now') return BigInt(Math.round(nowMs)) * 1_000_000n;
  const rel = /^now\s*-\s*(.+)$/.exec(t);
  if (rel) {
    const d = parseDuration(rel[1]!);
    return d === undefined ? undefined : BigInt(Math.round(nowMs)) * 1_000_000n - BigInt(Math.round(d));
  }
  if (/^\d+$/.test(t)) return BigInt(t);
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : BigInt(ms) * 1_000_000n;
}

/** Nanoseconds (number or decimal string) to a short human duration: `850µs`, `12.3ms`, `2.51s`, `3m 20s`. */
export function formatDuration(ns: number | string | bigint): string {
  const n = typeof ns === 'number' ? ns : Number(ns);
  const a = Math.abs(n);
  if (a === 0) return '0';
  if (a < 1e3) return `${round(n)}ns`;
  if (a < 1e6) return `${round(n / 1e3)}µs`;
  if (a < 1e9) return `${round(n / 1e6)}ms`;
  if (a < 60e9) return `${round(n / 1e9)}s`;
  if (a < 3600e9) return `${Math.floor(n / 60e9)}m ${Math.round((n % 60e9) / 1e9)}s`;
  return `${Math.floor(n / 3600e9)}h ${Math.round((n % 3600e9) / 60e9)}m`;
}

function round(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** Epoch nanoseconds (decimal string) to epoch milliseconds. */
export function nsToMs(ns: string | bigint): number {
  return Number(BigInt(ns) / 1000n) / 1000;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** Local wall-clock time with milliseconds: `2026-11-23 13:04:05.123`. */
export function formatTimestamp(ns: string | bigint, withDate = true): string {
  const d = new Date(nsToMs(ns));
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time;
}

/** "3m ago" style age of an epoch-ns instant. */
export function formatAge(ns: string | bigint, nowMs = Date.now()): string {
  const s = Math.max(0, (nowMs - nsToMs(ns)) / 1000);
  if (s < 60) return `${Math.round(s)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** Severity names of the OpenTelemetry log data model, by the first number of each range. */
export const SEVERITIES = [
  { name: 'TRACE', number: 1 },
  { name: 'DEBUG', number: 5 },
  { name: 'INFO', number: 9 },
  { name: 'WARN', number: 13 },
  { name: 'ERROR', number: 17 },
  { name: 'FATAL', number: 21 },
] as const;

export function severityName(n: number, text?: string): string {
  if (n <= 0) return text || 'UNSET';
  let name = 'TRACE';
  for (const s of SEVERITIES) if (n >= s.number) name = s.name;
  return name;
}

/** An attribute value as text: strings as they are, everything else as compact JSON. */
export function valueText(v: JsonAttributeValue | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const STATUS_NAMES = ['unset', 'ok', 'error'];

/** A stable colour per service name, chosen from a palette that reads on light and dark backgrounds. */
const PALETTE = [
  '#3b82f6',
  '#10b981',
  '#f59e0b',
  '#8b5cf6',
  '#ec4899',
  '#14b8a6',
  '#f97316',
  '#6366f1',
  '#84cc16',
  '#06b6d4',
  '#a855f7',
  '#eab308',
];
export function colorFor(key: string): string {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return PALETTE[(h >>> 0) % PALETTE.length]!;
}
export function paletteColor(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A "nice" step (1, 2, 5 × 10^k) near `raw`, for chart buckets and axis ticks. */
export function niceStep(raw: number): number {
  if (raw <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

/** A step for a metric window that gives about `buckets` points, as a duration string the API takes. */
export function autoStep(windowNs: number, buckets = 120): string {
  const choices = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
  const want = windowNs / 1e9 / buckets;
  const s = choices.find((c) => c >= want) ?? 86400;
  return s % 3600 === 0 ? `${s / 3600}h` : s % 60 === 0 ? `${s / 60}m` : `${s}s`;
}

/** Short form of a hex id for dense lists. */
export function shortId(id: string, n = 8): string {
  return id.length > n ? id.slice(0, n) : id;
}

/** 1234 -> 1.23k, 0.000123 -> 1.23e-4, for axis labels. */
export function compactNumber(v: number): string {
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e9) return `${+(v / 1e9).toFixed(2)}G`;
  if (a >= 1e6) return `${+(v / 1e6).toFixed(2)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 1) return `${+v.toFixed(2)}`;
  if (a >= 0.001) return `${+v.toFixed(4)}`;
  return v.toExponential(2);
}
