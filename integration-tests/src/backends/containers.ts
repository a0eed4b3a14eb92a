import type { StartedTestContainer, WaitStrategy } from 'testcontainers';
import type { ProviderContext } from './internal-types.js';

/** Images used by the containerized path; each can be overridden with ROHAS_TEST_<NAME>_IMAGE. */
export const DEFAULT_IMAGES = {
  postgres: 'postgres:15',
  timescaledb: 'timescale/timescaledb:latest-pg17',
  influxdb1: 'influxdb:1.8',
  influxdb2: 'influxdb:2.7',
  prometheus: 'prom/prometheus:v2.53.4',
} as const;

export function imageFor(ctx: ProviderContext, name: keyof typeof DEFAULT_IMAGES): string {
  return ctx.settings.env[`ROHAS_TEST_${name.toUpperCase()}_IMAGE`] || DEFAULT_IMAGES[name];
}

export interface ContainerSpec {
  id: string;
  image: string;
  port: number;
  env?: Record<string, string>;
  command?: string[];
  files?: { content: string; target: string }[];
  wait: (w: typeof import('testcontainers').Wait) => WaitStrategy;
}

/**
 * Start one container with testcontainers and register its stop. testcontainers' Ryuk sidecar also
 * removes it if this process dies without stopping it.
 */
export async function startContainer(ctx: ProviderContext, spec: ContainerSpec): Promise<StartedTestContainer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  let c = new GenericContainer(spec.image)
    .withExposedPorts(spec.port)
    .withWaitStrategy(spec.wait(Wait))
    .withStartupTimeout(ctx.settings.containerStartTimeoutMs);
  if (spec.env) c = c.withEnvironment(spec.env);
  if (spec.command) c = c.withCommand(spec.command);
  if (spec.files) c = c.withCopyContentToContainer(spec.files);
  ctx.log(`${spec.id}: starting container ${spec.image}`);
  const started = await c.start();
  ctx.cleanup.add({
    id: spec.id,
    stop: async () => {
      // Throwaway data: no grace period needed.
      await started.stop();
    },
  });
  return started;
}
