/** Flags that take the next argument as their value and load code into every thread that inherits them. */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

/**
 * The node flags a thread of this adapter starts with: the parent's, minus
 * - preloads (`--import`, `--require`/`-r`, `--loader`): a thread inherits them and would run them again. The zero-code
 *   entry `node --import @rohas/telemetry/register app.js` opens this adapter from its preload; a thread re-running
 *   it would open the adapter, start a thread, and so on, and the first write never returns;
 * - a `@rohas/source` resolve condition: the threads are compiled JavaScript and must load the compiled packages,
 *   even when the parent runs from TypeScript sources (tests, benchmarks).
 */
export function threadExecArgv(args: readonly string[] = process.execArgv): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--conditions=@rohas/source' || a === '-C=@rohas/source') continue;
    if ((a === '--conditions' || a === '-C') && args[i + 1] === '@rohas/source') {
      i++;
      continue;
    }
    if (PRELOAD_FLAGS.has(a)) {
      i++;
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0 && PRELOAD_FLAGS.has(a.slice(0, eq))) continue;
    out.push(a);
  }
  return out;
}
