import type { SignalName } from '../../data-move.js';
import { parseDuration } from '../../params.js';
import { now, time, UsageError } from '../support.js';

/** Options export and copy share: the time window, the signals and the metric step. */
export const WINDOW_OPTIONS = {
  start: { type: 'string' },
  end: { type: 'string' },
  signals: { type: 'string' },
  step: { type: 'string' },
} as const;

export function windowFrom(
  values: { start?: string; end?: string; signals?: string; step?: string },
  defaultLengthNano: bigint,
): { start: bigint; end: bigint; signals: SignalName[]; metricStepNano?: bigint } {
  const end = time(values.end, '--end') ?? now();
  const start = time(values.start, '--start') ?? end - defaultLengthNano;
  const step = values.step === undefined ? undefined : parseDuration(values.step, '--step');
  return { start, end, signals: signalsOf(values.signals), ...(step === undefined ? {} : { metricStepNano: step }) };
}

function signalsOf(value: string | undefined): SignalName[] {
  if (value === undefined) return ['traces', 'logs', 'metrics'];
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list)
    if (s !== 'traces' && s !== 'logs' && s !== 'metrics')
      throw new UsageError(`--signals: unknown signal ${JSON.stringify(s)} (traces, logs, metrics)`);
  return list as SignalName[];
}

export const HOUR = 3_600_000_000_000n;
