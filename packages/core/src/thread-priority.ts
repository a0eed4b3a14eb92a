import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/**
 * Background threads — the SQLite write thread and search threads, the server's OTLP decode threads — run this many
 * nice steps below the thread that started them, so that on a machine with fewer cores than busy threads the
 * scheduler gives the event loop (the server's /healthz, its answers, the application's own requests) and the quick
 * reads their turn first, and the bulk work takes what is left. The background work is not slower when cores are
 * free: nice only orders threads that compete. The same idea as RocksDB's `Env::LowerThreadPoolCPUPriority`, which
 * lowers its compaction threads below the foreground ones.
 */
export const BACKGROUND_NICE_STEPS = 5;

/**
 * The steps to use: `ROHAS_BACKGROUND_NICE` (an integer 0–19; 0 leaves every thread at its parent's priority) or
 * {@link BACKGROUND_NICE_STEPS}. Another value is reported on stderr by each thread that reads it, and the default
 * is used.
 */
export function backgroundNiceSteps(env: NodeJS.ProcessEnv = process.env): number {
  const text = env.ROHAS_BACKGROUND_NICE;
  if (text === undefined || text === '') return BACKGROUND_NICE_STEPS;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 0 && n <= 19) return n;
  console.warn(
    `[rohas-telemetry] ROHAS_BACKGROUND_NICE="${text}" is not an integer from 0 to 19; background threads use ${BACKGROUND_NICE_STEPS} nice steps`,
  );
  return BACKGROUND_NICE_STEPS;
}

/**
 * Lowers the calling worker thread's CPU priority by `steps` nice steps (at most to 19), on Linux, where a thread has
 * a nice value of its own (`setpriority` on its thread id, read from `/proc/thread-self`). Returns the thread's new
 * nice value, or undefined where nothing was changed: the main thread (never lowered), another platform, `steps` <= 0,
 * or a system that refuses (a container without /proc). Never throws: a priority is a preference, not a requirement.
 */
export function lowerThreadPriority(steps: number = backgroundNiceSteps()): number | undefined {
  if (isMainThread || process.platform !== 'linux' || !(steps > 0)) return undefined;
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return undefined;
    const next = Math.min(19, getPriority(tid) + Math.floor(steps));
    setPriority(tid, next);
    return getPriority(tid);
  } catch {
    return undefined;
  }
}
