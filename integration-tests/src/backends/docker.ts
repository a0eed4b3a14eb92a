import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

/** Whether testcontainers can be used in this run. */
export interface DockerStatus {
  available: boolean;
  /** Engine description when available, otherwise why not (printed in the summary). */
  reason: string;
}

/** The sockets testcontainers' own strategies look at (unix-socket and rootless-unix-socket). */
function candidateSockets(env: NodeJS.ProcessEnv): string[] {
  const list = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) list.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  list.push(join(homedir(), '.docker', 'run', 'docker.sock'), join(homedir(), '.docker', 'desktop', 'docker.sock'));
  try {
    list.push(join('/run', 'user', String(userInfo().uid), 'docker.sock'));
  } catch {}
  return list;
}

/**
 * Decide cheaply whether a Docker engine answers. Importing testcontainers and letting it probe
 * costs seconds and prints noise when there is no engine, so first look for any sign of one
 * (DOCKER_HOST, ~/.testcontainers.properties, a docker.sock); only then ask testcontainers, bounded.
 */
export async function detectDocker(
  env: NodeJS.ProcessEnv,
  enabled: boolean,
  timeoutMs = 20_000,
): Promise<DockerStatus> {
  if (!enabled) return { available: false, reason: 'containers disabled by ROHAS_TEST_CONTAINERS=0' };
  const sockets = candidateSockets(env);
  const hint =
    env.DOCKER_HOST ||
    env.TESTCONTAINERS_HOST_OVERRIDE ||
    existsSync(join(homedir(), '.testcontainers.properties')) ||
    sockets.some((s) => existsSync(s));
  if (!hint) {
    return { available: false, reason: 'no Docker engine (DOCKER_HOST unset, no docker.sock)' };
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    const client = await Promise.race([
      getContainerRuntimeClient(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    const rt = client.info.containerRuntime;
    return { available: true, reason: `Docker engine ${rt.serverVersion} on ${rt.host} (${rt.operatingSystem})` };
  } catch (err) {
    return {
      available: false,
      reason: `Docker engine did not answer: ${err instanceof Error ? err.message : String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}
