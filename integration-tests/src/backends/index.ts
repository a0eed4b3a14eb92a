import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BACKEND_NAMES, type BackendName, type BackendsInfo, type BackendsStatus } from '../types.js';
import { Cleanup } from './cleanup.js';
import { clickhouseProvider } from './clickhouse.js';
import { type DockerStatus, detectDocker } from './docker.js';
import { influxdb1Provider } from './influxdb1.js';
import { influxdb2Provider } from './influxdb2.js';
import type { Provider, ProviderContext, RunSettings, StartedBackend } from './internal-types.js';
import { postgresProvider } from './postgres.js';
import { backendError, COMPONENT, withTimeout } from './process-utils.js';
import { prometheusProvider } from './prometheus.js';
import { timescaledbProvider } from './timescaledb.js';

export { Cleanup } from './cleanup.js';

/** Every provider, in summary order. */
export const PROVIDERS: { [K in BackendName]: Provider<K> } = {
  postgres: postgresProvider,
  timescaledb: timescaledbProvider,
  influxdb1: influxdb1Provider,
  influxdb2: influxdb2Provider,
  prometheus: prometheusProvider,
  clickhouse: clickhouseProvider,
};

/** One line of the summary. */
export interface SummaryRow {
  name: BackendName;
  source: 'env' | 'container' | 'local' | 'skipped';
  version?: string;
  detail?: string;
  logFile?: string;
  ms: number;
  /** Why the backend is skipped (every path tried and what stopped it). */
  reason?: string;
  hint?: string;
  /** A start was attempted and failed (as opposed to: nothing installed). */
  failed?: boolean;
  /** Left out on purpose by ROHAS_TEST_BACKENDS (printed quietly, never fails CI). */
  notSelected?: boolean;
  /** Events during the run (crashes, restarts), printed in the end summary. */
  notes?: () => string[];
}

export interface ResolvedBackends {
  info: BackendsInfo;
  status: BackendsStatus;
  rows: SummaryRow[];
  docker: DockerStatus;
  settings: RunSettings;
  cleanup: Cleanup;
  /** Wall time of resolving all backends (they start in parallel). */
  totalMs: number;
  /** Backends missing although this run requires them (CI=true and not optional). */
  requiredMissing: BackendName[];
}

function parseList(value: string | undefined): BackendName[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(BACKEND_NAMES as readonly string[]).includes(n)) {
      throw backendError(`unknown backend ${JSON.stringify(n)} in the environment; known: ${BACKEND_NAMES.join(', ')}`);
    }
  }
  return names as BackendName[];
}

const falsy = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v);

/** Read the run's settings from the environment (documented in integration-tests/README.md). */
export function readSettings(env: NodeJS.ProcessEnv = process.env): RunSettings {
  const ci = env.CI !== undefined && !falsy(env.CI) && env.CI !== '';
  return {
    env,
    ci,
    selected: parseList(env.ROHAS_TEST_BACKENDS) ?? [...BACKEND_NAMES],
    optional: parseList(env.ROHAS_TEST_OPTIONAL) ?? [],
    containersEnabled: !falsy(env.ROHAS_TEST_CONTAINERS),
    localEnabled: !falsy(env.ROHAS_TEST_LOCAL),
    localStartTimeoutMs: Number(env.ROHAS_TEST_START_TIMEOUT_MS || 60_000),
    containerStartTimeoutMs: Number(env.ROHAS_TEST_CONTAINER_TIMEOUT_MS || 300_000),
    baseDir: '',
  };
}

async function resolveOne<K extends BackendName>(
  p: Provider<K>,
  ctx: ProviderContext,
): Promise<SummaryRow & { started?: StartedBackend<K> }> {
  const t0 = Date.now();
  const { settings, docker } = ctx;
  const done = (started: StartedBackend<K>) => ({
    name: p.name,
    source: started.info.source,
    version: started.info.version,
    detail: started.detail,
    logFile: started.logFile,
    notes: started.notes,
    ms: Date.now() - t0,
    started,
  });
  const skipped = (reason: string, failed: boolean) => ({
    name: p.name,
    source: 'skipped' as const,
    ms: Date.now() - t0,
    reason,
    hint: p.installHint,
    failed,
  });

  if (!settings.selected.includes(p.name)) {
    return {
      ...skipped(`not selected (ROHAS_TEST_BACKENDS=${settings.env.ROHAS_TEST_BACKENDS})`, false),
      notSelected: true,
    };
  }

  // An explicit URL wins and does not fall back: a broken URL someone set on purpose must be fixed, not hidden.
  try {
    const fromEnv = await p.fromEnv(ctx);
    if (fromEnv) return done(fromEnv);
  } catch (err) {
    return skipped(
      `the ${p.name} URL set in the environment does not work: ${err instanceof Error ? err.message : String(err)}`,
      true,
    );
  }

  const tried: string[] = [];
  let failed = false;
  if (docker.available && p.container) {
    try {
      // The container's own startup timeout does not cover the image pull: bound the whole attempt.
      const bound = settings.containerStartTimeoutMs + 60_000;
      return done(await withTimeout(p.container(ctx), bound, `${p.name} (container) did not start`));
    } catch (err) {
      failed = true;
      const msg = err instanceof Error ? err.message : String(err);
      tried.push(`container failed: ${msg}`);
      ctx.log(`${p.name}: container failed, trying a local server: ${msg}`);
    }
  } else {
    tried.push(`container: ${docker.reason}`);
  }

  if (!settings.localEnabled) {
    tried.push('local: disabled by ROHAS_TEST_LOCAL=0');
  } else if (p.local) {
    const unavailable = await p.localUnavailable?.(ctx);
    if (unavailable) {
      tried.push(`local: ${unavailable}`);
    } else {
      try {
        return done(await p.local(ctx));
      } catch (err) {
        failed = true;
        tried.push(`local failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } else {
    tried.push(`local: ${(await p.localUnavailable?.(ctx)) ?? 'no local path'}`);
  }
  return skipped(tried.join('; '), failed);
}

/**
 * Provide every selected backend, all in parallel: env URL, else a container when Docker answers,
 * else a local server, else skipped. Never throws for a missing backend; the caller decides (CI).
 */
export async function resolveBackends(
  settings: RunSettings,
  log: (m: string) => void,
  /** Called before any server starts, e.g. to install signal handlers that use the cleanup. */
  onCleanup?: (cleanup: Cleanup) => void,
): Promise<ResolvedBackends> {
  const t0 = Date.now();
  settings.baseDir = mkdtempSync(join(settings.env.ROHAS_TEST_TMPDIR || tmpdir(), 'rohas-it-'));
  // Traversable by the postgres user when the run is root (initdb runs as postgres).
  chmodSync(settings.baseDir, 0o711);
  const cleanup = new Cleanup(join(settings.baseDir, 'reaper.log'));
  cleanup.addDir(settings.baseDir);
  onCleanup?.(cleanup);
  const docker = await detectDocker(settings.env, settings.containersEnabled);
  const ctx: ProviderContext = { settings, docker, cleanup, log };
  const results = await Promise.all(
    BACKEND_NAMES.map((name) => resolveOne(PROVIDERS[name] as Provider<BackendName>, ctx)),
  );

  const info: BackendsInfo = {};
  // Backends left out by ROHAS_TEST_BACKENDS are as good as optional: their tests skip, also under CI.
  const notSelected = BACKEND_NAMES.filter((n) => !settings.selected.includes(n));
  const status: BackendsStatus = {
    ci: settings.ci,
    optional: [...new Set([...settings.optional, ...notSelected])],
    declaredOptional: settings.optional,
    missing: {},
  };
  for (const r of results) {
    if (r.started) {
      (info as Record<string, unknown>)[r.name] = r.started.info;
      if (r.started.probeTarget) status.prometheusProbeTarget = r.started.probeTarget;
    } else {
      status.missing[r.name] = { reason: r.reason ?? 'unknown', hint: r.hint ?? '' };
    }
  }
  // Keep logs of servers that failed to start; the summary prints where they are.
  if (results.some((r) => r.failed)) cleanup.keepDirs();
  const requiredMissing = settings.ci
    ? BACKEND_NAMES.filter((n) => !info[n] && !settings.optional.includes(n) && !notSelected.includes(n))
    : [];
  const rows = results.map(({ started: _started, ...row }) => row);
  return { info, status, rows, docker, settings, cleanup, totalMs: Date.now() - t0, requiredMissing };
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The table printed after start-up and again at the end of every run. */
export function formatSummary(r: ResolvedBackends, phase: 'start' | 'end'): string {
  const lines: string[] = [];
  const title = phase === 'start' ? 'backends for this run' : 'backends used by this run';
  lines.push(
    `${COMPONENT} ${title} (CI=${r.settings.ci}; containers: ${r.docker.available ? r.docker.reason : `no (${r.docker.reason})`}; all started in ${secs(r.totalMs)})`,
  );
  const pad = (s: string, n: number) => s.padEnd(n);
  for (const row of r.rows) {
    if (row.notSelected) {
      lines.push(`  ${pad(row.name, 12)} skipped   (not selected by ROHAS_TEST_BACKENDS)`);
    } else if (row.source === 'skipped') {
      const optional = r.settings.optional.includes(row.name) ? ' (optional)' : '';
      lines.push(`  ${pad(row.name, 12)} SKIPPED${optional} — ${row.reason}`);
      lines.push(`  ${pad('', 12)} to get it: ${row.hint}`);
    } else {
      const ext =
        row.name === 'timescaledb' && r.info.timescaledb ? `, timescaledb ${r.info.timescaledb.extensionVersion}` : '';
      lines.push(
        `  ${pad(row.name, 12)} ${pad(row.source, 9)} ${row.version}${ext} [${secs(row.ms)}] ${row.detail ?? ''}`,
      );
      for (const note of row.notes?.() ?? []) lines.push(`  ${pad('', 12)} !!! ${note}`);
    }
  }
  const skipped = r.rows.filter((x) => x.source === 'skipped' && !x.notSelected).map((x) => x.name);
  if (skipped.length) {
    lines.push(
      `  !!! ${skipped.length} backend(s) SKIPPED: ${skipped.join(', ')} — their tests are skipped${r.settings.ci ? '' : ' (under CI=true this fails the run unless listed in ROHAS_TEST_OPTIONAL)'}`,
    );
  }
  if (r.rows.some((x) => x.failed || x.notes?.().length)) lines.push(`  server logs kept in ${r.settings.baseDir}`);
  return lines.join('\n');
}
