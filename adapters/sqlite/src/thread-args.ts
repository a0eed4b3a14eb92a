import { workerEnv, workerExecArgv } from '@rohas/telemetry/adapter';

/**
 * The options a thread of this adapter starts with (the write thread and the read threads):
 * - the parent's node flags minus preloads (`--import`, `--require`/`-r`, `--loader`), here and in NODE_OPTIONS, with
 *   the core's worker helpers: a thread inherits them and would run them again. The zero-code entry
 *   `node --import @rohas/telemetry/register app.js` opens this adapter from its preload; a thread re-running it would
 *   open the adapter, start a thread, and so on, and the first write never returns;
 * - minus a `@rohas/source` resolve condition: the threads are compiled JavaScript and must load the compiled
 *   packages, even when the parent runs from TypeScript sources (tests, benchmarks).
 */
export function threadOptions(args: readonly string[] = process.execArgv): {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
} {
  const out: string[] = [];
  const kept = workerExecArgv(args);
  for (let i = 0; i < kept.length; i++) {
    const a = kept[i]!;
    if (a === '--conditions=@rohas/source' || a === '-C=@rohas/source') continue;
    if ((a === '--conditions' || a === '-C') && kept[i + 1] === '@rohas/source') {
      i++;
      continue;
    }
    out.push(a);
  }
  return { execArgv: out, env: workerEnv() };
}
