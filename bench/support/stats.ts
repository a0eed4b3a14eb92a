// Small helpers shared by the benchmarks: percentiles, ratios and a plain-text table.

export function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The largest value (NaN for none), without spreading the array into arguments: a bench collects 100,000+ samples. */
export function maxOf(values: readonly number[]): number {
  let max = values.length ? Number.NEGATIVE_INFINITY : Number.NaN;
  for (const v of values) if (v > max) max = v;
  return max;
}

export function median(values: number[]): number {
  return percentile(values, 0.5);
}

/** Wall-clock milliseconds of a synchronous function. */
export function timeIt(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/** `value / limit` with two decimals; `inverse` for latencies, where the raw limit is the smaller number. */
export function ratio(value: number, limit: number, inverse = false): string {
  if (!Number.isFinite(value) || !Number.isFinite(limit) || limit === 0) return 'n/a';
  return (inverse ? value / limit : value / limit).toFixed(2);
}

/** Prints rows of [label, figure, ratio to the raw limit]. */
export function printTable(title: string, rows: Array<[string, number | string, number | string]>): void {
  console.log(`## ${title}`);
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [label, value, r] of rows) {
    const v = typeof value === 'number' ? Math.round(value).toLocaleString('en-US') : value;
    console.log(`  ${label.padEnd(w)}  ${String(v).padStart(16)}  ${r === '' ? '' : `ratio ${r}`}`);
  }
  console.log('');
}
