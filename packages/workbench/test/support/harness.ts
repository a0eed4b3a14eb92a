/**
 * What the browser tests and the bench share: build the app, start a real rohas-telemetry server over SQLite in a temp
 * folder, load data through its OTLP/HTTP receiver, and drive Debian's Chromium with playwright-core (never a
 * downloaded browser).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { LogRecord, MetricPoint, SpanRecord } from '@rohas/telemetry';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { logsRequest, metricsRequest, postOtlp, tracesRequest } from '../fixtures/otlp-json.ts';

export const WORKBENCH_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_ROOT = resolve(WORKBENCH_DIR, '../..');
export const SERVER_DIR = join(REPO_ROOT, 'packages/server');
export const DIST_DIR = join(SERVER_DIR, 'workbench-dist');
export const OUTPUT_DIR = join(REPO_ROOT, 'test-output/workbench');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Builds the app into packages/server/workbench-dist, where the server serves it from, unless the build there is
 * newer than every source file (`npm test` builds first; rebuilding would race other packages' tests reading it).
 */
export async function buildWorkbench(options: { force?: boolean } = {}): Promise<void> {
  if (!options.force && existsSync(join(DIST_DIR, 'index.html'))) {
    const built = statSync(join(DIST_DIR, 'index.html')).mtimeMs;
    const sources = [
      join(WORKBENCH_DIR, 'index.html'),
      join(WORKBENCH_DIR, 'vite.config.ts'),
      ...listFiles(join(WORKBENCH_DIR, 'src')),
    ];
    if (sources.every((f) => statSync(f).mtimeMs <= built)) return;
  }
  const { build } = await import('vite');
  await build({
    root: WORKBENCH_DIR,
    configFile: join(WORKBENCH_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: DIST_DIR, emptyOutDir: true },
  });
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name)) : [join(dir, e.name)],
  );
}

export interface TestServer {
  url: string;
  dataDir: string;
  /** How it was started: the `rohas-telemetry serve` command, or startServer() in this process. */
  how: 'cli' | 'in-process';
  close(): Promise<void>;
}

const CLI_SOURCE = join(SERVER_DIR, 'src/cli.ts');
/** tsx's loader by absolute URL: child processes run in a temp folder, where `--import tsx` would not resolve. */
const TSX_LOADER = pathToFileURL(
  createRequire(import.meta.url)
    .resolve('tsx/package.json')
    .replace(/package\.json$/, 'dist/loader.mjs'),
).href;

/**
 * Starts `rohas-telemetry serve` (from packages/server/src/cli.ts through tsx) on a free port with a SQLite database
 * in a temp folder. Until the CLI exists, the same server is started in this process with startServer().
 */
export async function startTelemetryServer(
  options: {
    exampleApp?: boolean;
    token?: string /** More [telemetry] keys, as TOML lines. */;
    telemetryToml?: string[];
    /** Fills the database before the server opens it (e.g. with writeVolume through the SQLite adapter). */
    prefill?: (config: { path: string }) => Promise<void>;
  } = {},
): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rohas-workbench-'));
  const config = join(dataDir, 'rohas.toml');
  writeFileSync(
    config,
    [
      '[telemetry]',
      'type = "sqlite"',
      `path = "${join(dataDir, 'telemetry').replace(/\\/g, '/')}"`,
      'retention_days = 0',
      ...(options.telemetryToml ?? []),
      '[telemetry.server]',
      'host = "127.0.0.1"',
      'port = 0',
      ...(options.token ? [`token = "${options.token}"`] : []),
      '',
    ].join('\n'),
  );
  try {
    if (options.prefill) await options.prefill({ path: join(dataDir, 'telemetry') });
    if (options.exampleApp) await runExampleApp(config, dataDir);
    if (existsSync(CLI_SOURCE) && process.env.WORKBENCH_TEST_IN_PROCESS !== '1') return await startCli(config, dataDir);
  } catch (error) {
    // Nothing else will close a server that never started: leave no temp folder behind.
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const { loadConfig, openStorage } = await import('@rohas/telemetry');
  const { startServer } = await import('@rohas/telemetry-server');
  const storage = await openStorage(loadConfig(config));
  const server = await startServer({
    storage,
    host: '127.0.0.1',
    port: 0,
    workbenchDir: DIST_DIR,
    logger: quietLogger,
  });
  return {
    url: server.url,
    dataDir,
    how: 'in-process',
    async close() {
      await server.close();
      await storage.shutdown();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const EXAMPLE_APP = join(REPO_ROOT, 'examples/http-service.mjs');

/**
 * Runs the example app (examples/http-service.mjs --demo: 25 requests to itself, then a flush) with the same
 * rohas.toml, so its spans, handler metrics and logs land in the database the server then serves.
 */
export async function runExampleApp(config: string, cwd: string): Promise<string> {
  const child = spawn(process.execPath, ['--conditions=@rohas/source', '--import', TSX_LOADER, EXAMPLE_APP, '--demo'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ROHAS_CONFIG: config, PORT: '0' },
  });
  let output = '';
  child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`[workbench test] the example app exited with ${code}:\n${output}`);
  return output;
}

const quietLogger = { info() {}, warn: console.warn, error: console.error };

async function startCli(config: string, dataDir: string): Promise<TestServer> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--conditions=@rohas/source',
      '--import',
      TSX_LOADER,
      CLI_SOURCE,
      'serve',
      '--config',
      config,
      '--port',
      '0',
      '--host',
      '127.0.0.1',
    ],
    { cwd: dataDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`[workbench test] rohas-telemetry serve printed no URL in 90 s:\n${output}`));
      // A loaded machine (several suites at once on 2 cores) can take long to compile the CLI through tsx.
    }, 90_000);
    const onData = (b: Buffer) => {
      output += b.toString();
      const m = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`[workbench test] rohas-telemetry serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    dataDir,
    how: 'cli',
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends records through the OTLP/HTTP JSON receiver in batches. */
export async function loadTelemetry(
  url: string,
  data: { spans?: SpanRecord[]; metrics?: MetricPoint[]; logs?: LogRecord[] },
): Promise<void> {
  const chunks = <T>(list: T[], n: number) =>
    Array.from({ length: Math.ceil(list.length / n) }, (_, i) => list.slice(i * n, (i + 1) * n));
  for (const c of chunks(data.spans ?? [], 2000)) await postOtlp(url, 'traces', tracesRequest(c));
  for (const c of chunks(data.metrics ?? [], 2000)) await postOtlp(url, 'metrics', metricsRequest(c));
  for (const c of chunks(data.logs ?? [], 2000)) await postOtlp(url, 'logs', logsRequest(c));
}

/** Polls until `check` passes: the server writes through a batching queue, so data shows up shortly after a POST. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`[workbench test] timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Debian's Chromium, headless, with a fresh profile and nothing that phones home. */
export async function launchChromium(
  options: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`[workbench test] no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const profile = mkdtempSync(join(tmpdir(), 'rohas-workbench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: options.width ?? 1440, height: options.height ?? 900 },
    colorScheme: options.colorScheme ?? 'light',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Collects console errors and uncaught exceptions of a page, so every test can assert there were none. */
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}

export function screenshotPath(name: string): string {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  return join(OUTPUT_DIR, `${name}.png`);
}

/**
 * Writes straight through the SQLite adapter (on this thread, in big batches) into the database at `path`: the
 * fastest honest way to a store of hundreds of thousands of records before a test.
 */
export async function withSqliteAdapter<T>(
  path: string,
  fn: (adapter: import('@rohas/telemetry').TelemetryAdapter) => Promise<T>,
): Promise<T> {
  const { createAdapter } = await import('@rohas/telemetry-sqlite');
  const silent = { debug() {}, info() {}, warn: console.warn, error: console.error };
  const adapter = await createAdapter({
    options: { type: 'sqlite', path, write_thread: false } as never,
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'metrics', 'logs'],
    logger: silent,
    baseDir: dirname(path),
  });
  await adapter.init();
  try {
    return await fn(adapter);
  } finally {
    await adapter.close();
  }
}
