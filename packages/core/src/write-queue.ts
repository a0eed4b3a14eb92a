import { type BisectHost, writeBisecting } from './bisect-write.js';
import {
  type Batch,
  type CommitResult,
  emptyCommit,
  newTicket,
  settleTickets,
  type Ticket,
  ticketFailed,
} from './commit-tickets.js';
import { where } from './errors.js';
import type { BatchConfig, DiagnosticLogger, WriteResult } from './types.js';
import { describeProblem, type ItemProblem } from './validate.js';
import { QueueReport, type WriteQueueStats } from './write-queue-stats.js';

export type { CommitResult } from './commit-tickets.js';
export type { WriteQueueStats } from './write-queue-stats.js';

export interface PushResult {
  accepted: number;
  rejected: number;
  reason?: 'queue_full';
  retryAfterMs?: number;
  /** With `waitForCommit`: settles when every accepted item is committed, refused or dropped. Never rejects. */
  committed?: Promise<CommitResult>;
}

export interface PushOptions {
  /** Refuse new items when the queue is full (a remote client can retry) instead of dropping the oldest. */
  rejectWhenFull?: boolean;
  /** Return a `committed` promise; the batch holding the items is written as soon as a writer is free (group commit). */
  waitForCommit?: boolean;
}

/** What a converter returns for an item it cannot turn into a storable record. */
export class Refused {
  constructor(readonly problem: ItemProblem) {}
}

/**
 * One signal's bounded write path between producers and an adapter. Producers never wait: `push` appends to a
 * pending batch; full batches go to a FIFO that writers drain. A failed retryable write is retried with exponential
 * backoff and jitter while new data keeps queueing; when the queue exceeds `max_queue_size`, the oldest batch is
 * dropped and counted (or, with `rejectWhenFull`, new data is refused so a remote client can retry). A batch the
 * backend refuses as not retryable is bisected until the unstorable items are found, so the others are still stored.
 *
 * `T` is what producers hand in; `convert` turns one item into what the adapter stores (or `Refused`), once, off
 * the hot path, in the writer.
 */
export class WriteQueue<T, R = T> {
  private pending: T[] = [];
  private pendingTickets: Array<Ticket | undefined> | undefined;
  private readonly batches: Batch[] = [];
  private queuedItems = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly runners = new Set<Promise<void>>();
  private inFlight = 0;
  /** Bumped when a timed-out shutdown gives up on what is in flight. */
  private epoch = 0;
  private backoffMs = 0;
  private backoffUntil = 0;
  private readonly wakeBackoff = new Set<() => void>();
  private closed = false;
  /** Batches being written, so a timed-out shutdown can tell their producers they were dropped. */
  private readonly writing = new Set<Batch>();
  private readonly report: QueueReport;
  readonly stats: WriteQueueStats;

  constructor(
    private readonly name: string,
    private readonly write: (batch: R[]) => Promise<WriteResult>,
    private readonly convert: ((item: T) => R | Refused) | undefined,
    private readonly config: BatchConfig,
    private readonly logger: DiagnosticLogger,
    private readonly onWritten?: (batch: R[]) => void,
  ) {
    this.report = new QueueReport(name, logger);
    this.stats = this.report.stats;
  }

  /** The one place the queue calls the adapter. Adapters must not throw; a throw is a retryable failure. */
  private async writeToAdapter(items: unknown[]): Promise<WriteResult> {
    try {
      return await this.write(items as R[]);
    } catch (error) {
      return { ok: false, error: error as Error, retryable: true };
    }
  }

  /** The bisecting write's view of this queue (see bisect-write.ts). */
  private readonly host: BisectHost = {
    writeToAdapter: (items) => this.writeToAdapter(items),
    epoch: () => this.epoch,
    stored: (batch) => {
      this.settle(batch);
      this.report.written(batch.items.length);
      settleTickets(batch, 'stored');
      this.backoffMs = 0;
      this.onWritten?.(batch.items as R[]);
    },
    refusedItem: (batch, error) => {
      this.settle(batch);
      this.fail(batch.tickets?.[0], `backend: ${firstLine(error.message)}`, error.message);
    },
    writeFailed: (error) => this.report.writeFailed(error.message),
    retryLater: (batches) => this.retryLater(batches),
  };

  private get maxConcurrency(): number {
    return Math.max(1, this.config.max_concurrency ?? 1);
  }

  /** Adds items; never blocks and never throws. */
  push(items: T[], options: PushOptions = {}): PushResult {
    if (items.length === 0) {
      return options.waitForCommit
        ? { accepted: 0, rejected: 0, committed: Promise.resolve(emptyCommit()) }
        : { accepted: 0, rejected: 0 };
    }
    if (this.closed) {
      this.report.dropped(items.length, 'after shutdown');
      return { accepted: 0, rejected: items.length };
    }
    if (options.rejectWhenFull && this.queuedItems + this.pending.length + items.length > this.config.max_queue_size) {
      this.stats.rejected += items.length;
      return {
        accepted: 0,
        rejected: items.length,
        reason: 'queue_full',
        retryAfterMs: Math.max(1000, this.backoffMs),
      };
    }
    let ticket: Ticket | undefined;
    let committed: Promise<CommitResult> | undefined;
    if (options.waitForCommit) {
      ({ ticket, committed } = newTicket(items.length));
    }
    for (const item of items) {
      if (ticket || this.pendingTickets) {
        this.pendingTickets ??= new Array(this.pending.length).fill(undefined);
        this.pendingTickets.push(ticket);
      }
      this.pending.push(item);
      if (this.pending.length >= this.config.max_batch_size) this.cut();
    }
    // Group commit: a waiting producer's items go out at once when a writer is free; while writers are busy they
    // gather into the next batch, which goes out when one finishes (see run()).
    if (ticket && this.pending.length > 0 && this.runners.size < this.maxConcurrency) this.cut();
    if (this.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cut();
      }, this.config.flush_interval_ms);
      this.timer.unref?.();
    }
    this.updateQueued();
    return committed ? { accepted: items.length, rejected: 0, committed } : { accepted: items.length, rejected: 0 };
  }

  private cut(): void {
    if (this.pending.length === 0) return;
    const batch: Batch = { items: this.pending, tickets: this.pendingTickets, converted: false };
    this.pending = [];
    this.pendingTickets = undefined;
    this.batches.push(batch);
    this.queuedItems += batch.items.length;
    while (this.queuedItems > this.config.max_queue_size && this.batches.length > 1) {
      const oldest = this.batches.shift()!;
      this.queuedItems -= oldest.items.length;
      settleTickets(oldest, 'dropped');
      this.report.dropped(oldest.items.length, 'the write queue is full (backend slow or down)');
    }
    this.updateQueued();
    this.kick();
  }

  private updateQueued(): void {
    this.stats.queued = this.queuedItems + this.pending.length;
  }

  /** Starts runners until `max_concurrency` batches can be in flight. */
  private kick(): void {
    while (this.runners.size < this.maxConcurrency && this.batches.length > 0 && !this.closed) {
      const runner: Promise<void> = this.run().finally(() => {
        this.runners.delete(runner);
        if (this.batches.length === 0 && this.pendingTickets && !this.closed) this.cut();
        if (this.batches.length > 0 && !this.closed) this.kick();
      });
      this.runners.add(runner);
    }
  }

  /** Waits out the shared backoff after a failure; a flush cuts it short. */
  private async backoffGate(): Promise<void> {
    while (Date.now() < this.backoffUntil && !this.closed) {
      await new Promise<void>((resolve) => {
        this.wakeBackoff.add(resolve);
        const timer = setTimeout(resolve, this.backoffUntil - Date.now());
        timer.unref?.();
      });
    }
  }

  private async run(): Promise<void> {
    while (this.batches.length > 0 || (this.pendingTickets && !this.closed)) {
      // Waiting producers gathered while this writer was busy: their batch goes now (group commit).
      if (this.batches.length === 0) {
        const batch: Batch = { items: this.pending, tickets: this.pendingTickets, converted: false };
        this.pending = [];
        this.pendingTickets = undefined;
        this.batches.push(batch);
        this.queuedItems += batch.items.length;
      }
      await this.backoffGate();
      const batch = this.batches.shift();
      if (!batch) return;
      this.inFlight++;
      try {
        await this.writeOne(batch);
      } finally {
        this.inFlight--;
      }
      if (this.closed && this.stats.backingOff) return;
    }
  }

  /** Turns a batch's items into records once; unconvertible or unstorable items are settled as failed. */
  private prepare(batch: Batch): void {
    if (batch.converted) return;
    batch.converted = true;
    const convert = this.convert;
    if (!convert) return;
    const items: unknown[] = [];
    const tickets: Array<Ticket | undefined> | undefined = batch.tickets ? [] : undefined;
    for (let i = 0; i < batch.items.length; i++) {
      let out: R | Refused;
      try {
        out = convert(batch.items[i] as T);
      } catch (error) {
        this.fail(batch.tickets?.[i], 'unconvertible', `could not convert an item: ${(error as Error).message}`);
        this.queuedItems--;
        continue;
      }
      if (out instanceof Refused) {
        this.fail(batch.tickets?.[i], out.problem.reason, describeProblem('item', out.problem));
        this.queuedItems--;
        continue;
      }
      items.push(out);
      tickets?.push(batch.tickets![i]);
    }
    batch.items = items;
    batch.tickets = tickets;
    this.updateQueued();
  }

  private async writeOne(batch: Batch): Promise<void> {
    this.prepare(batch);
    if (batch.items.length === 0) return;
    this.writing.add(batch);
    try {
      const outcome = await writeBisecting(batch, this.host);
      if (outcome === 'retry') this.retryLater([batch]);
    } finally {
      this.writing.delete(batch);
    }
  }

  /** Puts batches back at the head of the queue and starts (or continues) the backoff. */
  private retryLater(batches: Batch[]): void {
    // Back to the head of the queue: retried first, and the first dropped if the queue overflows.
    this.batches.unshift(...batches);
    this.stats.retries++;
    this.stats.failingSince ??= Date.now();
    this.backoffMs =
      this.backoffMs === 0 ? this.config.retry_initial_ms : Math.min(this.config.retry_max_ms, this.backoffMs * 2);
    if (!this.stats.backingOff) {
      this.logger.warn(
        `${where(this.name)} write failed, retrying with backoff (queue bounded at ${this.config.max_queue_size}): ${this.stats.lastError}`,
      );
    }
    this.stats.backingOff = true;
    this.backoffUntil = Date.now() + this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
  }

  /** Counts items refused before they were queued (at the door) by reason, logged once per reason. */
  refuse(reason: string, count: number, message: string): void {
    for (let i = 0; i < count; i++) this.fail(undefined, reason, message);
  }

  /** Counts one refused item by reason, logs the first of each reason loudly, and tells its producer. */
  private fail(ticket: Ticket | undefined, reason: string, message: string): void {
    this.report.refused(reason, message);
    ticketFailed(ticket, message);
  }

  /** A batch left the queue (written or refused). */
  private settle(batch: Batch): void {
    this.queuedItems -= batch.items.length;
    this.updateQueued();
  }

  /** Writes everything pushed so far; resolves when the queue is empty or `timeoutMs` passed. */
  async flush(timeoutMs = this.config.shutdown_timeout_ms): Promise<boolean> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.cut();
    const deadline = Date.now() + timeoutMs;
    while (this.batches.length > 0 || this.inFlight > 0) {
      if (Date.now() >= deadline) return false;
      // A queue in backoff retries now rather than sleep through the flush.
      this.backoffUntil = 0;
      for (const wake of this.wakeBackoff) wake();
      this.wakeBackoff.clear();
      this.kick();
      const pause = new Promise((r) => setTimeout(r, Math.max(1, Math.min(200, deadline - Date.now()))));
      await Promise.race([...this.runners, pause]);
    }
    return true;
  }

  /** Flushes, then refuses further items. What could not be written in time is counted as dropped and logged. */
  async close(timeoutMs = this.config.shutdown_timeout_ms): Promise<void> {
    const done = await this.flush(timeoutMs);
    this.closed = true;
    for (const wake of this.wakeBackoff) wake();
    this.wakeBackoff.clear();
    if (!done) {
      const lost = this.queuedItems + this.pending.length;
      this.stats.dropped += lost;
      this.epoch++;
      for (const b of [...this.batches, ...this.writing]) settleTickets(b, 'dropped');
      settleTickets({ items: this.pending, tickets: this.pendingTickets, converted: false }, 'dropped');
      this.batches.length = 0;
      this.pending = [];
      this.pendingTickets = undefined;
      this.queuedItems = 0;
      this.updateQueued();
      this.logger.error(
        `${where(this.name)} shutdown timed out after ${timeoutMs} ms with the backend failing; ${lost} item(s) dropped`,
        {
          lastError: this.stats.lastError,
        },
      );
    }
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 120);
}
