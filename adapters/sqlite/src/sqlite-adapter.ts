import { isAbsolute, join, resolve } from 'node:path';
import {
  type AdapterContext,
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  type LogStore,
  type MetricStore,
  type RetentionResult,
  readOptions,
  type TelemetryAdapter,
  TelemetryError,
  type TraceStore,
  where,
} from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { migrate, openDatabase } from './connection.js';
import { checkIntegrity, prepareLocation, restrictNewFile } from './integrity.js';
import { optionsSchema } from './options.js';
import { ReadContext } from './read-context.js';
import type { ReadOp, ReadOps } from './read-ops.js';
import { InlineReadPort, type ReadPort, ThreadReadPool } from './read-port.js';
import { SqliteWriter } from './sqlite-writer.js';
import type { SqliteOptions } from './types.js';
import { InlineWritePort, ThreadWritePort, type WritePort, workerFile } from './write-port.js';

type Database = BetterSqlite3.Database;

const tag = where('sqlite');

async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    throw new TelemetryError(
      `${tag} the better-sqlite3 package is missing or failed to load (it is a native addon built at install). Run: npm install better-sqlite3`,
      { cause: error },
    );
  }
}

/** Resolves the `path` option to a database file. */
export function databaseFile(options: SqliteOptions, baseDir: string): string {
  const p = options.path ?? '.rohas/telemetry';
  if (p === ':memory:') return p;
  const full = isAbsolute(p) ? p : resolve(baseDir, p);
  return /\.(db|sqlite3?)$/i.test(full) ? full : join(full, 'telemetry.db');
}

/**
 * The SQLite adapter: one database file in WAL mode, prepared statements, one transaction per batch. better-sqlite3
 * is synchronous, so writes run in a worker thread with their own connection (see write-port.ts); reads are the
 * functions of traces.ts, metrics.ts and logs.ts over one connection's ReadContext. WAL lets them proceed side by side.
 */
export class SqliteAdapter implements TelemetryAdapter {
  readonly type = 'sqlite';
  readonly file: string;
  traces?: TraceStore;
  metrics?: MetricStore;
  logs?: LogStore;
  private db!: Database;
  private ctx!: ReadContext;
  private writer!: WritePort;
  private reader!: ReadPort;
  private readonly options: SqliteOptions;

  constructor(private readonly context: AdapterContext) {
    this.options = readOptions<SqliteOptions>(context, optionsSchema);
    this.file = databaseFile(this.options, context.baseDir);
    const signals = new Set(context.signals);
    if (signals.has('traces')) this.traces = this.traceStore();
    if (signals.has('metrics')) this.metrics = this.metricStore();
    if (signals.has('logs')) this.logs = this.logStore();
  }

  async init(): Promise<void> {
    const Driver = await loadDriver();
    const location = prepareLocation(this.file);
    const options = this.options;
    const cacheMb = options.cache_size_mb ?? 64;
    this.db = openDatabase(Driver, this.file, cacheMb);
    this.ctx = new ReadContext(this.db);
    restrictNewFile(this.file, location.created);
    // A typo in `path` would otherwise start an empty store silently: say where a new one was created.
    if (location.created)
      this.context.logger.info(`${tag} no store at ${this.file} before this run: created a new, empty one`);
    const probeMs = checkIntegrity(this.db, this.file);
    if (probeMs < 0) this.context.logger.info(`${tag} ${this.file}: over 256 MiB, start-up integrity probe skipped`);
    else if (probeMs > 1000)
      this.context.logger.info(`${tag} ${this.file}: integrity probe took ${Math.round(probeMs)} ms`);
    const applied = migrate(this.db);
    if (applied.length) this.context.logger.info(`${tag} ${this.file}: applied migration(s) ${applied.join(', ')}`);
    this.reader = await this.startReaders(options, cacheMb);
    const inline = () => new InlineWritePort(new SqliteWriter(this.db, this.context.retention, this.context.signals));
    const worker = workerFile();
    // A :memory: database lives in one connection only, so it is written where it is read.
    if (options.write_thread === false || this.file === ':memory:' || !worker) {
      this.writer = inline();
      return;
    }
    const port = new ThreadWritePort(
      worker,
      { file: this.file, cacheMb, retention: this.context.retention, signals: this.context.signals },
      this.context.logger,
    );
    try {
      await port.start();
      this.writer = port;
    } catch (error) {
      this.context.logger.warn(`${(error as Error).message}; writing on the calling thread instead`);
      this.writer = inline();
    }
  }

  /** Read threads (`read_threads`, default 2, plus one for quick reads), or this thread's connection. */
  private async startReaders(options: SqliteOptions, cacheMb: number): Promise<ReadPort> {
    const threads = options.read_threads ?? 2;
    if (!Number.isInteger(threads) || threads < 0 || threads > 64) {
      throw new TelemetryError(
        `${tag} option read_threads = ${JSON.stringify(threads)} is not allowed; expected an integer from 0 to 64`,
      );
    }
    const file = workerFile('read-worker');
    if (threads === 0 || this.file === ':memory:' || !file) return new InlineReadPort(this.ctx);
    const pool = new ThreadReadPool(file, { file: this.file, cacheMb }, threads, this.context.logger);
    try {
      await pool.start();
      return pool;
    } catch (error) {
      this.context.logger.warn(`${(error as Error).message}; reading on the calling thread instead`);
      return new InlineReadPort(this.ctx);
    }
  }

  private read<K extends ReadOp>(op: K, arg: ReadOps[K][0]): Promise<ReadOps[K][1]> {
    return this.reader.run(op, arg);
  }

  // -------------------------------------------------------------------------------------------------------------------
  private traceStore(): TraceStore {
    return {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['service', 'name', 'duration', 'status', 'time'],
        paging: true,
      },
      write: (spans) => this.writer.write('spans', spans),
      findTraces: (q) => this.read('findTraces', q),
      getTrace: (traceId) => this.read('getTrace', traceId),
      listServices: () => this.read('listServices', null),
      listOperations: (service) => this.read('listOperations', service),
    };
  }

  private metricStore(): MetricStore {
    return {
      capabilities: {
        aggregations: ALL_AGGREGATIONS,
        attributeOperators: ATTRIBUTE_OPERATORS,
        groupBy: true,
        groupByResource: true,
        exemplars: true,
        instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
      },
      write: (points) => this.writer.write('points', points),
      queryMetrics: (q) => this.read('queryMetrics', q),
      readPoints: (q) => this.read('readPoints', q),
      listMetrics: () => this.read('listMetrics', null),
    };
  }

  private logStore(): LogStore {
    return {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
        paging: true,
        // rohas_lower (read-context.ts) lower-cases as the reference does.
        ignoreCase: 'unicode',
      },
      write: (records) => this.writer.write('logs', records),
      queryLogs: (q) => this.read('queryLogs', q),
    };
  }

  // -------------------------------------------------------------------------------------------------------------------
  retention(nowNano: bigint): Promise<RetentionResult> {
    return this.writer.retention(nowNano);
  }

  async health() {
    try {
      const version = this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
      return {
        ok: true,
        message: `sqlite ${version.v} at ${this.file}`,
        details: {
          file: this.file,
          sqliteVersion: version.v,
          writes: this.writer?.kind,
          reads: this.reader?.kind,
          ...(this.reader instanceof ThreadReadPool ? { readThreadsRunning: this.reader.running } : {}),
        },
      };
    } catch (error) {
      return { ok: false, message: `sqlite at ${this.file}: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.reader?.close();
    await this.writer?.close();
    if (!this.db?.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // optimize is advisory; closing matters more.
    }
    this.db.close();
  }

  /** The underlying better-sqlite3 connection, for tools and benchmarks. */
  get connection(): Database {
    return this.db;
  }
}
