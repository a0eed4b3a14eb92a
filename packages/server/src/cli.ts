#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COPY_HELP, copy } from './cli/commands/copy.js';
import { DOCTOR_HELP, doctor } from './cli/commands/doctor.js';
import { EXPORT_HELP, exportCommand } from './cli/commands/export.js';
import { IMPORT_HELP, importCommand } from './cli/commands/import.js';
import { MIGRATE_HELP, migrate } from './cli/commands/migrate.js';
import { QUERY_HELP, query } from './cli/commands/query.js';
import { RETENTION_HELP, retention } from './cli/commands/retention.js';
import { SERVE_HELP, serve } from './cli/commands/serve.js';
import { type Command, EXIT, type Io, UsageError } from './cli/support.js';
import { ParamError } from './params.js';

export { EXIT, table } from './cli/support.js';

const MAIN_HELP = `rohas-telemetry — OTLP receiver, query API and tools over the backend configured in rohas.toml

Usage: rohas-telemetry [global options] <command> [options]

Commands:
  serve                    receive OTLP/HTTP and serve the query API, Jaeger API and Workbench (default)
  query traces|logs|metrics  query stored telemetry (a table, or --json)
  retention run            delete data older than retention_days now
  migrate                  connect and apply the backend's migrations
  export                   write a time window as OTLP/JSON lines
  import <file>...         read OTLP/JSON lines (export output or an OTLP file exporter's file) into the backend
  copy --from a.toml --to b.toml   move a time window from one backend to another
  doctor                   check the configuration and that the backend answers

Global options (before or after the command):
  -c, --config <file>      rohas.toml to use (default ./rohas.toml or ./config/rohas.toml, else the embedded SQLite default)
  -q, --quiet              print only errors on stderr
  -v, --verbose            print debug diagnostics on stderr
  -h, --help               help for a command

stdout carries only the command's data; every diagnostic, warning and progress line goes to stderr.
Exit codes: 0 ok, 1 the command failed, 2 bad usage, 3 bad configuration.`;

const COMMANDS: Record<string, { run: Command; help: string }> = {
  serve: { run: serve, help: SERVE_HELP },
  query: { run: query, help: QUERY_HELP },
  retention: { run: retention, help: RETENTION_HELP },
  migrate: { run: migrate, help: MIGRATE_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  copy: { run: copy, help: COPY_HELP },
  doctor: { run: doctor, help: DOCTOR_HELP },
};

const GLOBAL_WITH_VALUE = new Set(['-c', '--config']);
const GLOBAL_FLAGS = new Set(['-q', '--quiet', '-v', '--verbose']);

/**
 * Splits `[global options] <command> [args]`: global options written before the command are moved behind it, where
 * every command's parser accepts them, so `-c f.toml doctor` and `doctor -c f.toml` mean the same.
 */
function splitArgv(argv: string[]): { command: string; args: string[] } {
  const globals: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) {
      if (i + 1 >= argv.length) throw new UsageError(`${a} needs a value`);
      globals.push(a, argv[i + 1]!);
      i += 2;
    } else if (a.startsWith('--config=') || GLOBAL_FLAGS.has(a)) {
      globals.push(a);
      i++;
    } else break;
  }
  const rest = argv.slice(i);
  const verb = rest[0];
  // No command, or only options: `serve` is the default command.
  if (verb === undefined || verb.startsWith('-')) return { command: 'serve', args: [...globals, ...rest] };
  return { command: verb, args: [...rest.slice(1), ...globals] };
}

/** Runs the command line and returns the exit code (never calls process.exit, so tests can call it). */
export async function main(
  argv: string[],
  io: Io = { out: (t) => console.log(t), err: (t) => console.error(t) },
): Promise<number> {
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(MAIN_HELP);
    return EXIT.OK;
  }
  let command = 'rohas-telemetry';
  try {
    const split = splitArgv(argv);
    command = split.command;
    const entry = COMMANDS[command];
    if (!entry) {
      io.err(`rohas-telemetry: unknown command ${JSON.stringify(command)}\n\n${MAIN_HELP}`);
      return EXIT.USAGE;
    }
    const verbosity = split.args.some((a) => a === '-q' || a === '--quiet')
      ? 0
      : split.args.some((a) => a === '-v' || a === '--verbose')
        ? 2
        : (io.verbosity ?? 1);
    return await entry.run(split.args, { ...io, verbosity });
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
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') return EXIT.OK;
    io.err(`rohas-telemetry ${command}: ${e.message}`);
    return EXIT.FAILURE;
  }
}

/** The bin: stdout for data, stderr for the rest, progress only on a terminal, and a closed pipe ends quietly. */
export async function runBin(argv: string[]): Promise<void> {
  // `rohas-telemetry export | head`: the reader went away; that is a normal end, not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT.OK);
    throw e;
  });
  const io: Io = {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
    stdout: process.stdout,
    ...(process.stderr.isTTY ? { progress: (t: string) => process.stderr.write(`\r\x1b[2K${t}`) } : {}),
  };
  process.exitCode = await main(argv, io);
}

// Run when executed as the bin (npm links it through a symlink, hence realpath), not when imported by tests.
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(resolve(process.argv[1]))).href) {
  void runBin(process.argv.slice(2));
}
