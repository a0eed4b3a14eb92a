/**
 * What a test run started, stopped at its end (and by a reaper process if the run itself is killed): the cleanup
 * registry and the helpers that register servers with it. Split out of process-utils.ts, which keeps the process and
 * port helpers this file builds on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { backendError, helperScript, pidAlive, waitForExit, withTimeout } from './process-utils.js';

interface CleanupEntry {
  id: string;
  /** Graceful, awaited stop used at the end of a normal run. */
  stop: () => Promise<void>;
  /** Process to signal when the run is interrupted (synchronous path). */
  pid?: number;
  /** Or a file whose first line is that pid (a daemon such as the postmaster). */
  pidFile?: string;
  signal?: NodeJS.Signals;
}

/**
 * Everything the run started, stopped in reverse order at the end. Three layers make sure nothing
 * outlives the run: `stopAll()` from the globalSetup teardown; `emergencyStop()` (synchronous: signals
 * only) from SIGINT/SIGTERM/exit handlers, because vitest exits on SIGINT without running teardowns;
 * and a detached reaper process that notices when this process is gone (its stdin pipe closes) and
 * kills what is left — the only layer that survives a SIGKILL of the run.
 */
export class Cleanup {
  private entries: CleanupEntry[] = [];
  private dirs: string[] = [];
  private reaper: ChildProcess | undefined;
  private stopped = false;

  constructor(reaperLog?: string) {
    if (process.env.ROHAS_TEST_NO_REAPER === '1') return;
    const fd = reaperLog ? openSync(reaperLog, 'a') : 'ignore';
    try {
      this.reaper = spawn(process.execPath, [helperScript('reaper.mjs')], {
        detached: true,
        stdio: ['pipe', 'ignore', fd],
      });
      this.reaper.on('error', () => {});
      this.reaper.stdin?.on('error', () => {});
      this.reaper.unref();
      // The pipe must not keep the run alive either.
      (this.reaper.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    } finally {
      if (typeof fd === 'number') closeSync(fd);
    }
  }

  private send(msg: unknown): void {
    try {
      this.reaper?.stdin?.write(`${JSON.stringify(msg)}\n`);
    } catch {}
  }

  /** A supervised server was restarted with a new pid. */
  updatePid(id: string, pid: number | undefined): void {
    const entry = this.entries.find((e) => e.id === id);
    if (!entry) return;
    entry.pid = pid;
    if (pid) this.send({ add: { id, pid, signal: entry.signal ?? 'SIGTERM' } });
  }

  /** Register a server; `pid`/`signal` is what the interrupt path sends. */
  add(entry: CleanupEntry): void {
    this.entries.push(entry);
    if (entry.pid || entry.pidFile) {
      this.send({ add: { id: entry.id, pid: entry.pid, pidFile: entry.pidFile, signal: entry.signal ?? 'SIGTERM' } });
    }
  }

  /** A folder removed at the end (kept when keepDirs() was called, e.g. after a server failed). */
  addDir(dir: string): void {
    this.dirs.push(dir);
    this.send({ dir });
  }

  private keep = false;
  keepDirs(): void {
    this.keep = true;
    for (const dir of this.dirs) this.send({ keepDir: dir });
  }

  /** Stop everything (awaited, each stop bounded by the caller's own timeouts), then remove folders. */
  async stopAll(): Promise<string[]> {
    if (this.stopped) return [];
    this.stopped = true;
    const errors: string[] = [];
    const entries = this.entries.reverse();
    this.entries = [];
    await Promise.all(
      entries.map(async (e) => {
        try {
          await withTimeout(e.stop(), 30_000, `stopping ${e.id}`);
        } catch (err) {
          errors.push(`${e.id}: ${err instanceof Error ? err.message : String(err)}`);
          if (e.pid && pidAlive(e.pid)) {
            try {
              process.kill(e.pid, 'SIGKILL');
            } catch {}
          }
        }
        this.send({ remove: e.id });
      }),
    );
    if (!this.keep) {
      for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    }
    this.send({ done: true });
    this.reaper?.stdin?.end();
    return errors;
  }

  /** Synchronous: signal every process; the reaper finishes the job after this process exits. */
  emergencyStop(): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const e of this.entries) {
      const pid = e.pid ?? (e.pidFile ? pidFromFile(e.pidFile) : undefined);
      if (!pid) continue;
      try {
        process.kill(pid, e.signal ?? 'SIGTERM');
      } catch {}
    }
    // Folders are removed by the reaper once the processes are gone (removing a live data dir here
    // would make the servers log confusing errors). Without a reaper, remove them now.
    if (!this.reaper && !this.keep) {
      for (const dir of this.dirs) {
        try {
          rmSync(dir, { recursive: true, force: true });
        } catch {}
      }
    }
  }
}

/** The pid on the first line of a pid file, or undefined. */
export function pidFromFile(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').split('\n')[0] ?? '', 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Read the postmaster pid from a PostgreSQL data folder. */
export function postmasterPid(dataDir: string): number | undefined {
  return pidFromFile(join(dataDir, 'postmaster.pid'));
}

/**
 * Registers a local server child for the end of the run: SIGTERM, then SIGKILL after 10 s (reported as an error,
 * with the server's log).
 */
export function stopChildOnCleanup(
  cleanup: Cleanup,
  id: string,
  title: string,
  child: ChildProcess,
  logFile: string,
): void {
  cleanup.add({
    id,
    ...(child.pid !== undefined ? { pid: child.pid } : {}),
    signal: 'SIGTERM',
    stop: async () => {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 10_000))) {
        child.kill('SIGKILL');
        throw backendError(`${title} did not stop on SIGTERM; killed. log: ${logFile}`);
      }
    },
  });
}
