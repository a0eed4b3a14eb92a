import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { where } from '@rohas/telemetry/adapter';

/** Prefix of every error this package throws, as the team's error format asks. */
export const COMPONENT = where('integration-tests');

/** Make an error in the team format, keeping the cause. */
export function backendError(message: string, cause?: unknown): Error {
  return new Error(`${COMPONENT} ${message}`, cause === undefined ? undefined : { cause });
}

/** Reject with `message` when `promise` has not settled within timeoutMs (the run must never hang). */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(backendError(`${message} (no result within ${timeoutMs} ms)`)), timeoutMs);
      timer.unref();
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports (held open together so the kernel cannot hand out one twice). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const srv = createServer();
          srv.on('error', reject);
          srv.listen(0, '127.0.0.1', () => resolve(srv));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const addr = s.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  });
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

/** Find an executable on PATH (plus the sbin folders Debian puts servers in). */
export function which(name: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...extraDirs, ...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** The last lines of a log file, for error messages. */
export function tailFile(file: string, lines = 15): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Path of a plain-JS helper script that ships next to this file. */
export function helperScript(name: string): string {
  return fileURLToPath(new URL(`./${name}`, import.meta.url));
}

/** `fetch` bounded by a timeout (the run must never hang on a server that accepts but never answers). */
export async function fetchWithTimeout(url: string, init: RequestInit = {}, timeoutMs = 5000): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

export interface WaitOptions {
  /** Server name used in errors, e.g. `postgres (local)`. */
  name: string;
  timeoutMs: number;
  logFile?: string;
  /** When this process exits before the check passes, fail at once instead of waiting for the timeout. */
  child?: ChildProcess;
  intervalMs?: number;
}

/**
 * Poll `check` until it returns a value other than undefined, bounded by timeoutMs. The error names the
 * server, its log file and the log's last lines, plus the last error `check` threw.
 */
export async function waitUntil<T>(check: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError: unknown;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  };
  opts.child?.once('exit', onExit);
  if (opts.child && opts.child.exitCode !== null) onExit(opts.child.exitCode, opts.child.signalCode);
  try {
    while (Date.now() < deadline && !exited) {
      try {
        const value = await check();
        if (value !== undefined) return value;
      } catch (err) {
        lastError = err;
      }
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
  } finally {
    opts.child?.off('exit', onExit);
  }
  const why = exited ? `${exited} before it answered` : `did not answer within ${opts.timeoutMs} ms`;
  const last = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
  const log = opts.logFile
    ? `; log: ${opts.logFile}\n--- last lines of ${opts.logFile} ---\n${tailFile(opts.logFile)}`
    : '';
  throw backendError(`${opts.name} ${why}${last}${log}`, lastError);
}

/** Run a command to completion with a bounded time; throw with its output when it fails. */
export function runChecked(
  name: string,
  cmd: string,
  args: string[],
  opts: { uid?: number; gid?: number; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): string {
  const res = spawnSync(cmd, args, {
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 60_000,
    uid: opts.uid,
    gid: opts.gid,
    cwd: opts.cwd,
    env: opts.env ?? process.env,
  });
  if (res.error || res.status !== 0) {
    const why = res.error ? res.error.message : `exit code ${res.status}`;
    throw backendError(
      `${name}: \`${cmd} ${args.join(' ')}\` failed (${why})\n${res.stdout ?? ''}${res.stderr ?? ''}`,
      res.error,
    );
  }
  return `${res.stdout ?? ''}${res.stderr ?? ''}`;
}

/**
 * Run a command to completion without blocking the event loop (servers start in parallel), bounded:
 * after timeoutMs the command is killed and the error names it.
 */
export function runAsync(
  name: string,
  cmd: string,
  args: string[],
  opts: { uid?: number; gid?: number; cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    let out = '';
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: opts.uid,
      gid: opts.gid,
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(backendError(`${name}: \`${cmd} ${args.join(' ')}\` did not finish within ${timeoutMs} ms\n${out}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(backendError(`${name}: \`${cmd}\` could not run: ${err.message}`, err));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(backendError(`${name}: \`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit code ${code}`})\n${out}`));
    });
  });
}

/** Spawn a long-running server with stdout and stderr appended to its log file. */
export function spawnServer(
  cmd: string,
  args: string[],
  logFile: string,
  opts: {
    uid?: number;
    gid?: number;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    stdin?: 'pipe' | 'ignore';
    stdout?: 'pipe' | 'log';
  } = {},
): ChildProcess {
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, {
      stdio: [opts.stdin ?? 'ignore', opts.stdout === 'pipe' ? 'pipe' : fd, fd],
      uid: opts.uid,
      gid: opts.gid,
      cwd: opts.cwd,
      env: opts.env ?? process.env,
    });
    // An error event (e.g. ENOENT) without a listener would crash the run; waitUntil reports the exit instead.
    child.on('error', () => {});
    return child;
  } finally {
    closeSync(fd);
  }
}

/** Wait for a child to exit, bounded; true when it exited. */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Whether a pid is alive (signal 0). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until a pid is gone, bounded; true when it is gone. */
export async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!pidAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !pidAlive(pid);
}
