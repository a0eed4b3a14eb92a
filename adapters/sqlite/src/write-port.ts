import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  type DiagnosticLogger,
  type LogRecord,
  type MetricPoint,
  type RetentionResult,
  type SignalRetention,
  type SpanRecord,
  TelemetryError,
  type WriteResult,
  where,
} from '@rohas/telemetry/adapter';
import { spanRow } from './codec.js';
import type { WriterRequest, WriterResponse } from './internal-types.js';
import type { SqliteWriter, WriterResult } from './sqlite-writer.js';
import { threadOptions } from './thread-args.js';
import { traceThresholdMs, wallMs } from './write-trace.js';

const tag = where('sqlite');

export type WriteOp = 'spans' | 'points' | 'logs';
type Items = SpanRecord[] | MetricPoint[] | LogRecord[];
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What `call` sends: a request without its id, never one of the part messages it makes itself. */
type CallRequest = DistributiveOmit<Exclude<WriterRequest, { op: 'part' | 'drop' }>, 'id'>;

/**
 * Items per message when the write thread is sent a batch: a bigger batch goes in parts, one turn of the caller's
 * event loop apart. Cloning a message holds the loop for as long as it takes — 2,000 spans ~16 ms on this 2-core machine under load —
 * so in parts a /healthz or a quick read waits for one part at most, not the whole batch. The thread still writes
 * the batch in one transaction, after its last part.
 */
export const POST_PART_ITEMS = 250;

/** Where the adapter's writes go: the calling thread, or the write thread. */
export interface WritePort {
  readonly kind: 'thread' | 'inline';
  write(op: WriteOp, items: Items): Promise<WriteResult>;
  retention(nowNano: bigint): Promise<RetentionResult>;
  close(): Promise<void>;
}

function toWriteResult(r: WriterResult): WriteResult {
  if (r.ok) return r;
  const error = new TelemetryError(`${tag} write failed: ${r.message}`);
  return { ok: false, error, retryable: r.retryable };
}

/** Writes on the calling thread (`:memory:` databases, `write_thread = false`, or no built worker file). */
export class InlineWritePort implements WritePort {
  readonly kind = 'inline';
  constructor(private readonly writer: SqliteWriter) {}
  async write(op: WriteOp, items: Items): Promise<WriteResult> {
    if (op === 'spans') return toWriteResult(this.writer.writeSpanRows((items as SpanRecord[]).map(spanRow)));
    if (op === 'points') return toWriteResult(this.writer.writePoints(items as MetricPoint[]));
    return toWriteResult(this.writer.writeLogs(items as LogRecord[]));
  }
  retention(nowNano: bigint): Promise<RetentionResult> {
    return this.writer.retention(nowNano);
  }
  async close(): Promise<void> {
    // The connection is the adapter's read connection too; the adapter closes it.
  }
}

/** The compiled worker: beside this module in dist/, or in dist/ when running from the TypeScript sources. */
export function workerFile(name = 'writer-worker'): string | undefined {
  for (const candidate of [`./${name}.js`, `../dist/${name}.js`]) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Writes in a worker thread that owns the write connection, so a batch's transaction never blocks the
 * application's event loop. The thread keeps the process alive only while writes are pending. If it dies, pending
 * writes fail as retryable (the core's queue retries them) and the next write starts a new thread.
 */
export class ThreadWritePort implements WritePort {
  readonly kind = 'thread';
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: WriterResponse) => void>();
  private closed = false;
  private closing = false;
  /**
   * Writes posted and not yet taken up by the thread, in memory both threads see: a retention sweep step ends early
   * when one is waiting (retention-steps.ts), so a write waits for one round of the sweep, not a whole step.
   */
  private readonly writesWaiting = new Int32Array(new SharedArrayBuffer(4));
  /**
   * Posting of the requests, one after the other: a batch in parts and whatever is sent after it reach the thread in
   * the order they were sent (a later, smaller batch never overtakes one still being posted; `close` comes last).
   */
  private posting: Promise<void> = Promise.resolve();
  /** ROHAS_SQLITE_TRACE_MS (write-trace.ts): requests carry their send time and slow answers are logged here too. */
  private readonly traceMs = traceThresholdMs();

  constructor(
    private readonly file: string,
    private readonly workerData: { file: string; cacheMb: number; retention: SignalRetention; signals: string[] },
    private readonly logger: DiagnosticLogger,
  ) {}

  /** Starts the thread; rejects if it cannot open the database. */
  start(): Promise<void> {
    this.ready ??= new Promise<void>((resolve, reject) => {
      // A new thread: writes posted to a dead one were answered as failed, none is waiting.
      Atomics.store(this.writesWaiting, 0, 0);
      const worker = new Worker(this.file, {
        workerData: { ...this.workerData, writesWaiting: this.writesWaiting },
        ...threadOptions(),
      });
      this.worker = worker;
      let started = false;
      worker.on('message', (m: WriterResponse) => {
        if (m.id === 0) {
          started = true;
          worker.unref();
          resolve();
          return;
        }
        if (this.traceMs !== undefined && m.posted !== undefined) {
          const waited = wallMs() - m.posted;
          if (waited >= this.traceMs)
            process.stderr.write(
              `[rohas-telemetry] [sqlite] [trace] answer #${m.id} waited ${waited.toFixed(1)} ms for the caller's event loop\n`,
            );
        }
        const done = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (this.pending.size === 0) worker.unref();
        done?.(m);
      });
      const fail = (error: Error) => {
        if (!started)
          reject(new TelemetryError(`${tag} the write thread did not start: ${error.message}`, { cause: error }));
        else if (!this.closed)
          this.logger.error(`${tag} the write thread stopped: ${error.message}; writes will restart it`);
        for (const [id, done] of this.pending) done({ id, error: `write thread stopped: ${error.message}` });
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

  private async call(request: CallRequest, leading: Items[] = []): Promise<WriterResponse> {
    if (this.closed) return { id: -1, error: 'the adapter is closed' };
    try {
      await this.start();
    } catch (error) {
      return { id: -1, error: (error as Error).message };
    }
    const id = this.nextId++;
    // Every part goes to the thread that was asked: if it dies meanwhile, its pending answers fail (retryable) and
    // a new thread never sees half a batch.
    const worker = this.worker!;
    const isWrite = request.op === 'spans' || request.op === 'points' || request.op === 'logs';
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      if (isWrite) Atomics.add(this.writesWaiting, 0, 1);
      worker.ref();
      const post = async () => {
        let partsSent = 0;
        try {
          for (const items of leading) {
            worker.postMessage({ id, op: 'part', items } satisfies WriterRequest);
            partsSent++;
            await new Promise((next) => setImmediate(next));
          }
          worker.postMessage(this.traceMs === undefined ? { ...request, id } : { ...request, id, sent: wallMs() });
        } catch (error) {
          // An item that cannot be cloned: the call fails as a direct postMessage would, and the thread forgets the
          // parts it was sent; later requests are posted as usual.
          if (partsSent > 0) worker.postMessage({ id, op: 'drop' } satisfies WriterRequest);
          if (this.pending.delete(id) && isWrite) Atomics.sub(this.writesWaiting, 0, 1);
          if (this.pending.size === 0) worker.unref();
          reject(error);
        }
      };
      this.posting = this.posting.then(post);
    });
  }

  async write(op: WriteOp, items: Items): Promise<WriteResult> {
    // Records go as they are and the write thread encodes them (spanRow): cloning a record costs the caller's event
    // loop less than encoding it here and cloning its row (measured: 500 spans ~0.8 ms to post as records vs ~11 ms
    // to encode + 0.3 ms to post as rows), and a huge attribute value is JSON-escaped and hashed in the thread.
    // A big batch goes in parts of POST_PART_ITEMS, the last one with the op (writer-worker.ts puts them together).
    const leading: Items[] = [];
    let at = 0;
    for (; items.length - at > POST_PART_ITEMS; at += POST_PART_ITEMS)
      leading.push(items.slice(at, at + POST_PART_ITEMS) as Items);
    const last = (at === 0 ? items : items.slice(at)) as Items;
    const r = await this.call({ op, items: last } as CallRequest, leading);
    if (r.result) return toWriteResult(r.result);
    return { ok: false, error: new TelemetryError(`${tag} write failed: ${r.error}`), retryable: true };
  }

  async retention(nowNano: bigint): Promise<RetentionResult> {
    const r = await this.call({ op: 'retention', now: nowNano });
    if (r.error) throw new TelemetryError(`${tag} retention failed: ${r.error}`);
    return r.retention ?? {};
  }

  async close(): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    const worker = this.worker;
    if (worker) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      await this.call({ op: 'close' });
      // Held until the thread is gone: an unreferenced worker would let the process exit mid-close.
      worker.ref();
      await exited;
    }
    this.closed = true;
  }
}
