// The `rohas-telemetry serve` the server and gRPC benchmarks send to: over a SQLite file, in a separate process (as in
// production) or in this process (startServer), and the OTLP/HTTP send that retries what the server throttles.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@rohas/integration-tests/process-utils';
import { loadConfig, openStorage } from '@rohas/telemetry';
import { startServer } from '@rohas/telemetry-server';

const here = dirname(fileURLToPath(import.meta.url));
const cli = resolve(here, '../../packages/server/dist/cli.js');
const loopDelayPreload = resolve(here, 'loop-delay-preload.mjs');
const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `dir/rohas.toml`: a SQLite store at `dbPath` (default `dir/db`), no retention, plus the `[telemetry]` keys in
 * `ROHAS_BENCH_EXTRA_TOML` (newlines as `\n`; for an A/B of a key, e.g. `max_cache_size = 0`) and `extra` TOML lines.
 */
export function writeSqliteConfig(dir: string, options: { dbPath?: string; extra?: string } = {}): string {
  const config = join(dir, 'rohas.toml');
  const path = (options.dbPath ?? join(dir, 'db')).replaceAll('\\', '/');
  const fromEnv = (process.env.ROHAS_BENCH_EXTRA_TOML ?? '').replaceAll('\\n', '\n');
  writeFileSync(
    config,
    `[telemetry]\ntype = "sqlite"\npath = "${path}"\nretention_days = 0\n${fromEnv}\n${options.extra ?? ''}`,
  );
  return config;
}

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** The server's own event-loop delay since the last reset (ms), from loop-delay-preload.mjs. */
  loopDelay(): Promise<{
    maxMs: number;
    p99Ms: number;
    meanMs: number;
    mainThreadCpuMs?: number;
    /** The main thread's GC pauses since the last reset: their sum and the longest, ms. */
    gcMs: number;
    gcMaxMs: number;
  }>;
  resetLoopDelay(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `rohas-telemetry serve --config <config>` on a free port; resolves once it says "listening on". */
export async function startServerProcess(config: string): Promise<ServerProcess> {
  const port = await freePort();
  const prof = process.env.ROHAS_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.ROHAS_BENCH_PROF}`] : [];
  const child = spawn(
    process.execPath,
    ['--import', loopDelayPreload, ...prof, cli, 'serve', '--config', config, '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  await new Promise<void>((res, rej) => {
    child.once('exit', (code) => rej(new Error(`[bench] server exited with ${code}`)));
    // "listening on" is a diagnostic: stderr; the rest of stderr is passed through.
    child.stdout!.resume();
    child.stderr!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) res();
      else process.stderr.write(chunk);
    });
  });
  const ask = <T>(request: string) =>
    new Promise<T>((res) => {
      const onMessage = (m: { loopDelay?: T }) => {
        if (m?.loopDelay === undefined) return;
        child.off('message', onMessage);
        res(m.loopDelay);
      };
      child.on('message', onMessage);
      child.send({ loopDelay: request });
    });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    loopDelay: () => ask('read'),
    resetLoopDelay: async () => {
      await ask('reset');
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `startServer` (OTLP/HTTP and OTLP/gRPC) over a fresh SQLite file in `dir`, in this process. */
export async function startServerInProcess(dir: string) {
  const storage = await openStorage(loadConfig(writeSqliteConfig(dir)), { logger: silent });
  const server = await startServer({ storage, port: 0, grpcPort: 'any', logger: silent });
  const written = () => (storage.stats() as { traces?: { written: number } }).traces?.written ?? 0;
  return {
    url: server.url,
    grpcPort: server.grpcPort!,
    written,
    close: async () => {
      await server.close();
      await storage.shutdown();
    },
  };
}

/** The server's committed span count (`/telemetry/stats`). */
export async function writtenSpans(url: string): Promise<number> {
  const res = await fetch(`${url}/telemetry/stats`);
  const body = (await res.json()) as { stats: { traces?: { written: number } } };
  return body.stats.traces?.written ?? 0;
}

/**
 * POSTs one OTLP/HTTP protobuf body until it is answered 200: waits out 429/503 (Retry-After) and resends after a
 * connection reset. Returns how many times it was throttled and reset.
 */
export async function postTraces(url: string, body: Uint8Array): Promise<{ throttled: number; resets: number }> {
  let throttled = 0;
  let resets = 0;
  for (;;) {
    let res: Response;
    try {
      res = await fetch(`${url}/v1/traces`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-protobuf' },
      });
    } catch (error) {
      // A keep-alive connection closed by the server as the request went out: send it again (counted).
      if (++resets > 20) throw error;
      continue;
    }
    await res.arrayBuffer();
    if (res.status === 200) return { throttled, resets };
    if (res.status !== 429 && res.status !== 503) throw new Error(`[bench] export answered ${res.status}`);
    throttled++;
    await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
  }
}
