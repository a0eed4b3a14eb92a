import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseInfo } from '../types.js';
import { startContainer } from './containers.js';
import type { Provider, ProviderContext, StartedBackend } from './internal-types.js';
import {
  backendError,
  fetchWithTimeout,
  helperScript,
  spawnServer,
  tailFile,
  waitForExit,
  waitUntil,
} from './process-utils.js';

/** The chdb version scripts/install-test-backends installs (its engine is ClickHouse 26.7). */
export const CHDB_VERSION = '3.4.0';
const IMAGE = 'clickhouse/clickhouse-server:25.8';

/**
 * Where scripts/install-test-backends put chdb (546 MB, kept out of the repository's `npm ci`):
 * ROHAS_TEST_CHDB_DIR, else $XDG_CACHE_HOME/rohas-telemetry/chdb, else ~/.cache/rohas-telemetry/chdb.
 */
export function chdbDir(env: NodeJS.ProcessEnv): string {
  return (
    env.ROHAS_TEST_CHDB_DIR ||
    join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'rohas-telemetry', 'chdb')
  );
}

function chdbInstalled(dir: string): string | undefined {
  const pkg = join(dir, 'node_modules', 'chdb', 'package.json');
  if (!existsSync(pkg)) return `chdb is not installed in ${dir}`;
  const engine = join(dir, 'node_modules', '@chdb', 'lib-linux-x64-gnu');
  const arm = join(dir, 'node_modules', '@chdb', 'lib-linux-arm64-gnu');
  if (process.platform === 'linux' && !existsSync(engine) && !existsSync(arm))
    return `chdb is in ${dir} but its engine package (@chdb/lib-linux-*) is missing`;
  return undefined;
}

async function serverVersion(url: string, username: string, password: string): Promise<string> {
  const res = await fetchWithTimeout(`${url}/?query=${encodeURIComponent('SELECT version()')}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}` },
  });
  const text = (await res.text()).trim();
  if (!res.ok) throw backendError(`clickhouse: ${url} answered ${res.status}: ${text}`);
  return text;
}

export const clickhouseProvider: Provider<'clickhouse'> = {
  name: 'clickhouse',
  title: 'ClickHouse',
  installHint: `scripts/install-test-backends   (installs chdb@${CHDB_VERSION}, ClickHouse's engine, into ~/.cache/rohas-telemetry/chdb or ROHAS_TEST_CHDB_DIR), or run with a Docker engine, or set ROHAS_TEST_CLICKHOUSE_URL (and ROHAS_TEST_CLICKHOUSE_USER, ROHAS_TEST_CLICKHOUSE_PASSWORD)`,

  async fromEnv(ctx) {
    const env = ctx.settings.env;
    const url = env.ROHAS_TEST_CLICKHOUSE_URL?.replace(/\/+$/, '');
    if (!url) return undefined;
    const username = env.ROHAS_TEST_CLICKHOUSE_USER || 'default';
    const password = env.ROHAS_TEST_CLICKHOUSE_PASSWORD || '';
    const version = await serverVersion(url, username, password);
    const info: ClickHouseInfo = { url, username, password, version, engine: 'server', source: 'env' };
    if (env.ROHAS_TEST_CLICKHOUSE_CLUSTER) info.cluster = env.ROHAS_TEST_CLICKHOUSE_CLUSTER;
    return { info, detail: url };
  },

  async container(ctx): Promise<StartedBackend<'clickhouse'>> {
    const image = ctx.settings.env.ROHAS_TEST_CLICKHOUSE_IMAGE || IMAGE;
    const username = 'rohas';
    const password = 'rohas-test-password';
    const c = await startContainer(ctx, {
      id: 'clickhouse',
      image,
      port: 8123,
      env: { CLICKHOUSE_USER: username, CLICKHOUSE_PASSWORD: password, CLICKHOUSE_DEFAULT_ACCESS_MANAGEMENT: '1' },
      wait: (w) => w.forHttp('/ping', 8123).forStatusCode(200),
    });
    const url = `http://${c.getHost()}:${c.getMappedPort(8123)}`;
    const version = await waitUntil(() => serverVersion(url, username, password).catch(() => undefined), {
      name: 'clickhouse (container)',
      timeoutMs: 30_000,
    });
    return { info: { url, username, password, version, engine: 'server', source: 'container' }, detail: image };
  },

  async localUnavailable(ctx: ProviderContext) {
    return chdbInstalled(chdbDir(ctx.settings.env));
  },

  async local(ctx) {
    const cache = chdbDir(ctx.settings.env);
    const dir = join(ctx.settings.baseDir, 'clickhouse');
    mkdirSync(dir, { recursive: true });
    const logFile = join(dir, 'chdb-http.log');
    const username = 'rohas';
    const password = randomBytes(9).toString('base64url');
    const child = spawnServer(
      process.execPath,
      [
        helperScript('chdb-http-server.mjs'),
        '--chdb',
        cache,
        '--data',
        join(dir, 'data'),
        '--user',
        username,
        '--password',
        password,
      ],
      logFile,
      { stdin: 'pipe', stdout: 'pipe', cwd: dir },
    );
    // The child exits when its stdin closes (this process died); the pipes must not hold the run open.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    const timeoutMs = ctx.settings.localStartTimeoutMs;
    ctx.cleanup.add({
      id: 'clickhouse',
      pid: child.pid,
      signal: 'SIGTERM',
      stop: async () => {
        child.kill('SIGTERM');
        if (!(await waitForExit(child, 7_000))) {
          child.kill('SIGKILL');
          throw backendError(`clickhouse (local chdb) did not stop on SIGTERM; killed. log: ${logFile}`);
        }
      },
    });
    const ready = await new Promise<{ port: number; version: string }>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(backendError(`clickhouse (local chdb) did not answer within ${timeoutMs} ms; log: ${logFile}`)),
        timeoutMs,
      );
      child.stdout?.on('data', (d) => {
        out += d;
        const nl = out.indexOf('\n');
        if (nl < 0) return;
        clearTimeout(timer);
        try {
          resolve(JSON.parse(out.slice(0, nl)));
        } catch (err) {
          reject(backendError(`clickhouse (local chdb) printed an unexpected line: ${out.slice(0, nl)}`, err));
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          backendError(
            `clickhouse (local chdb) exited with ${signal ?? `code ${code}`} before it answered; log: ${logFile}\n${tailFile(logFile)}`,
          ),
        );
      });
    });
    (child.stdout as unknown as { unref?: () => void } | null)?.unref?.();
    const url = `http://127.0.0.1:${ready.port}`;
    // A real round trip over HTTP, as the adapter makes it.
    const version = await serverVersion(url, username, password);
    let chdb = CHDB_VERSION;
    try {
      chdb = JSON.parse(readFileSync(join(cache, 'node_modules', 'chdb', 'package.json'), 'utf8')).version;
    } catch {}
    return {
      info: { url, username, password, version: `${version} (chdb ${chdb})`, engine: 'chdb', source: 'local' },
      detail: `chdb ${chdb} from ${cache}, over HTTP on ${url}`,
      logFile,
    };
  },
};
