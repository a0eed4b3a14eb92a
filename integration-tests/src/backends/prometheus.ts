import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PrometheusInfo } from '../types.js';
import { stopChildOnCleanup } from './cleanup.js';
import { imageFor, startContainer } from './containers.js';
import type { Provider, StartedBackend } from './internal-types.js';
import { backendError, fetchWithTimeout, freePorts, spawnServer, waitUntil, which } from './process-utils.js';

/** GET /api/v1/status/buildinfo: the server's version (undefined while it is not ready). */
export async function prometheusVersion(url: string): Promise<string | undefined> {
  const ready = await fetchWithTimeout(`${url}/-/ready`);
  if (!ready.ok) return undefined;
  const res = await fetchWithTimeout(`${url}/api/v1/status/buildinfo`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { data?: { version?: string } };
  return body.data?.version ?? 'unknown';
}

/** One scraped endpoint: where Prometheus connects, and the `instance` label its samples get. */
export interface ScrapeTarget {
  address: string;
  instance: string;
}

/**
 * The scrape config: the adapters' targets (job `rohas-test`), one target for the providers' own
 * test (job `rohas-probe`) and the server itself, all every second so a test sees a scrape quickly.
 * Each target's `instance` label is set explicitly, so tests can select `{instance="<scrapeTarget>"}`
 * even when Prometheus reaches the endpoint under another name (a container scraping this machine
 * through `host.testcontainers.internal`).
 */
export function scrapeConfig(targets: ScrapeTarget[], probe: ScrapeTarget, self: string): string {
  // Names and ports only come from this file; quote them for YAML anyway.
  const q = (v: string) => `'${v.replace(/'/g, "''")}'`;
  const staticConfigs = (xs: ScrapeTarget[]) =>
    xs.map((t) => `      - targets: [${q(t.address)}]\n        labels: { instance: ${q(t.instance)} }`).join('\n');
  return `global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: rohas-test
    static_configs:
${staticConfigs(targets)}
  - job_name: rohas-probe
    static_configs:
${staticConfigs([probe])}
  - job_name: prometheus
    static_configs:
      - targets: [${q(self)}]
`;
}

export const prometheusProvider: Provider<'prometheus'> = {
  name: 'prometheus',
  title: 'Prometheus',
  installHint:
    'sudo scripts/install-test-backends   (or: apt-get install -y prometheus), or set ROHAS_TEST_PROMETHEUS_URL',

  async fromEnv(ctx) {
    const url = ctx.settings.env.ROHAS_TEST_PROMETHEUS_URL?.replace(/\/+$/, '');
    if (!url) return undefined;
    const version = await prometheusVersion(url);
    if (!version) throw backendError(`prometheus: ${url}/-/ready is not ready`);
    const scrapeTargets = (ctx.settings.env.ROHAS_TEST_PROMETHEUS_SCRAPE_TARGETS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const promtool = which('promtool');
    const info: PrometheusInfo = { url, version, source: 'env', scrapeTargets, ...(promtool ? { promtool } : {}) };
    return { info, detail: url };
  },

  async container(ctx): Promise<StartedBackend<'prometheus'>> {
    const { TestContainers } = await import('testcontainers');
    const image = imageFor(ctx, 'prometheus');
    const [t1, t2, t3, probe] = (await freePorts(4)) as [number, number, number, number];
    // The container reaches endpoints on this machine through testcontainers' port forwarder.
    await TestContainers.exposeHostPorts(t1, t2, t3, probe);
    const host = 'host.testcontainers.internal';
    const c = await startContainer(ctx, {
      id: 'prometheus',
      image,
      port: 9090,
      files: [
        {
          content: scrapeConfig(
            [t1, t2, t3].map((p) => ({ address: `${host}:${p}`, instance: `127.0.0.1:${p}` })),
            { address: `${host}:${probe}`, instance: `127.0.0.1:${probe}` },
            'localhost:9090',
          ),
          target: '/etc/prometheus/prometheus.yml',
        },
      ],
      command: [
        '--config.file=/etc/prometheus/prometheus.yml',
        '--storage.tsdb.path=/prometheus',
        '--web.enable-admin-api',
        '--web.enable-lifecycle',
      ],
      wait: (w) => w.forHttp('/-/ready', 9090),
    });
    const url = `http://${c.getHost()}:${c.getMappedPort(9090)}`;
    const version = await waitUntil(() => prometheusVersion(url), {
      name: 'prometheus (container)',
      timeoutMs: 30_000,
    });
    const promtool = which('promtool');
    const info: PrometheusInfo = {
      url,
      version,
      source: 'container',
      scrapeTargets: [`127.0.0.1:${t1}`, `127.0.0.1:${t2}`, `127.0.0.1:${t3}`],
      ...(promtool ? { promtool } : {}),
    };
    return { info, detail: image, probeTarget: `127.0.0.1:${probe}` };
  },

  async localUnavailable() {
    return which('prometheus') ? undefined : 'no prometheus binary (Prometheus server not installed)';
  },

  async local(ctx) {
    const bin = which('prometheus');
    if (!bin) throw backendError('prometheus: no prometheus binary');
    const base = join(ctx.settings.baseDir, 'prometheus');
    mkdirSync(base, { recursive: true });
    const [web, t1, t2, t3, probe] = (await freePorts(5)) as [number, number, number, number, number];
    const configFile = join(base, 'prometheus.yml');
    const logFile = join(base, 'prometheus.log');
    const scrapeTargets = [`127.0.0.1:${t1}`, `127.0.0.1:${t2}`, `127.0.0.1:${t3}`];
    const same = (t: string) => ({ address: t, instance: t });
    writeFileSync(configFile, scrapeConfig(scrapeTargets.map(same), same(`127.0.0.1:${probe}`), `127.0.0.1:${web}`));
    const child = spawnServer(
      bin,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(base, 'data')}`,
        `--web.listen-address=127.0.0.1:${web}`,
        '--web.enable-admin-api',
        '--web.enable-lifecycle',
      ],
      logFile,
      { cwd: base },
    );
    stopChildOnCleanup(ctx.cleanup, 'prometheus', 'prometheus (local)', child, logFile);
    const url = `http://127.0.0.1:${web}`;
    const version = await waitUntil(() => prometheusVersion(url), {
      name: 'prometheus (local)',
      timeoutMs: ctx.settings.localStartTimeoutMs,
      logFile,
      child,
    });
    const promtool = which('promtool');
    const info: PrometheusInfo = { url, version, source: 'local', scrapeTargets, ...(promtool ? { promtool } : {}) };
    return { info, detail: `${bin} on ${url}`, logFile, probeTarget: `127.0.0.1:${probe}` };
  },
};
