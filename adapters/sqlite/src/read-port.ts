import { Worker } from 'node:worker_threads';
import { type DiagnosticLogger, QueryError, TelemetryError } from '@rohas/telemetry/adapter';
import type { ReadContext } from './read-context.js';
import { type ReadOp, type ReadOps, runRead } from './read-ops.js';
import { threadOptions } from './thread-args.js';

const tag = '[rohas-telemetry] [sqlite]';

/** A message to a read thread. */
export interface ReadRequest {
  id: number;
  op: ReadOp;
  arg: unknown;
}
/** Its answer; id 0 announces that the thread is ready. */
export interface ReadResponse {
  id: number;
  result?: unknown;
  error?: { name: string; message: string; field?: string };
}

/** Where the adapter's reads run: its own connection on the calling thread, or a pool of read threads. */
export interface ReadPort {
  readonly kind: 'inline' | 'threads';
  run<K extends ReadOp>(op: K, arg: ReadOps[K][0]): Promise<ReadOps[K][1]>;
  close(): Promise<void>;
}

export class InlineReadPort implements ReadPort {
  readonly kind = 'inline';
  constructor(private readonly ctx: ReadContext) {}
  async run<K extends ReadOp>(op: K, arg: ReadOps[K][0]): Promise<ReadOps[K][1]> {
    return runRead(this.ctx, op, arg);
  }
  async close(): Promise<void> {}
}

/** Reads that cost one index lookup or a small table: they get a thread of their own, so no search delays them. */
const QUICK: ReadonlySet<ReadOp> = new Set<ReadOp>(['getTrace', 'listServices', 'listOperations', 'listMetrics']);

/** One read thread: its worker, started on first use, and the calls it has in flight. */
class ReadThread {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: ReadResponse) => void>();
  closing = false;

  constructor(
    private readonly file: string,
    private readonly workerData: { file: string; cacheMb: number; background?: boolean },
    private readonly logger: DiagnosticLogger,
  ) {}

  get load(): number {
    return this.pending.size;
  }

  /** Whether the thread is running (started and not stopped). */
  get running(): boolean {
    return this.worker !== undefined;
  }

  private start(): Promise<Worker> {
    this.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(this.file, { workerData: this.workerData, ...threadOptions() });
      let started = false;
      worker.on('message', (m: ReadResponse) => {
        if (m.id === 0) {
          started = true;
          this.worker = worker;
          worker.unref();
          resolve(worker);
          return;
        }
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        done?.(m);
      });
      const fail = (error: Error) => {
        if (!started) reject(error);
        else if (!this.closing)
          this.logger.error(`${tag} a read thread stopped: ${error.message}; reads will restart it`);
        for (const [id, done] of this.pending)
          done({ id, error: { name: 'Error', message: `read thread stopped: ${error.message}` } });
        this.pending.clear();
        this.worker = undefined;
        this.ready = undefined;
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (!this.closing || this.pending.size > 0) fail(new Error(`exited with code ${code}`));
      });
    });
    return this.ready;
  }

  async call(op: ReadOp | 'close', arg: unknown): Promise<ReadResponse> {
    const worker = await this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.ref();
      worker.postMessage({ id, op, arg });
    });
  }

  /** Starts the thread now, so a database it cannot open is reported at init. */
  async warm(): Promise<void> {
    await this.start();
  }

  async close(): Promise<void> {
    this.closing = true;
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    await this.call('close', null);
    worker.ref();
    await exited;
  }
}

/**
 * Reads on worker threads, each with its own read-only connection: a search never holds the event loop, and with two
 * search threads two searches use both cores. Quick reads (a trace by id, the service and metric lists) have a thread
 * of their own, so they never wait behind a search. Results come back by structured clone (bigints included).
 */
export class ThreadReadPool implements ReadPort {
  readonly kind = 'threads';
  private readonly searchThreads: ReadThread[];
  private readonly quickThread: ReadThread;
  private closed = false;

  constructor(file: string, workerData: { file: string; cacheMb: number }, threads: number, logger: DiagnosticLogger) {
    this.searchThreads = Array.from(
      { length: threads },
      () => new ReadThread(file, { ...workerData, background: true }, logger),
    );
    this.quickThread = new ReadThread(file, workerData, logger);
  }

  /**
   * Starts the quick-read thread now, so a database the threads cannot open is reported at init; the search threads
   * start on the first search. An app that only writes (the zero-code path) then never pays for them — each thread
   * started is one more Node joins at exit (about 0.2 s each on a 2-core machine).
   */
  async start(): Promise<void> {
    try {
      await this.quickThread.warm();
    } catch (error) {
      await this.close();
      throw new TelemetryError(`${tag} the read threads did not start: ${(error as Error).message}`, { cause: error });
    }
  }

  /** How many read threads are running now (health details). */
  get running(): number {
    return [this.quickThread, ...this.searchThreads].filter((t) => t.running).length;
  }

  async run<K extends ReadOp>(op: K, arg: ReadOps[K][0]): Promise<ReadOps[K][1]> {
    if (this.closed) throw new TelemetryError(`${tag} ${op}: the adapter is closed`);
    const thread = QUICK.has(op)
      ? this.quickThread
      : this.searchThreads.reduce((least, t) => (t.load < least.load ? t : least));
    const r = await thread.call(op, arg);
    if (r.error) {
      if (r.error.name === 'QueryError') throw new QueryError(r.error.message, r.error.field);
      throw new TelemetryError(
        r.error.message.startsWith('[rohas-telemetry]') ? r.error.message : `${tag} ${op} failed: ${r.error.message}`,
      );
    }
    return r.result as ReadOps[K][1];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.quickThread, ...this.searchThreads].map((t) => t.close()));
  }
}
