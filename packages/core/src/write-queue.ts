import { where } from './errors.js';
import type { BatchConfig, DiagnosticLogger, WriteResult } from './types.js';
import { describeProblem, type ItemProblem } from './validate.js';

/** Counters of one signal's write queue. */
export interface WriteQueueStats {
  /** Items waiting (pending batch plus queued batches). */
  queued: number;
  /** Items the backend acknowledged. */
  written: number;
  /** Items dropped because the queue was full (oldest first) or shutdown timed out. */
  dropped: number;
  /** Items refused as unstorable (at the door or by the backend, found by bisecting); they are not retried. */
  failed: number;
  /** `failed` by reason: a validation reason (`timestamp_out_of_range`, ...) or `backend: <error message>`. */
  rejectedByReason: Record<string, number>;
  /** Write attempts that failed and were retried. */
  retries: number;
  /** Items refused at the door because the queue was full (`rejectWhenFull`). */
  rejected: number;
  lastError?: string;
  /** Whether the last write failed and the queue is waiting to retry. */
  backingOff: boolean;
  /** Since when (ms since the epoch) writes have been failing without a success in between; absent when healthy. */
  failingSince?: number;
  /** The backend's last error that says its store is damaged (e.g. SQLite "database disk image is malformed"). */
  corruption?: string;
}

/** Errors by which a backend says its store is damaged: health() reports not ok until restart. */
const CORRUPTION =
  /malformed|corrupt|SQLITE_CORRUPT|SQLITE_NOTADB|file is not a database|invalid page|could not read block/i;

/** What became of the items of one `push` that asked to wait for their commit. */
export interface CommitResult {
  /** Items the backend committed. */
  stored: number;
  /** Items the backend refused as unstorable (after bisecting), with one message per reason. */
  failed: number;
  /** Items dropped before they were written (queue overflow, shutdown timeout). */
  dropped: number;
  messages: string[];
}

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

/** The producers waiting on one push. */
interface Ticket {
  remaining: number;
  result: CommitResult;
  resolve: (r: CommitResult) => void;
}

/** A batch in the queue: items (converted to records before the first write), and per-item tickets when any waits. */
interface Batch {
  items: unknown[];
  tickets: Array<Ticket | undefined> | undefined;
  converted: boolean;
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
  private lastDropLog = 0;
  private droppedSinceLog = 0;
  private readonly loggedReasons = new Set<string>();
  /** Batches being written, so a timed-out shutdown can tell their producers they were dropped. */
  private readonly writing = new Set<Batch>();
  readonly stats: WriteQueueStats = {
    queued: 0,
    written: 0,
    dropped: 0,
    failed: 0,
    rejectedByReason: {},
    retries: 0,
    rejected: 0,
    backingOff: false,
  };

  constructor(
    private readonly name: string,
    private readonly write: (batch: R[]) => Promise<WriteResult>,
    private readonly convert: ((item: T) => R | Refused) | undefined,
    private readonly config: BatchConfig,
    private readonly logger: DiagnosticLogger,
    private readonly onWritten?: (batch: R[]) => void,
  ) {}

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
      this.stats.dropped += items.length;
      this.logDrop(items.length, 'after shutdown');
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
      const t = { remaining: items.length, result: emptyCommit() } as Ticket;
      committed = new Promise<CommitResult>((resolve) => {
        t.resolve = resolve;
      });
      ticket = t;
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
      this.stats.dropped += oldest.items.length;
      this.settleTickets(oldest, 'dropped');
      this.logDrop(oldest.items.length, 'the write queue is full (backend slow or down)');
    }
    this.updateQueued();
    this.kick();
  }

  private updateQueued(): void {
    this.stats.queued = this.queuedItems + this.pending.length;
  }

  private logDrop(count: number, why: string): void {
    this.droppedSinceLog += count;
    const now = Date.now();
    // One line per 10 s at most, so a dead backend does not flood the app's log.
    if (now - this.lastDropLog >= 10_000) {
      this.logger.warn(
        `${where(this.name)} dropped ${this.droppedSinceLog} item(s): ${why}; ${this.stats.dropped} dropped in total`,
        {
          dropped: this.stats.dropped,
          lastError: this.stats.lastError,
        },
      );
      this.lastDropLog = now;
      this.droppedSinceLog = 0;
    }
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
      const outcome = await this.attempt(batch);
      if (outcome === 'retry') this.retryLater([batch]);
    } finally {
      this.writing.delete(batch);
    }
  }

  /**
   * Writes one batch. A batch refused as not retryable is split in halves, each written on its own, until the
   * unstorable items are alone; they are counted by reason, the rest is stored. Halves that meet a retryable
   * failure go back to the head of the queue.
   */
  private async attempt(batch: Batch): Promise<'done' | 'retry' | 'stale'> {
    const epoch = this.epoch;
    let result: WriteResult;
    try {
      result = await this.write(batch.items as R[]);
    } catch (error) {
      // Adapters must not throw; treat it as a retryable failure rather than lose the batch.
      result = { ok: false, error: error as Error, retryable: true };
    }
    // A shutdown that timed out already counted this batch as dropped.
    if (epoch !== this.epoch) return 'stale';
    if (result.ok) {
      this.settle(batch);
      this.stats.written += batch.items.length;
      this.settleTickets(batch, 'stored');
      if (this.stats.backingOff) this.logger.info(`${where(this.name)} backend answers again; writes resumed`);
      this.stats.backingOff = false;
      this.stats.failingSince = undefined;
      this.backoffMs = 0;
      this.onWritten?.(batch.items as R[]);
      return 'done';
    }
    this.stats.lastError = result.error.message;
    if (CORRUPTION.test(result.error.message)) {
      if (!this.stats.corruption) {
        this.logger.error(`${where(this.name)} the backend reports a damaged store: ${result.error.message}`);
      }
      this.stats.corruption = result.error.message;
    }
    if (result.retryable) return 'retry';
    if (batch.items.length === 1) {
      this.settle(batch);
      this.fail(batch.tickets?.[0], `backend: ${firstLine(result.error.message)}`, result.error.message);
      return 'done';
    }
    const mid = batch.items.length >>> 1;
    const halves: Batch[] = [
      { items: batch.items.slice(0, mid), tickets: batch.tickets?.slice(0, mid), converted: true },
      { items: batch.items.slice(mid), tickets: batch.tickets?.slice(mid), converted: true },
    ];
    for (let i = 0; i < halves.length; i++) {
      const outcome = await this.attempt(halves[i]!);
      if (outcome === 'stale') return 'stale';
      if (outcome === 'retry') {
        this.retryLater(halves.slice(i));
        return 'done';
      }
    }
    return 'done';
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
    this.stats.failed++;
    this.stats.rejectedByReason[reason] = (this.stats.rejectedByReason[reason] ?? 0) + 1;
    if (!this.loggedReasons.has(reason) && this.loggedReasons.size < 100) {
      this.loggedReasons.add(reason);
      this.logger.error(
        `${where(this.name)} an item was refused as unstorable and is not retried (${reason}); counted in stats().${this.name}.rejectedByReason, logged once per reason: ${message}`,
      );
    }
    if (!ticket || ticket.remaining <= 0) return;
    ticket.result.failed++;
    if (ticket.result.messages.length < 5 && !ticket.result.messages.includes(message)) {
      ticket.result.messages.push(message);
    }
    if (--ticket.remaining === 0) ticket.resolve(ticket.result);
  }

  private settleTickets(batch: Batch, how: 'stored' | 'dropped'): void {
    if (!batch.tickets) return;
    for (const t of batch.tickets) {
      if (!t || t.remaining <= 0) continue;
      if (how === 'stored') t.result.stored++;
      else t.result.dropped++;
      if (--t.remaining === 0) t.resolve(t.result);
    }
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
      for (const b of [...this.batches, ...this.writing]) this.settleTickets(b, 'dropped');
      this.settleTickets({ items: this.pending, tickets: this.pendingTickets, converted: false }, 'dropped');
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

function emptyCommit(): CommitResult {
  return { stored: 0, failed: 0, dropped: 0, messages: [] };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.slice(0, 120);
}
