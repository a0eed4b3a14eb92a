// What the ClickHouse benchmarks share: the chdb engine served over HTTP by the integration tests' bridge, and the
// adapter opened on it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-clickhouse';
import { chdbDir } from '../../integration-tests/src/backends/clickhouse.js';

export const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };

export interface Bridge {
  url: string;
  stop: () => Promise<void>;
}

/**
 * Serves chdb over HTTP with the integration tests' bridge. With `dataDir` the engine keeps its data there (a store
 * that outlives the run); without, in a throwaway folder removed at stop.
 */
export async function startBridge(dataDir?: string): Promise<Bridge> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'rohas-bench-ch-'));
  const data = dataDir ?? join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const bridge = new URL('../../integration-tests/src/backends/chdb-http-server.mjs', import.meta.url).pathname;
  const child: ChildProcess = spawn(
    process.execPath,
    [bridge, '--chdb', chdbDir(process.env), '--data', data, '--user', 'bench', '--password', 'bench'],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))).port);
    });
    child.once('exit', (code) =>
      reject(new Error(`the chdb bridge exited (${code}); run scripts/install-test-backends`)),
    );
  });
  return {
    url: `http://bench:bench@127.0.0.1:${port}`,
    stop: async () => {
      // The bridge closes its chdb session on SIGTERM; wait for it so the store is left consistent.
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(timer);
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function openAdapter(
  url: string,
  database: string,
  compress: boolean,
  requestTimeoutMs?: number,
): Promise<TelemetryAdapter> {
  const u = new URL(url);
  const a = (await createAdapter({
    options: {
      type: 'clickhouse',
      url: `${u.protocol}//${u.host}`,
      username: decodeURIComponent(u.username) || 'default',
      password: decodeURIComponent(u.password),
      database,
      compress,
      ...(requestTimeoutMs ? { request_timeout_ms: requestTimeoutMs } : {}),
    },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger: silent,
    baseDir: '.',
  })) as TelemetryAdapter;
  await a.init();
  return a;
}
