// Real TimescaleDB 2.23 for the benchmarks: PGlite with TimescaleDB served on a loopback port by the integration
// tests' own server script (integration-tests/src/backends/pglite-timescaledb-server.mjs), in its own process, its
// data in `dataDir` (kept between runs). It serves ONE connection at a time: give every pool max 1 and a short idle
// timeout, and never hold two connections at once.
import { spawn } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(
  new URL('../../integration-tests/src/backends/pglite-timescaledb-server.mjs', import.meta.url),
);

export async function startPglite(
  dataDir: string,
  timeoutMs = 600_000,
): Promise<{ url: string; version: string; stop: () => Promise<void> }> {
  mkdirSync(dataDir, { recursive: true });
  const log = openSync(join(dataDir, '..', `${dataDir.split('/').pop()}-pglite.log`), 'a');
  const child = spawn(process.execPath, [SCRIPT, '--data', join(dataDir, 'pgdata'), '--port', '0'], {
    stdio: ['pipe', 'pipe', log],
    cwd: dataDir,
  });
  const ready = await new Promise<{ port: number; serverVersion: string; extversion: string }>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`[bench] PGlite did not start within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      resolve(JSON.parse(out.slice(0, nl)));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`[bench] PGlite exited with ${code} before it answered (log beside ${dataDir})`));
    });
  });
  return {
    url: `postgres://postgres@127.0.0.1:${ready.port}/postgres`,
    version: `PostgreSQL ${ready.serverVersion} (PGlite, WebAssembly) with TimescaleDB ${ready.extversion}`,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
