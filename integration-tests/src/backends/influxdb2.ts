import type { InfluxDb2Info } from '../types.js';
import { imageFor, startContainer } from './containers.js';
import type { Provider, StartedBackend } from './internal-types.js';
import { backendError, fetchWithTimeout, waitUntil } from './process-utils.js';

/** GET /health: the version once the server says it is ready ("pass"). */
async function influx2Health(url: string): Promise<string | undefined> {
  const res = await fetchWithTimeout(`${url}/health`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { status?: string; version?: string };
  return body.status === 'pass' ? (body.version ?? 'unknown') : undefined;
}

async function api<T>(url: string, token: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetchWithTimeout(`${url}${path}`, {
    ...init,
    headers: { Authorization: `Token ${token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!res.ok)
    throw backendError(`influxdb2: ${init.method ?? 'GET'} ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

/** Make sure the bucket exists in the org (the token must be allowed to create buckets when it does not). */
async function ensureBucket(url: string, token: string, org: string, bucket: string): Promise<void> {
  const q = new URLSearchParams({ org, name: bucket });
  const found = await api<{ buckets?: unknown[] }>(url, token, `/api/v2/buckets?${q}`);
  if (found.buckets?.length) return;
  const orgs = await api<{ orgs?: { id: string }[] }>(url, token, `/api/v2/orgs?${new URLSearchParams({ org })}`);
  const orgID = orgs.orgs?.[0]?.id;
  if (!orgID) throw backendError(`influxdb2: org ${JSON.stringify(org)} not found`);
  await api(url, token, '/api/v2/buckets', {
    method: 'POST',
    body: JSON.stringify({ orgID, name: bucket, retentionRules: [] }),
  });
}

export const influxdb2Provider: Provider<'influxdb2'> = {
  name: 'influxdb2',
  title: 'InfluxDB 2.x',
  installHint:
    'run with a Docker engine (testcontainers starts influxdb:2.7), or set ROHAS_TEST_INFLUXDB2_URL, ROHAS_TEST_INFLUXDB2_TOKEN, ROHAS_TEST_INFLUXDB2_ORG (and ROHAS_TEST_INFLUXDB2_BUCKET, default rohas_test)',

  async fromEnv(ctx) {
    const env = ctx.settings.env;
    const url = env.ROHAS_TEST_INFLUXDB2_URL?.replace(/\/+$/, '');
    if (!url) return undefined;
    const token = env.ROHAS_TEST_INFLUXDB2_TOKEN;
    const org = env.ROHAS_TEST_INFLUXDB2_ORG;
    const bucket = env.ROHAS_TEST_INFLUXDB2_BUCKET || 'rohas_test';
    if (!token || !org)
      throw backendError(
        'influxdb2: ROHAS_TEST_INFLUXDB2_URL is set but ROHAS_TEST_INFLUXDB2_TOKEN or ROHAS_TEST_INFLUXDB2_ORG is not',
      );
    const version = await influx2Health(url);
    if (!version) throw backendError(`influxdb2: ${url}/health is not "pass"`);
    await ensureBucket(url, token, org, bucket);
    return { info: { url, token, org, bucket, version, source: 'env' }, detail: url };
  },

  async container(ctx): Promise<StartedBackend<'influxdb2'>> {
    const image = imageFor(ctx, 'influxdb2');
    const setup = { org: 'rohas', bucket: 'rohas_test', token: 'rohas-test-token-not-secret' };
    const c = await startContainer(ctx, {
      id: 'influxdb2',
      image,
      port: 8086,
      env: {
        DOCKER_INFLUXDB_INIT_MODE: 'setup',
        DOCKER_INFLUXDB_INIT_USERNAME: 'rohas',
        DOCKER_INFLUXDB_INIT_PASSWORD: 'rohas-test-password',
        DOCKER_INFLUXDB_INIT_ORG: setup.org,
        DOCKER_INFLUXDB_INIT_BUCKET: setup.bucket,
        DOCKER_INFLUXDB_INIT_ADMIN_TOKEN: setup.token,
        INFLUXD_REPORTING_DISABLED: 'true',
      },
      // The entrypoint runs the setup against a temporary server on another port, then starts the real one on 8086.
      wait: (w) => w.forHttp('/ping', 8086).forStatusCode(204),
    });
    const url = `http://${c.getHost()}:${c.getMappedPort(8086)}`;
    const version = await waitUntil(() => influx2Health(url), { name: 'influxdb2 (container)', timeoutMs: 30_000 });
    const info: InfluxDb2Info = { url, ...setup, version, source: 'container' };
    return { info, detail: image };
  },

  async localUnavailable() {
    return 'no local path for InfluxDB 2.x (Debian packages only InfluxDB 1.x)';
  },
};
