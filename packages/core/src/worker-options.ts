/**
 * Options for the worker threads the project starts (the SQLite write and read threads), so that a preload such as
 * `node --import @rohas/telemetry/register app.js` runs once, in the main thread, and never again in a worker.
 *
 * Node 20 gives a worker the parent's `execArgv` (so `--import`/`--require` run again in it), and when `execArgv` is
 * passed explicitly it parses `NODE_OPTIONS` from the worker's `env` (a copy of `process.env` by default) — so both
 * must be filtered: a preload that opens storage would otherwise start a writer thread that runs the preload, which
 * opens storage and starts another thread, without end.
 */

/** Node flags that load code before the entry point: preloads and loader hooks. */
const PRELOAD_FLAGS = new Set(['--import', '--require', '-r', '--loader', '--experimental-loader']);

function isPreloadWithValue(arg: string): boolean {
  const eq = arg.indexOf('=');
  return eq > 0 && PRELOAD_FLAGS.has(arg.slice(0, eq));
}

/** Removes preload flags (`--import X`, `--import=X`, `--require`, `-r`, `--loader`, `--experimental-loader`). */
export function withoutPreloads(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (PRELOAD_FLAGS.has(a)) {
      i++; // the flag's value is the next argument
      continue;
    }
    if (isPreloadWithValue(a)) continue;
    out.push(a);
  }
  return out;
}

/**
 * Splits NODE_OPTIONS the way Node does (`ParseNodeOptionsEnvVar`): whitespace separates, double quotes group and a
 * backslash inside quotes escapes the next character.
 */
export function splitNodeOptions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let has = false;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) {
      current += text[++i];
      continue;
    }
    if (c === '"') {
      quoted = !quoted;
      has = true;
      continue;
    }
    if (!quoted && /\s/.test(c)) {
      if (has) out.push(current);
      current = '';
      has = false;
      continue;
    }
    current += c;
    has = true;
  }
  if (has) out.push(current);
  return out;
}

function quoteNodeOption(arg: string): string {
  return /[\s"\\]/.test(arg) ? `"${arg.replace(/["\\]/g, '\\$&')}"` : arg;
}

/** The parent's node flags minus preloads: pass as a Worker's `execArgv`. */
export function workerExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  return withoutPreloads(execArgv);
}

/** A copy of the environment whose NODE_OPTIONS has no preloads: pass as a Worker's `env`. */
export function workerEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const copy = { ...env };
  if (copy.NODE_OPTIONS) {
    const kept = withoutPreloads(splitNodeOptions(copy.NODE_OPTIONS));
    if (kept.length > 0) copy.NODE_OPTIONS = kept.map(quoteNodeOption).join(' ');
    else delete copy.NODE_OPTIONS;
  }
  return copy;
}

/** The `@rohas/source` resolve condition (this repository's TypeScript sources), in either spelling. */
function withoutSourceCondition(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--conditions=@rohas/source' || a === '-C=@rohas/source') continue;
    if ((a === '--conditions' || a === '-C') && args[i + 1] === '@rohas/source') {
      i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/**
 * `{ execArgv, env }` for `new Worker(file, { ...workerThreadOptions(), workerData })`: the parent's node flags minus
 * preloads (here and in NODE_OPTIONS: a thread inherits them and would run them again — the zero-code entry opens an
 * adapter from its preload, a thread re-running it would open the adapter, start a thread, and so on) and minus a
 * `@rohas/source` resolve condition (a thread is compiled JavaScript and must load the compiled packages, even when
 * the parent runs from TypeScript sources, as the tests and benchmarks do). Used by the SQLite adapter's threads and
 * the server's decode thread.
 */
export function workerThreadOptions(execArgv: readonly string[] = process.execArgv): {
  execArgv: string[];
  env: NodeJS.ProcessEnv;
} {
  return { execArgv: withoutSourceCondition(workerExecArgv(execArgv)), env: workerEnv() };
}
