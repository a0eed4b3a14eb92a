// A throwaway PostgreSQL server for the benchmark: initdb + pg_ctl on a free loopback port, as the postgres user
// when run as root (initdb refuses root), data in a temp folder removed at the end.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rohas/integration-tests/process-utils';

function binDir(): string {
  if (process.env.ROHAS_TEST_PG_BINDIR) return process.env.ROHAS_TEST_PG_BINDIR;
  const root = '/usr/lib/postgresql';
  const v = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] : undefined;
  if (!v)
    throw new Error('no PostgreSQL server under /usr/lib/postgresql (apt-get install -y postgresql), or pass --url');
  return join(root, v, 'bin');
}

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === 'postgres') return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error('running as root and there is no postgres user for initdb');
}

/** `keep`: a folder whose server (and data) outlives the run: initdb only the first time, never removed. */
export async function startPostgres(keep?: string): Promise<{ url: string; version: string; stop: () => void }> {
  const bin = binDir();
  const user = postgresUser();
  if (keep) mkdirSync(keep, { recursive: true });
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'rohas-bench-pg-'));
  const data = join(dir, 'data');
  const sock = join(dir, 'sock');
  mkdirSync(sock, { recursive: true });
  if (user) {
    chownSync(dir, user.uid, user.gid);
    chownSync(sock, user.uid, user.gid);
  }
  const run = (tool: string, args: string[]) => {
    const r = spawnSync(join(bin, tool), args, {
      uid: user?.uid,
      gid: user?.gid,
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`${tool} failed: ${r.stderr || r.stdout || r.error}`);
    return r.stdout;
  };
  if (!existsSync(join(data, 'PG_VERSION')))
    run('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  // Durability off as in the integration servers: the same for the raw limit and the adapter, so the ratio holds.
  const opts = `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_wal_size=4GB`;
  run('pg_ctl', ['start', '-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60', '-o', opts]);
  const version = run('postgres', ['--version']).trim();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    version,
    stop: () => {
      try {
        run('pg_ctl', ['stop', '-D', data, '-m', 'fast', '-w', '-t', '60']);
      } finally {
        if (!keep) rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
