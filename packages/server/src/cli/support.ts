import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { type DiagnosticLogger, loadConfig, openStorage, type TelemetryConfig } from '@rohas/telemetry';
import { toJsonValue } from '../json.js';
import { type ParamError, parseTime } from '../params.js';
import type { ServerStorage } from '../types.js';

/*
 * What every `rohas-telemetry` command shares: exit codes, the Io pair (stdout for data, stderr for diagnostics),
 * argument parsing with the common options, opening a config and a storage, and output formatting.
 */

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

export class UsageError extends Error {}
export type { ParamError };

/** Where a command writes: `out` is the command's data (stdout), `err` every diagnostic (stderr). */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Progress on stderr when it is a terminal; absent otherwise (tests, pipes, files). */
  progress?: (text: string) => void;
  /** 0 = --quiet (errors only), 1 = default (warnings and notices), 2 = --verbose (debug too). */
  verbosity?: number;
  /** The real stdout, for commands that stream many lines with back-pressure (export); absent in tests. */
  stdout?: Writable;
}

export type Command = (args: string[], io: Io) => Promise<number>;

/** Options every command accepts, before or after the command's name. */
export const COMMON = {
  config: { type: 'string', short: 'c' },
  help: { type: 'boolean', short: 'h' },
  quiet: { type: 'boolean', short: 'q' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

/** The parsed values of an option spec (spelled out: node:util's own result type cannot be named in .d.ts files). */
export type Values<T extends OptionSpec> = {
  [K in keyof (typeof COMMON & T)]?: (typeof COMMON & T)[K] extends { type: 'boolean' }
    ? boolean
    : (typeof COMMON & T)[K] extends { multiple: true }
      ? string[]
      : string;
};

export function parse<T extends OptionSpec>(
  args: string[],
  options: T,
  positionals = false,
): { values: Values<T>; positionals: string[] } {
  try {
    const r = parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: positionals, strict: true });
    return { values: r.values as Values<T>, positionals: r.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function configFrom(path: string | undefined): TelemetryConfig {
  if (path !== undefined && !existsSync(resolve(path)))
    throw Object.assign(new Error(`[rohas-telemetry] [config] ${resolve(path)}: no such file`), {
      name: 'ConfigError',
    });
  return loadConfig(path);
}

/** The storage's diagnostics, on stderr, filtered by --quiet / --verbose. */
export function loggerFor(io: Io): DiagnosticLogger {
  const level = io.verbosity ?? 1;
  return {
    debug: (m) => level >= 2 && io.err(m),
    info: (m) => level >= 1 && io.err(m),
    warn: (m) => level >= 1 && io.err(m),
    error: (m) => io.err(m),
  };
}

export async function open(config: TelemetryConfig, io: Io): Promise<ServerStorage> {
  return openStorage(config, { logger: loggerFor(io) });
}

export async function withStorage<T>(
  config: TelemetryConfig,
  io: Io,
  fn: (storage: ServerStorage) => Promise<T>,
): Promise<T> {
  const storage = await open(config, io);
  try {
    return await fn(storage);
  } finally {
    await storage.shutdown();
  }
}

export const now = () => BigInt(Date.now()) * 1_000_000n;

export function time(value: string | undefined, name: string): bigint | undefined {
  return value === undefined ? undefined : parseTime(value, name, now());
}

export function isoOf(ns: bigint | string): string {
  const n = BigInt(ns);
  return new Date(Number(n / 1_000_000n)).toISOString();
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

export function json(value: unknown): string {
  return JSON.stringify(toJsonValue(value), null, 2);
}

/** Prints `--help` text when asked; true when it did. */
export function helped(values: { help?: boolean }, io: Io, text: string): boolean {
  if (values.help) io.out(text);
  return values.help === true;
}
