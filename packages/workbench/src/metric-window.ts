/** A metric view's window: start/end/step from the URL resolved once, so a chart's axis and its query agree. */
import { autoStep, parseDuration, parseTime } from './format.ts';

/** Resolved window: nanosecond bounds and the step the API is asked for. */
export interface MetricWindow {
  startNs: bigint;
  endNs: bigint;
  step: string;
}

export function resolveWindow(start: string, end: string, step: string): MetricWindow | Error {
  const now = Date.now();
  const s = parseTime(start || 'now-1h', now);
  const e = end ? parseTime(end, now) : parseTime('now', now);
  if (s === undefined) return new Error(`Start "${start}" is not a time`);
  if (e === undefined) return new Error(`End "${end}" is not a time`);
  if (e <= s) return new Error('The window ends before it starts');
  if (step && parseDuration(step) === undefined) return new Error(`Step "${step}" is not a duration`);
  return { startNs: s, endNs: e, step: step || autoStep(Number(e - s)) };
}
