import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, openStorage, type Signal, type TelemetryConfig, type TelemetryStorage } from '@rohas/telemetry';

/** The examples folder: children run from here so `@rohas/telemetry` resolves to the workspace's built package. */
export const examplesDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A temporary folder removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `rohas-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The environment of a child: the test's own minus anything that would change what is measured. */
export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env))
    if (k.startsWith('OTEL_') || k.startsWith('ROHAS_') || k === 'NODE_OPTIONS') delete env[k];
  for (const [k, v] of Object.entries(extra))
    if (v === undefined) delete env[k];
    else env[k] = v;
  return env;
}

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Collects a child's output and resolves when it exits; kills it (and fails) after `timeoutMs`. */
export function finished(child: ChildProcess, timeoutMs: number): Promise<Finished> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain their last chunks.
      setImmediate(() => resolve({ code, signal, stdout, stderr }));
    });
  });
}

/** Runs `node ...args` to completion. */
export function runNode(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<Finished> {
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? examplesDir, env: options.env });
  return finished(child, options.timeoutMs ?? 30_000);
}

/** A running server child: the port it printed (`listening on PORT` on stdout), and how to stop it. */
export interface RunningApp {
  port: number;
  child: ChildProcess;
  /** Sends SIGTERM and resolves with the exit and how long it took. */
  stop(signal?: NodeJS.Signals): Promise<Finished & { ms: number }>;
}

/** Starts `node ...args` and waits for its `listening on PORT` line. */
export function startApp(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number },
): Promise<RunningApp> {
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? examplesDir, env: options.env });
  const done = finished(child, 120_000);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "listening on" line within ${options.timeoutMs ?? 20_000} ms: ${out}`));
    }, options.timeoutMs ?? 20_000);
    done.then(
      (f) => {
        clearTimeout(timer);
        reject(new Error(`exited before listening (code ${f.code}):\n${f.stdout}\n${f.stderr}`));
      },
      () => {},
    );
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        child,
        async stop(signal = 'SIGTERM') {
          const t0 = performance.now();
          child.kill(signal);
          const f = await done;
          return { ...f, ms: performance.now() - t0 };
        },
      });
    });
  });
}

/** Opens the store a child wrote to (read-only use), for reading back what it stored. */
export async function openStore(path: string, overrides: Partial<TelemetryConfig> = {}): Promise<TelemetryStorage> {
  return openStorage(defaultConfig({ path, ...overrides }), {});
}

export type { Signal };
