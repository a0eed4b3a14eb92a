/**
 * The zero-code start behind `node --import @rohas/telemetry/register app.js`: reads rohas.toml (or the file
 * ROHAS_TELEMETRY_CONFIG names; no file means the defaults, the embedded SQLite store), creates the telemetry as the
 * global OpenTelemetry providers and propagator, registers the ESM loader hook (import-in-the-middle) so
 * instrumentations patch ES modules as well as CommonJS ones, enables the instrumentations, and flushes on exit.
 *
 * The shape follows `@opentelemetry/auto-instrumentations-node/register` (its instrumentation selection by
 * OTEL_NODE_ENABLED_INSTRUMENTATIONS / OTEL_NODE_DISABLED_INSTRUMENTATIONS), with the loader-hook registration that
 * import-in-the-middle documents for `createAddHookMessageChannel`.
 */
import { createRequire, register as registerLoaderHook } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { loadConfig } from './config.js';
import { envList } from './env-spec.js';
import { where } from './errors.js';
import { LEAN_HTTP_SERVER, LeanHttpServerInstrumentation } from './lean-http-server.js';
import { leveledLogger, setDiagLevel } from './sdk-config.js';
import { createTelemetry, type Telemetry } from './telemetry.js';
import type { DiagnosticLogger, TelemetryConfig } from './types.js';

const AUTO = '@opentelemetry/auto-instrumentations-node';
const PREFIX = '@opentelemetry/instrumentation-';
const require = createRequire(import.meta.url);

/** Options of {@link startZeroCode}. */
export interface ZeroCodeOptions {
  /** The config file; default ROHAS_TELEMETRY_CONFIG, else ./rohas.toml or ./config/rohas.toml, else the defaults. */
  configPath?: string;
  /** Flush and exit on SIGTERM / SIGINT when the app has no handler of its own; default true. */
  handleSignals?: boolean;
  /** Milliseconds a signal waits for the last flush before the process exits anyway; default 1500. */
  signalFlushTimeoutMs?: number;
}

/** Where the app lives: the packages it installed are resolved from here (its working folder and main script). */
function appRequires(): NodeJS.Require[] {
  const bases = [join(process.cwd(), 'noop.js')];
  if (process.argv[1]) bases.push(resolve(process.argv[1]));
  return bases.map((b) => createRequire(b));
}

function resolveFromApp(pkg: string): string | undefined {
  for (const r of appRequires()) {
    try {
      return r.resolve(pkg);
    } catch {}
  }
  return undefined;
}

/** The import-in-the-middle copy a given @opentelemetry/instrumentation uses (its Hook registry lives there). */
function iitmOf(instrumentationEntry: string): string | undefined {
  try {
    return createRequire(instrumentationEntry).resolve('import-in-the-middle');
  } catch {
    return undefined;
  }
}

/** Builds one instrumentation from its own package (the export whose name ends in "Instrumentation"). */
function fromPackage(path: string, config?: object): Instrumentation | undefined {
  const mod = require(path) as Record<string, unknown>;
  const ctor = Object.entries(mod).find(([k, v]) => k.endsWith('Instrumentation') && typeof v === 'function')?.[1];
  return ctor ? new (ctor as new (c?: object) => Instrumentation)(config) : undefined;
}

/** With the lean server instrumentation on, instrumentation-http makes client spans only. */
const HTTP_CLIENT_ONLY = { disableIncomingRequestInstrumentation: true };

/** Runs `fn` with `name` taken out of a comma-separated environment list (auto-instrumentations-node reads them). */
function withoutInEnv<T>(keys: string[], name: string, fn: () => T): T {
  const saved = keys.map((k) => process.env[k]);
  for (const k of keys) {
    const v = process.env[k];
    if (v !== undefined)
      process.env[k] = v
        .split(',')
        .filter((n) => n.trim() !== name)
        .join(',');
  }
  try {
    return fn();
  } finally {
    keys.forEach((k, i) => {
      if (saved[i] === undefined) delete process.env[k];
      else process.env[k] = saved[i];
    });
  }
}

/** What {@link planInstrumentations} found; `create()` builds them (after the loader hook is registered). */
export interface InstrumentationPlan {
  /** Entry files of the @opentelemetry/instrumentation copies in use (one loader hook serves one copy's registry). */
  instrumentationCopies: Set<string>;
  /** Builds and enables the instrumentations (their constructors register their module hooks). */
  create(): Instrumentation[];
}

/**
 * The instrumentations to enable: every one of @opentelemetry/auto-instrumentations-node when the app has it
 * installed (with its own defaults and env selection), else HTTP and undici/fetch; `instrumentations` in the config
 * (OTEL_NODE_ENABLED_INSTRUMENTATIONS) narrows the set, OTEL_NODE_DISABLED_INSTRUMENTATIONS removes from it.
 * HTTP server spans come from the lean `rohas-http-server` (lean-http-server.ts) unless a list is given without it
 * (e.g. `http,undici`) or it is disabled: then from @opentelemetry/instrumentation-http, as before.
 */
export function planInstrumentations(config: TelemetryConfig, logger: DiagnosticLogger): InstrumentationPlan {
  const disabled = new Set(envList(process.env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? []);
  const lean =
    (!config.instrumentations || config.instrumentations.includes(LEAN_HTTP_SERVER)) && !disabled.has(LEAN_HTTP_SERVER);
  const wanted = config.instrumentations?.filter((n) => n !== LEAN_HTTP_SERVER);
  const leanOnly = lean && wanted !== undefined && wanted.length === 0;
  const copies = new Set<string>([require.resolve('@opentelemetry/instrumentation')]);
  const autoPath = resolveFromApp(AUTO);
  if (autoPath) {
    const auto = createRequire(autoPath)(AUTO) as {
      getNodeAutoInstrumentations(c?: object): Instrumentation[];
    };
    try {
      copies.add(createRequire(autoPath).resolve('@opentelemetry/instrumentation'));
    } catch {}
    return {
      instrumentationCopies: copies,
      create() {
        const out: Instrumentation[] = lean ? [new LeanHttpServerInstrumentation()] : [];
        if (leanOnly) return out;
        // Its selection reads OTEL_NODE_ENABLED_INSTRUMENTATIONS; a list from the file is handed over the same way.
        // Our own name is not one of its names: it is taken out of the lists it reads.
        const saved = process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
        if (wanted) process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = wanted.join(',');
        try {
          const keys = ['OTEL_NODE_ENABLED_INSTRUMENTATIONS', 'OTEL_NODE_DISABLED_INSTRUMENTATIONS'];
          const configs = lean ? { '@opentelemetry/instrumentation-http': HTTP_CLIENT_ONLY } : {};
          out.push(...withoutInEnv(keys, LEAN_HTTP_SERVER, () => auto.getNodeAutoInstrumentations(configs)));
          return out;
        } finally {
          if (saved === undefined) delete process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS;
          else process.env.OTEL_NODE_ENABLED_INSTRUMENTATIONS = saved;
        }
      },
    };
  }
  const names = (wanted ?? ['http', 'undici']).filter((n) => !disabled.has(n));
  const httpPath = require.resolve(`${PREFIX}http`);
  const paths: string[] = [];
  for (const name of names) {
    // http and undici come with this package; any other is loaded from the app's own install.
    let path: string | undefined;
    if (name === 'http' || name === 'undici') path = require.resolve(PREFIX + name);
    else path = resolveFromApp(PREFIX + name);
    if (!path) {
      logger.warn(
        `${where('register')} instrumentation "${name}" is not installed: npm install ${PREFIX}${name} (or ${AUTO} for the whole set)`,
      );
      continue;
    }
    paths.push(path);
    try {
      copies.add(createRequire(path).resolve('@opentelemetry/instrumentation'));
    } catch {}
  }
  return {
    instrumentationCopies: copies,
    create() {
      const out: Instrumentation[] = lean ? [new LeanHttpServerInstrumentation()] : [];
      for (const path of paths) {
        const made = fromPackage(path, lean && path === httpPath ? HTTP_CLIENT_ONLY : undefined);
        if (made) out.push(made);
        else logger.warn(`${where('register')} ${path} exports no Instrumentation class; skipped`);
      }
      return out;
    },
  };
}

/**
 * Registers import-in-the-middle's loader hook. With one @opentelemetry/instrumentation copy in use, the hook wraps
 * only the modules an instrumentation hooks (its message channel carries the list); with several copies (an app's
 * auto-instrumentations on another release line), it wraps every ES module so each copy's hooks see theirs.
 */
function registerEsmHook(copies: Set<string>): (() => Promise<void>) | undefined {
  if (typeof registerLoaderHook !== 'function') return undefined;
  const iitms = new Set([...copies].map(iitmOf).filter(Boolean) as string[]);
  const [single] = iitms;
  const hookUrl = (iitm: string) => pathToFileURL(join(dirname(iitm), 'hook.mjs')).href;
  if (iitms.size === 1 && single) {
    const iitm = require(single) as {
      createAddHookMessageChannel(): {
        registerOptions: object;
        waitForAllMessagesAcknowledged(): Promise<void>;
      };
    };
    const channel = iitm.createAddHookMessageChannel();
    registerLoaderHook(hookUrl(single), import.meta.url, channel.registerOptions);
    return () => channel.waitForAllMessagesAcknowledged();
  }
  const any = [...iitms][0] ?? require.resolve('import-in-the-middle');
  registerLoaderHook(hookUrl(any), import.meta.url);
  return undefined;
}

/** Whether `promise` settled within `ms` (a rejection counts as settled: it was logged where it happened). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Flushes on SIGTERM / SIGINT / beforeExit; exits on a signal unless the app handles it itself. */
function installExitHandlers(telemetry: Telemetry, logger: DiagnosticLogger, timeoutMs: number, signals: boolean) {
  let done = false;
  const shutdown = () => {
    if (done) return Promise.resolve();
    done = true;
    return telemetry.shutdown().catch((e) => logger.error(`${where('register')} shutdown failed: ${e?.message}`));
  };
  process.once('beforeExit', () => void shutdown());
  if (!signals) return;
  const onSignal = (signal: NodeJS.Signals) => {
    // The app's own handler (registered before or after this one) decides when to exit: flush what ended so far and
    // keep collecting while it drains; beforeExit shuts down.
    if (process.listenerCount(signal) > 0) {
      telemetry.forceFlush().catch((e) => logger.error(`${where('register')} flush failed: ${e?.message}`));
      return;
    }
    // Flush (everything ended so far committed to the store), then exit without closing the backends: what was
    // flushed is stored, and a close caught mid-way (a SQLite thread in a checkpoint) holds process exit up longer
    // than an orchestrator waits — measured here: flush 150-270 ms, a close 1.4-1.9 s on a loaded machine.
    void (async () => {
      const t0 = performance.now();
      const flushed = await within(telemetry.forceFlush(), timeoutMs);
      if (!flushed)
        logger.error(`${where('register')} ${signal}: telemetry not flushed within ${timeoutMs} ms; exiting anyway`);
      else logger.debug(`${where('register')} ${signal}: flushed in ${(performance.now() - t0).toFixed(0)} ms`);
      // SIGTERM is the orchestrator's normal stop: exit 0. SIGINT keeps the shell's convention (128 + 2).
      process.exit(signal === 'SIGTERM' ? 0 : 130);
    })();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/**
 * Starts telemetry for an app that has no telemetry code. Returns the telemetry, or undefined when OTEL_SDK_DISABLED
 * is true (nothing is opened then). Runs in the main thread only: a worker thread that inherited the preload returns
 * at once.
 */
export async function startZeroCode(options: ZeroCodeOptions = {}): Promise<Telemetry | undefined> {
  const config = loadConfig(options.configPath ?? (process.env.ROHAS_TELEMETRY_CONFIG || undefined));
  setDiagLevel(config.log_level);
  const logger = leveledLogger(config.log_level);
  if (config.sdk_disabled) {
    logger.debug(`${where('register')} OTEL_SDK_DISABLED is true: no telemetry is collected`);
    return undefined;
  }
  const plan = planInstrumentations(config, logger);
  // The hook first: an instrumentation's constructor sends its module list to the loader through the channel.
  const acknowledged = registerEsmHook(plan.instrumentationCopies);
  const instrumentations = plan.create();
  const telemetry = await createTelemetry(config, { logger, instrumentations });
  await acknowledged?.();
  installExitHandlers(telemetry, logger, options.signalFlushTimeoutMs ?? 1500, options.handleSignals ?? true);
  logger.debug(
    `${where('register')} telemetry started (${config.source}): ${instrumentations.map((i) => i.instrumentationName).join(', ')}`,
  );
  return telemetry;
}
