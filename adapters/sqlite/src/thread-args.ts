import { workerThreadOptions } from '@rohas/telemetry/adapter';

/**
 * The options a thread of this adapter starts with (the write thread and the read threads): the kit's
 * `workerThreadOptions` — the parent's node flags minus preloads (a thread re-running the zero-code preload would open
 * this adapter again, start a thread, and so on, and the first write never returns) and minus the `@rohas/source`
 * condition (the threads are compiled JavaScript).
 */
export function threadOptions(args: readonly string[] = process.execArgv): {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
} {
  return workerThreadOptions(args);
}
