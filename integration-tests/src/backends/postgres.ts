import { chownSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PostgresInfo } from '../types.js';
import { postmasterPid } from './cleanup.js';
import { imageFor, startContainer } from './containers.js';
import type { Provider, ProviderContext, StartedBackend } from './internal-types.js';
import { pgServerVersion, redactUrl } from './pg-utils.js';
import { backendError, freePort, pidAlive, runAsync, waitForPidExit, waitUntil, which } from './process-utils.js';

/** The folder holding initdb and pg_ctl: ROHAS_TEST_PG_BINDIR, Debian's newest /usr/lib/postgresql/N/bin, or PATH. */
export function findPgBinDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.ROHAS_TEST_PG_BINDIR) return env.ROHAS_TEST_PG_BINDIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(root, versions[0], 'bin');
  }
  const initdb = which('initdb');
  return initdb ? join(initdb, '..') : undefined;
}

/** uid/gid of a system user, read from /etc/passwd (initdb refuses to run as root). */
function systemUser(name: string): { uid: number; gid: number } | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [user, , uid, gid] = line.split(':');
      if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
    }
  } catch {}
  return undefined;
}

/** initdb + pg_ctl start on a free loopback port, as the postgres user when this process is root. */
export async function startLocalPostgres(
  ctx: ProviderContext,
  id: string,
): Promise<{ url: string; binDir: string; logFile: string; dataDir: string }> {
  const binDir = findPgBinDir(ctx.settings.env);
  if (!binDir) throw backendError(`${id}: no initdb found`);
  const asUser = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (process.getuid?.() === 0 && !asUser)
    throw backendError(`${id}: running as root and there is no postgres user for initdb`);
  const dir = join(ctx.settings.baseDir, id);
  const dataDir = join(dir, 'data');
  const sockDir = join(dir, 'sock');
  const logFile = join(dir, 'postgres.log');
  mkdirSync(sockDir, { recursive: true });
  if (asUser) {
    chownSync(dir, asUser.uid, asUser.gid);
    chownSync(sockDir, asUser.uid, asUser.gid);
  }
  const opts = { uid: asUser?.uid, gid: asUser?.gid, cwd: dir, timeoutMs: ctx.settings.localStartTimeoutMs };
  await runAsync(
    `${id} (local)`,
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    opts,
  );
  const port = await freePort();
  // Throwaway data: durability settings off, so the tests measure the adapter rather than fsync.
  const serverOpts = [
    `-p ${port}`,
    `-k ${sockDir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const waitSecs = Math.ceil(ctx.settings.localStartTimeoutMs / 1000);
  const pgCtl = join(binDir, 'pg_ctl');
  const stop = async () => {
    const pid = postmasterPid(dataDir);
    if (!pid || !pidAlive(pid)) return;
    try {
      await runAsync(`${id} (local)`, pgCtl, ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '10'], {
        ...opts,
        timeoutMs: 15_000,
      });
    } catch (err) {
      if (pid && pidAlive(pid)) process.kill(pid, 'SIGKILL');
      throw err;
    }
    await waitForPidExit(pid, 5_000);
  };
  // Registered before the start: a run interrupted while pg_ctl waits must still stop the postmaster.
  ctx.cleanup.add({ id, stop, pidFile: join(dataDir, 'postmaster.pid'), signal: 'SIGQUIT' });
  try {
    await runAsync(
      `${id} (local)`,
      pgCtl,
      ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(waitSecs), '-o', serverOpts],
      {
        ...opts,
        timeoutMs: ctx.settings.localStartTimeoutMs + 5_000,
      },
    );
  } catch (err) {
    throw backendError(`${id} (local) did not start; log: ${logFile}`, err);
  }
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitUntil(() => pgServerVersion(url), { name: `${id} (local)`, timeoutMs: 10_000, logFile });
  return { url, binDir, logFile, dataDir };
}

export const postgresProvider: Provider<'postgres'> = {
  name: 'postgres',
  title: 'PostgreSQL',
  installHint: 'sudo scripts/install-test-backends   (or: apt-get install -y postgresql), or set ROHAS_TEST_PG_URL',

  async fromEnv(ctx) {
    const url = ctx.settings.env.ROHAS_TEST_PG_URL;
    if (!url) return undefined;
    const version = await pgServerVersion(url);
    return { info: { url, version, source: 'env' }, detail: redactUrl(url) };
  },

  async container(ctx): Promise<StartedBackend<'postgres'>> {
    const image = imageFor(ctx, 'postgres');
    const c = await startContainer(ctx, {
      id: 'postgres',
      image,
      port: 5432,
      env: { POSTGRES_PASSWORD: 'postgres' },
      command: ['postgres', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'max_connections=200'],
      // The image's entrypoint runs a temporary server for initialisation first: the second
      // "ready" line is the real one.
      wait: (w) => w.forLogMessage(/database system is ready to accept connections/, 2),
    });
    const url = `postgres://postgres:postgres@${c.getHost()}:${c.getMappedPort(5432)}/postgres`;
    const version = await waitUntil(() => pgServerVersion(url), { name: 'postgres (container)', timeoutMs: 30_000 });
    return { info: { url, version, source: 'container' } satisfies PostgresInfo, detail: image };
  },

  async localUnavailable(ctx) {
    return findPgBinDir(ctx.settings.env) ? undefined : 'no initdb/pg_ctl (PostgreSQL server not installed)';
  },

  async local(ctx) {
    const { url, binDir, logFile } = await startLocalPostgres(ctx, 'postgres');
    const version = await pgServerVersion(url);
    return { info: { url, version, source: 'local' }, detail: `${binDir} on ${url}`, logFile };
  },
};
