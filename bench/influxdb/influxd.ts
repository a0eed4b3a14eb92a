/** A throwaway influxd for the benchmarks (or the server at ROHAS_BENCH_INFLUXDB1_URL). */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@rohas/integration-tests/process-utils';

export async function startInfluxd(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'rohas-bench-influx-'));
  const [http, rpc] = [await freePort(), await freePort()];
  const conf = join(dir, 'influxdb.conf');
  writeFileSync(
    conf,
    `reporting-enabled = false\nbind-address = "127.0.0.1:${rpc}"\n[meta]\n  dir = "${dir}/meta"\n[data]\n  dir = "${dir}/data"\n  wal-dir = "${dir}/wal"\n  query-log-enabled = false\n[monitor]\n  store-enabled = false\n[http]\n  bind-address = "127.0.0.1:${http}"\n  log-enabled = false\n[continuous_queries]\n  enabled = false\n`,
  );
  const child: ChildProcess = spawn(process.env.INFLUXD ?? '/usr/bin/influxd', ['-config', conf], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${http}`;
  for (let i = 0; i < 100; i++) {
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
      rmSync(dir, { recursive: true, force: true });
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
