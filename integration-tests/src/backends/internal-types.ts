import type { BackendName, BackendsInfo } from '../types.js';
import type { Cleanup } from './cleanup.js';
import type { DockerStatus } from './docker.js';

/** Settings read once from the environment for a run. */
export interface RunSettings {
  env: NodeJS.ProcessEnv;
  ci: boolean;
  /** Backends to provide (ROHAS_TEST_BACKENDS, default all). */
  selected: BackendName[];
  /** Backends whose absence does not fail a CI run. */
  optional: BackendName[];
  containersEnabled: boolean;
  localEnabled: boolean;
  /** Bound for one local server to become ready. */
  localStartTimeoutMs: number;
  /** Bound for one container to start (image pull included). */
  containerStartTimeoutMs: number;
  /** Folder holding every local server's data and logs for this run. */
  baseDir: string;
}

/** What a provider hands to the resolver once its server answers. */
export interface StartedBackend<K extends BackendName> {
  info: NonNullable<BackendsInfo[K]>;
  /** Image, binary or URL the server came from (printed in the summary). */
  detail: string;
  /** Server log file when the run started the server. */
  logFile?: string;
  /** Events worth printing in the end-of-run summary (e.g. a server that crashed and was restarted). */
  notes?: () => string[];
  /** Prometheus only: an extra scraped `host:port` reserved for the providers' own test. */
  probeTarget?: string;
}

/** Shared tools for the providers of one run. */
export interface ProviderContext {
  settings: RunSettings;
  docker: DockerStatus;
  cleanup: Cleanup;
  /** Print a progress line (prefixed and visible in the vitest output). */
  log: (message: string) => void;
}

/** One way of providing a backend, tried in order: env, container, local. */
export interface Provider<K extends BackendName> {
  name: K;
  /** Human name of the server, e.g. `PostgreSQL`. */
  title: string;
  /** Command(s) that make the local path available, printed when the backend is skipped. */
  installHint: string;
  /** Undefined when the env variables are not set; throws when they are set but the server does not answer. */
  fromEnv(ctx: ProviderContext): Promise<StartedBackend<K> | undefined>;
  /** Start a testcontainers container (only called when Docker answers). */
  container?(ctx: ProviderContext): Promise<StartedBackend<K>>;
  /** Why the local path cannot run here (missing binary), or undefined when it can. */
  localUnavailable?(ctx: ProviderContext): Promise<string | undefined>;
  /** Start a local server on a free loopback port with its data under settings.baseDir. */
  local?(ctx: ProviderContext): Promise<StartedBackend<K>>;
}
