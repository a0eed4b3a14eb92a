#!/usr/bin/env node
import { createWriteStream, existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig, openStorage, serviceNameOf, type TelemetryConfig } from '@rohas/telemetry';
import { batchToOtlpLine, ingestBatch, readOtlpFile, readWindow, type SignalName } from './data-move.js';
import { toJsonValue } from './json.js';
import { ParamError, parseAttr, parseDuration, parseSeverity, parseTime } from './params.js';
import { DEFAULT_HOST, DEFAULT_PORT, startServer } from './server.js';
import type { ServerStorage } from './types.js';

/** Exit codes of `rohas-telemetry`. */
export const EXIT = {
  OK: 0,
  /** The command ran and failed: backend unreachable, doctor found a problem, a write was refused. */
  FAILURE: 1,
  /** Bad command line: unknown verb or option, bad value. */
  USAGE: 2,
  /** The configuration file is missing or invalid. */
  CONFIG: 3,
} as const;

class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const COMMON = { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } as const;

const HELP: Record<string, string> = {
  main: `rohas-telemetry — OTLP receiver, query API and tools over the backend configured in rohas.toml

Usage: rohas-telemetry <command> [options]

Commands:
  serve                    receive OTLP/HTTP and serve the query API, Jaeger API and Workbench (default)
  query traces|logs|metrics  query stored telemetry (a table, or --json)
  retention run            delete data older than retention_days now
  migrate                  connect and apply the backend's migrations
  export                   write a time window as OTLP/JSON lines
  import <file>...         read OTLP/JSON lines (export output or an OTLP file exporter's file) into the backend
  copy --from a.toml --to b.toml   move a time window from one backend to another
  doctor                   check the configuration and that the backend answers

Common options:
  -c, --config <file>      rohas.toml to use (default ./rohas.toml or ./config/rohas.toml, else the embedded SQLite default)
  -h, --help               help for a command

Exit codes: 0 ok, 1 the command failed, 2 bad usage, 3 bad configuration.`,
  serve: `Usage: rohas-telemetry serve [--host 127.0.0.1] [--port 4318] [--grpc-port 4317] [--config rohas.toml]

Starts the OTLP/HTTP receiver (/v1/traces, /v1/metrics, /v1/logs), the query API (/telemetry/...), the Jaeger API
(/api/...) and the Workbench (/workbench) on one port. Host and port default to [telemetry.server] host/port, else
127.0.0.1:4318 (the OTLP/HTTP default port). OTLP/gRPC listens on --grpc-port ([telemetry.server] grpc_port, else
4317; 0 disables it). [telemetry.server] token requires "Authorization: Bearer <token>".
Stops cleanly (flushing queued data) on SIGINT/SIGTERM.`,
  query: `Usage: rohas-telemetry query traces|logs|metrics [options] [--json]

  query traces  [--service S] [--name N] [--attr K=V]... [--min-duration 10ms] [--max-duration 2s]
                [--status ok|error|unset] [--start T] [--end T] [--limit N] [--cursor C]
  query logs    [--start T] [--end T] [--min-severity WARN|13] [--text S] [--trace-id HEX] [--span-id HEX]
                [--service S] [--attr K=V]... [--limit N] [--order asc|desc] [--cursor C]
  query metrics [--name N [--start T] [--end T] [--step 1m] [--aggregation avg|sum|min|max|count|last|p50|p90|p95|p99]
                [--group-by k1,k2] [--attr K=V]... [--service S]]      (no --name: list metrics)

Times: nanoseconds, ISO-8601, or now-15m. Durations: ns or 250ms, 1.5s, 2m, 1h.`,
  retention: `Usage: rohas-telemetry retention run [--config rohas.toml]

Deletes data older than each signal's retention_days now and prints how many rows each signal lost.`,
  migrate: `Usage: rohas-telemetry migrate [--config rohas.toml]

Connects to the configured backend(s) and applies pending schema migrations, then prints their health.`,
  export: `Usage: rohas-telemetry export [--out file.jsonl] [--start now-1h] [--end now] [--signals traces,logs,metrics] [--step 1m]

Writes one OTLP/JSON Export*ServiceRequest per line (stdout unless --out). Traces and logs are exported whole;
metrics are read back through the query API as one point per series and --step bucket (last value), without
resource attributes; histograms are skipped (the query API returns no raw buckets).`,
  import: `Usage: rohas-telemetry import <file.jsonl>... [--config rohas.toml]

Reads OTLP/JSON lines (as written by export, or by the OpenTelemetry Collector's / SDK file exporters) and writes
them to the configured backend. Waits while the write queue is full; never drops.`,
  copy: `Usage: rohas-telemetry copy --from a.toml --to b.toml [--start now-24h] [--end now] [--signals traces,logs,metrics] [--step 1m]

Reads a time window from one backend through its adapter and writes it to another (same rules as export).`,
  doctor: `Usage: rohas-telemetry doctor [--config rohas.toml]

Checks the configuration, opens the backend(s), runs their health checks and prints what each signal is stored in.
Exits 1 when a backend does not answer.`,
};

function parse<T extends Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>>(
  args: string[],
  options: T,
  positionals = false,
) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: positionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function configFrom(path: string | undefined): TelemetryConfig {
  if (path !== undefined && !existsSync(resolve(path)))
    throw Object.assign(new Error(`[rohas-telemetry] [config] ${resolve(path)}: no such file`), {
      name: 'ConfigError',
    });
  return loadConfig(path);
}

async function withStorage<T>(config: TelemetryConfig, fn: (storage: ServerStorage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config);
  try {
    return await fn(storage);
  } finally {
    await storage.shutdown();
  }
}

const now = () => BigInt(Date.now()) * 1_000_000n;

function time(value: string | undefined, name: string): bigint | undefined {
  return value === undefined ? undefined : parseTime(value, name, now());
}

function signalsOf(value: string | undefined): SignalName[] {
  if (value === undefined) return ['traces', 'logs', 'metrics'];
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of list)
    if (s !== 'traces' && s !== 'logs' && s !== 'metrics')
      throw new UsageError(`--signals: unknown signal ${JSON.stringify(s)} (traces, logs, metrics)`);
  return list as SignalName[];
}

function isoOf(ns: bigint | string): string {
  const n = BigInt(ns);
  const ms = Number(n / 1_000_000n);
  return new Date(ms).toISOString();
}

/** A plain text table: columns padded to the widest cell, long cells cut. */
export function table(headers: string[], rows: string[][]): string {
  const cut = (s: string) => (s.length > 60 ? `${s.slice(0, 59)}…` : s);
  const cells = rows.map((r) => r.map(cut));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

function json(value: unknown): string {
  return JSON.stringify(toJsonValue(value), null, 2);
}

async function cmdServe(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'grpc-port': { type: 'string' },
  });
  if (values.help) {
    io.out(HELP.serve!);
    return EXIT.OK;
  }
  let port: number | undefined;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535)
      throw new UsageError(`--port must be 0..65535, got ${values.port}`);
    port = Number(values.port);
  }
  const grpcFlag = values['grpc-port'];
  if (grpcFlag !== undefined && (!/^\d{1,5}$/.test(grpcFlag) || Number(grpcFlag) > 65535))
    throw new UsageError(`--grpc-port must be 0..65535 (0 disables OTLP/gRPC), got ${grpcFlag}`);
  const config = configFrom(values.config);
  const storage = await openStorage(config);
  const server = await startServer({
    grpcPort: grpcFlag !== undefined ? Number(grpcFlag) : undefined,
    storage,
    host: values.host ?? config.server?.host ?? DEFAULT_HOST,
    port: port ?? config.server?.port ?? DEFAULT_PORT,
  });
  const health = await storage.health();
  io.out(
    `rohas-telemetry listening on ${server.url}  (OTLP/HTTP ${server.url}/v1/{traces,metrics,logs}, Workbench ${server.url}/workbench/${server.grpcPort ? `, OTLP/gRPC ${server.host}:${server.grpcPort}` : ''})`,
  );
  io.out(
    `storage: ${health.message}; ${Object.entries(health.signals)
      .map(([s, b]) => `${s} -> ${b}`)
      .join(', ')}`,
  );
  if (config.server?.token) io.out('bearer token required on /v1, /telemetry and /api');
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  io.out('stopping: flushing queued telemetry');
  await server.close();
  await storage.shutdown();
  return EXIT.OK;
}

async function cmdQuery(args: string[], io: Io): Promise<number> {
  const what = args[0];
  if (what === undefined || what === '--help' || what === '-h') {
    io.out(HELP.query!);
    return EXIT.OK;
  }
  const rest = args.slice(1);
  const { values } = parse(rest, {
    json: { type: 'boolean' },
    service: { type: 'string' },
    name: { type: 'string' },
    attr: { type: 'string', multiple: true },
    'min-duration': { type: 'string' },
    'max-duration': { type: 'string' },
    status: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    limit: { type: 'string' },
    cursor: { type: 'string' },
    'min-severity': { type: 'string' },
    text: { type: 'string' },
    'trace-id': { type: 'string' },
    'span-id': { type: 'string' },
    order: { type: 'string' },
    step: { type: 'string' },
    aggregation: { type: 'string' },
    'group-by': { type: 'string' },
  });
  if (values.help) {
    io.out(HELP.query!);
    return EXIT.OK;
  }
  const attributes = values.attr?.map((a) => parseAttr(a, '--attr'));
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const config = configFrom(values.config);
  return withStorage(config, async (storage) => {
    const q = storage.query;
    if (what === 'traces') {
      const page = await q.findTraces({
        service: values.service,
        name: values.name,
        attributes,
        minDurationNano:
          values['min-duration'] === undefined ? undefined : parseDuration(values['min-duration'], '--min-duration'),
        maxDurationNano:
          values['max-duration'] === undefined ? undefined : parseDuration(values['max-duration'], '--max-duration'),
        status: values.status as 'ok' | 'error' | 'unset' | undefined,
        start: time(values.start, '--start'),
        end: time(values.end, '--end'),
        limit,
        cursor: values.cursor,
      });
      if (values.json) io.out(json(page));
      else {
        io.out(
          table(
            ['TRACE ID', 'START', 'DURATION', 'SERVICE', 'ROOT SPAN', 'SPANS', 'ERRORS'],
            page.items.map((t) => [
              t.traceId,
              isoOf(t.startTimeUnixNano),
              `${Number(t.durationNano) / 1e6} ms`,
              t.rootServiceName,
              t.rootSpanName,
              String(t.spanCount),
              String(t.errorCount),
            ]),
          ),
        );
        if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}`);
      }
      return EXIT.OK;
    }
    if (what === 'logs') {
      const page = await q.queryLogs({
        start: time(values.start, '--start'),
        end: time(values.end, '--end'),
        minSeverity:
          values['min-severity'] === undefined ? undefined : parseSeverity(values['min-severity'], '--min-severity'),
        text: values.text,
        traceId: values['trace-id']?.toLowerCase(),
        spanId: values['span-id']?.toLowerCase(),
        service: values.service,
        attributes,
        limit,
        cursor: values.cursor,
        order: values.order as 'asc' | 'desc' | undefined,
      });
      if (values.json) io.out(json(page));
      else {
        io.out(
          table(
            ['TIME', 'SEVERITY', 'SERVICE', 'TRACE ID', 'BODY'],
            page.items.map((l) => [
              isoOf(l.timeUnixNano),
              l.severityText ?? String(l.severityNumber),
              serviceNameOf(l.resource),
              l.traceId ?? '',
              typeof l.body === 'string' ? l.body : JSON.stringify(toJsonValue(l.body)),
            ]),
          ),
        );
        if (page.nextCursor) io.out(`more: --cursor ${page.nextCursor}`);
      }
      return EXIT.OK;
    }
    if (what === 'metrics') {
      if (values.name === undefined) {
        const list = await q.listMetrics();
        if (values.json) io.out(json(list));
        else
          io.out(
            table(
              ['NAME', 'TYPE', 'UNIT', 'DESCRIPTION'],
              list.map((m) => [m.name, m.type, m.unit ?? '', m.description ?? '']),
            ),
          );
        return EXIT.OK;
      }
      const end = time(values.end, '--end') ?? now();
      const series = await q.queryMetrics({
        name: values.name,
        start: time(values.start, '--start') ?? end - 3_600_000_000_000n,
        end,
        stepNano: values.step === undefined ? undefined : parseDuration(values.step, '--step'),
        aggregation: values.aggregation as never,
        groupBy: values['group-by'] === undefined ? undefined : values['group-by'].split(',').filter(Boolean),
        attributes,
        service: values.service,
      });
      if (values.json) io.out(json(series));
      else {
        const rows: string[][] = [];
        for (const s of series)
          for (const p of s.points)
            rows.push([JSON.stringify(toJsonValue(s.labels)), isoOf(p.timeUnixNano), String(p.value)]);
        io.out(table(['LABELS', 'TIME', 'VALUE'], rows));
      }
      return EXIT.OK;
    }
    throw new UsageError(`query: unknown kind ${JSON.stringify(what)}; use traces, logs or metrics`);
  });
}

async function cmdRetention(args: string[], io: Io): Promise<number> {
  if (args[0] !== 'run') {
    if (args.includes('--help') || args.includes('-h') || args.length === 0)
      return io.out(HELP.retention!), args.length === 0 ? EXIT.USAGE : EXIT.OK;
    throw new UsageError(`retention: unknown action ${JSON.stringify(args[0])}; use "retention run"`);
  }
  const { values } = parse(args.slice(1), { json: { type: 'boolean' } });
  if (values.help) {
    io.out(HELP.retention!);
    return EXIT.OK;
  }
  return withStorage(configFrom(values.config), async (storage) => {
    const result = await storage.runRetention();
    io.out(
      values.json
        ? json(result)
        : `retention: removed ${
            Object.entries(result)
              .map(([s, n]) => `${n} ${s}`)
              .join(', ') || 'nothing'
          }`,
    );
    return EXIT.OK;
  });
}

async function cmdMigrate(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {});
  if (values.help) {
    io.out(HELP.migrate!);
    return EXIT.OK;
  }
  // openStorage initialises every adapter once, which applies its migrations.
  return withStorage(configFrom(values.config), async (storage) => {
    const health = await storage.health();
    io.out(`migrations applied; ${health.message}`);
    return health.ok ? EXIT.OK : EXIT.FAILURE;
  });
}

async function cmdExport(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    out: { type: 'string', short: 'o' },
    start: { type: 'string' },
    end: { type: 'string' },
    signals: { type: 'string' },
    step: { type: 'string' },
  });
  if (values.help) {
    io.out(HELP.export!);
    return EXIT.OK;
  }
  const end = time(values.end, '--end') ?? now();
  const start = time(values.start, '--start') ?? end - 3_600_000_000_000n;
  const signals = signalsOf(values.signals);
  const step = values.step === undefined ? undefined : parseDuration(values.step, '--step');
  return withStorage(configFrom(values.config), async (storage) => {
    const stream = values.out ? createWriteStream(values.out) : undefined;
    const write = (line: string) =>
      stream
        ? new Promise<void>((res, rej) => stream.write(`${line}\n`, (e) => (e ? rej(e) : res())))
        : (process.stdout.write(`${line}\n`), Promise.resolve());
    const counts: Record<string, number> = {};
    for await (const batch of readWindow(storage, {
      start,
      end,
      signals,
      metricStepNano: step,
      warn: (m) => io.err(`warning: ${m}`),
    })) {
      await write(batchToOtlpLine(batch));
      counts[batch.signal] = (counts[batch.signal] ?? 0) + batch.items.length;
    }
    if (stream) await new Promise<void>((res) => stream.end(res));
    io.err(
      `exported ${
        Object.entries(counts)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ') || 'nothing'
      }`,
    );
    return EXIT.OK;
  });
}

async function cmdImport(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {}, true);
  if (values.help) {
    io.out(HELP.import!);
    return EXIT.OK;
  }
  if (positionals.length === 0) throw new UsageError('import: give at least one file');
  for (const f of positionals) if (!existsSync(f)) throw new UsageError(`import: no such file ${f}`);
  return withStorage(configFrom(values.config), async (storage) => {
    const counts: Record<string, number> = {};
    let refused = 0;
    for (const file of positionals) {
      for await (const batch of readOtlpFile(file)) {
        const r = await ingestBatch(storage, batch);
        counts[batch.signal] = (counts[batch.signal] ?? 0) + r.written;
        refused += r.refused;
        if (r.refused > 0) io.err(`warning: ${r.refused} ${batch.signal} refused (${r.reason ?? 'unknown'})`);
      }
    }
    await storage.forceFlush();
    io.out(
      `imported ${
        Object.entries(counts)
          .map(([s, n]) => `${n} ${s}`)
          .join(', ') || 'nothing'
      }`,
    );
    return refused > 0 ? EXIT.FAILURE : EXIT.OK;
  });
}

async function cmdCopy(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    from: { type: 'string' },
    to: { type: 'string' },
    start: { type: 'string' },
    end: { type: 'string' },
    signals: { type: 'string' },
    step: { type: 'string' },
  });
  if (values.help) {
    io.out(HELP.copy!);
    return EXIT.OK;
  }
  if (!values.from || !values.to) throw new UsageError('copy: --from and --to are required');
  const end = time(values.end, '--end') ?? now();
  const start = time(values.start, '--start') ?? end - 24n * 3_600_000_000_000n;
  const signals = signalsOf(values.signals);
  const step = values.step === undefined ? undefined : parseDuration(values.step, '--step');
  const from = configFrom(values.from);
  const to = configFrom(values.to);
  return withStorage(from, (source) =>
    withStorage(to, async (target) => {
      const counts: Record<string, number> = {};
      let refused = 0;
      for await (const batch of readWindow(source, {
        start,
        end,
        signals,
        metricStepNano: step,
        warn: (m) => io.err(`warning: ${m}`),
      })) {
        const r = await ingestBatch(target, batch);
        counts[batch.signal] = (counts[batch.signal] ?? 0) + r.written;
        refused += r.refused;
      }
      await target.forceFlush();
      io.out(
        `copied ${
          Object.entries(counts)
            .map(([s, n]) => `${n} ${s}`)
            .join(', ') || 'nothing'
        } from ${values.from} to ${values.to}`,
      );
      return refused > 0 ? EXIT.FAILURE : EXIT.OK;
    }),
  );
}

async function cmdDoctor(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean' } });
  if (values.help) {
    io.out(HELP.doctor!);
    return EXIT.OK;
  }
  const config = configFrom(values.config);
  io.out(`config: ${config.source ?? 'defaults (no rohas.toml found)'}; type = ${config.type}`);
  let storage: ServerStorage;
  try {
    storage = await openStorage(config);
  } catch (error) {
    io.err(`backend: FAILED to open: ${(error as Error).message}`);
    return EXIT.FAILURE;
  }
  try {
    const health = await storage.health();
    io.out(`backend: ${health.ok ? 'ok' : 'NOT OK'}: ${health.message}`);
    for (const [signal, backend] of Object.entries(health.signals)) io.out(`  ${signal}: ${backend}`);
    if (config.server)
      io.out(
        `server: ${config.server.host ?? DEFAULT_HOST}:${config.server.port ?? DEFAULT_PORT}${config.server.token ? ', token set' : ''}`,
      );
    return health.ok ? EXIT.OK : EXIT.FAILURE;
  } finally {
    await storage.shutdown();
  }
}

const COMMANDS: Record<string, (args: string[], io: Io) => Promise<number>> = {
  serve: cmdServe,
  query: cmdQuery,
  retention: cmdRetention,
  migrate: cmdMigrate,
  export: cmdExport,
  import: cmdImport,
  copy: cmdCopy,
  doctor: cmdDoctor,
};

/** Runs the command line and returns the exit code (never calls process.exit, so tests can call it). */
export async function main(
  argv: string[],
  io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) },
): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(HELP.main!);
    return EXIT.OK;
  }
  const command = verb === undefined || verb.startsWith('-') ? 'serve' : verb;
  const args = verb === undefined || verb.startsWith('-') ? argv : rest;
  const run = COMMANDS[command];
  if (!run) {
    io.err(`rohas-telemetry: unknown command ${JSON.stringify(command)}\n\n${HELP.main}`);
    return EXIT.USAGE;
  }
  try {
    return await run(args, io);
  } catch (error) {
    const e = error as Error & { key?: string };
    if (error instanceof UsageError || error instanceof ParamError) {
      io.err(`rohas-telemetry ${command}: ${e.message}\nRun "rohas-telemetry ${command} --help".`);
      return EXIT.USAGE;
    }
    if (e.name === 'ConfigError') {
      io.err(e.message);
      return EXIT.CONFIG;
    }
    if (e.name === 'QueryError') {
      io.err(`rohas-telemetry ${command}: ${e.message}`);
      return EXIT.USAGE;
    }
    io.err(`rohas-telemetry ${command}: ${e.message}`);
    return EXIT.FAILURE;
  }
}

// Run when executed as the bin (npm links it through a symlink, hence realpath), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(resolve(process.argv[1]))).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
