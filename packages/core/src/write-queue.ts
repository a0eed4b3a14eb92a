import { where } from './errors.js';
import type { BatchConfig, DiagnosticLogger, WriteResult } from './types.js';

/** Counters of one signal's write queue. */
export interface WriteQueueStats {
  /** Items waiting (pending batch plus queued batches). */
  queued: number;
  /** Items the backend acknowledged. */
  written: number;
  /** Items dropped because the queue was full (oldest first) or shutdown timed out. */
  dropped: number;
  /** Items the backend rejected as not retryable (bad data); they are not retried. */
  failed: number;
  /** Write attempts that failed and were retried. */
  retries: number;
  /** Items refused at the door because the queue was full (`rejectWhenFull`). */
  rejected: number;
  lastError?: string;
  /** Whether the last write failed and the queue is waiting to retry. */
  backingOff: boolean;
}

export interface PushResult {
  accepted: number;
  rejected: number;
  reason?: 'queue_full';
  retryAfterMs?: number;
}

/**
 * One signal's bounded write path between producers and an adapter. Producers never wait: `push` appends to a
 * pending batch; full batches go to a FIFO that one writer drains. A failed retryable write is retried with
 * exponential backoff and jitter while new data keeps queueing; when the queue exceeds `max_queue_size`, the
 * oldest batch is dropped and counted (or, with `rejectWhenFull`, new data is refused so a remote client can retry).
 *
 * `T` is what producers hand in; `convert` turns a batch of it into what the adapter stores, off the hot path.
 */
export class WriteQueue<T, R = T> {
  private pending: T[] = [];
  private readonly batches: T[][] = [];
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
  readonly stats: WriteQueueStats = {
    queued: 0,
    written: 0,
    dropped: 0,
    failed: 0,
    retries: 0,
    rejected: 0,
    backingOff: false,
  };

  constructor(
    private readonly name: string,
    private readonly write: (batch: R[]) => Promise<WriteResult>,
    private readonly convert: (batch: T[]) => R[],
    private readonly config: BatchConfig,
    private readonly logger: DiagnosticLogger,
    private readonly onWritten?: (batch: R[]) => void,
  ) {}

  /** Adds items; never blocks and never throws. */
  push(items: T[], options: { rejectWhenFull?: boolean } = {}): PushResult {
    if (items.length === 0) return { accepted: 0, rejected: 0 };
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
    for (const item of items) {
      this.pending.push(item);
      if (this.pending.length >= this.config.max_batch_size) this.cut();
    }
    if (this.pending.length > 0 && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cut();
      }, this.config.flush_interval_ms);
      this.timer.unref?.();
    }
    this.updateQueued();
    return { accepted: items.length, rejected: 0 };
  }

  private cut(): void {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.batches.push(batch);
    this.queuedItems += batch.length;
    while (this.queuedItems > this.config.max_queue_size && this.batches.length > 1) {
      const oldest = this.batches.shift()!;
      this.queuedItems -= oldest.length;
      this.stats.dropped += oldest.length;
      this.logDrop(oldest.length, 'the write queue is full (backend slow or down)');
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
    const max = Math.max(1, this.config.max_concurrency ?? 1);
    while (this.runners.size < max && this.batches.length > 0 && !this.closed) {
      const runner: Promise<void> = this.run().finally(() => {
        this.runners.delete(runner);
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
    while (this.batches.length > 0) {
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

  private async writeOne(batch: T[]): Promise<void> {
    let records: R[];
    try {
      records = this.convert(batch);
    } catch (error) {
      this.settle(batch);
      this.stats.failed += batch.length;
      this.stats.lastError = (error as Error).message;
      this.logger.error(
        `${where(this.name)} could not convert ${batch.length} item(s); they are dropped: ${(error as Error).message}`,
      );
      return;
    }
    const epoch = this.epoch;
    let result: WriteResult;
    try {
      result = await this.write(records);
    } catch (error) {
      // Adapters must not throw; treat it as a retryable failure rather than lose the batch.
      result = { ok: false, error: error as Error, retryable: true };
    }
    // A shutdown that timed out already counted this batch as dropped.
    if (epoch !== this.epoch) return;
    if (result.ok) {
      this.settle(batch);
      this.stats.written += batch.length;
      if (this.stats.backingOff) this.logger.info(`${where(this.name)} backend answers again; writes resumed`);
      this.stats.backingOff = false;
      this.backoffMs = 0;
      this.onWritten?.(records);
      return;
    }
    this.stats.lastError = result.error.message;
    if (!result.retryable) {
      this.settle(batch);
      this.stats.failed += batch.length;
      this.logger.error(
        `${where(this.name)} backend rejected ${batch.length} item(s), not retried: ${result.error.message}`,
      );
      return;
    }
    // Back to the head of the queue: it is retried first, and it is the first dropped if the queue overflows.
    this.batches.unshift(batch);
    this.stats.retries++;
    this.backoffMs =
      this.backoffMs === 0 ? this.config.retry_initial_ms : Math.min(this.config.retry_max_ms, this.backoffMs * 2);
    if (!this.stats.backingOff) {
      this.logger.warn(
        `${where(this.name)} write failed, retrying with backoff (queue bounded at ${this.config.max_queue_size}): ${result.error.message}`,
      );
    }
    this.stats.backingOff = true;
    this.backoffUntil = Date.now() + this.backoffMs / 2 + Math.random() * (this.backoffMs / 2);
  }

  /** A batch left the queue (written, rejected or unconvertible). */
  private settle(batch: T[]): void {
    this.queuedItems -= batch.length;
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
      this.batches.length = 0;
      this.pending = [];
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
