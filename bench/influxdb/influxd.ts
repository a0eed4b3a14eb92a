/** A throwaway influxd for the benchmarks (or the server at ROHAS_BENCH_INFLUXDB1_URL). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rohas/integration-tests/process-utils';

/**
 * Starts influxd on free loopback ports. With `keepDir` its data lives there and outlives stop() (a stored fill reused
 * by later runs); else in a temp folder that stop() removes. The write timeout is raised from influxd's 10 s: on a
 * loaded machine a big fill otherwise fails on the server's own timeout, not on anything the adapter did. The cache is
 * written to TSM files 2 s after the last write and the shard fully compacted 20 s after it (influxd's defaults are 10
 * and 240 minutes), so a kept store is not replayed from its WAL and compacted again at the start of every reading run.
 */
export async function startInfluxd(keepDir?: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = keepDir ?? mkdtempSync(join(tmpdir(), 'rohas-bench-influx-'));
  mkdirSync(dir, { recursive: true });
  const [http, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-enabled = false\nbind-address = "127.0.0.1:${rpc}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n  cache-snapshot-write-cold-duration = "2s"\n  compact-full-write-cold-duration = "20s"\n[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:${http}"\n  log-enabled = false\n[continuous_queries]\n  enabled = false\n[coordinator]\n  write-timeout = "60s"\n`,
  );
  const child: ChildProcess = spawn(process.env.INFLUXD ?? '/usr/bin/influxd', ['-config', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(`${url}/ping`)).status === 204) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The external server when ROHAS_BENCH_INFLUXDB1_URL is set, else a throwaway influxd that stop() removes. */
export async function benchServer(): Promise<{ url: string; external: boolean; stop: () => Promise<void> }> {
  const external = process.env.ROHAS_BENCH_INFLUXDB1_URL;
  if (external) return { url: external.replace(/\/+$/, ''), external: true, stop: async () => {} };
  return { ...(await startInfluxd()), external: false };
}

export async function influxQl(url: string, q: string): Promise<unknown> {
  const res = await fetch(`${url}/query`, { method: 'POST', body: new URLSearchParams({ q }) });
  return res.json();
}
