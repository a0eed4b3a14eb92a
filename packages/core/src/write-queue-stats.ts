import { where } from './errors.js';
import type { DiagnosticLogger } from './types.js';

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

/**
 * One queue's counters and the log lines that go with them: drops logged at most once per 10 s, each refusal reason
 * once, a damaged store once. Every count the queue keeps changes here or in the queue's own write path.
 */
export class QueueReport {
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
  private lastDropLog = 0;
  private droppedSinceLog = 0;
  private readonly loggedReasons = new Set<string>();

  constructor(
    private readonly name: string,
    private readonly logger: DiagnosticLogger,
  ) {}

  /** Counts dropped items; one line per 10 s at most, so a dead backend does not flood the app's log. */
  dropped(count: number, why: string): void {
    this.stats.dropped += count;
    this.droppedSinceLog += count;
    const now = Date.now();
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

  /** Counts one refused item by reason and logs the first of each reason loudly. */
  refused(reason: string, message: string): void {
    this.stats.failed++;
    this.stats.rejectedByReason[reason] = (this.stats.rejectedByReason[reason] ?? 0) + 1;
    if (!this.loggedReasons.has(reason) && this.loggedReasons.size < 100) {
      this.loggedReasons.add(reason);
      this.logger.error(
        `${where(this.name)} an item was refused as unstorable and is not retried (${reason}); counted in stats().${this.name}.rejectedByReason, logged once per reason: ${message}`,
      );
    }
  }

  /** Records a failed write's error; one that says the store is damaged is kept for health() and logged once. */
  writeFailed(message: string): void {
    this.stats.lastError = message;
    if (CORRUPTION.test(message)) {
      if (!this.stats.corruption) {
        this.logger.error(`${where(this.name)} the backend reports a damaged store: ${message}`);
      }
      this.stats.corruption = message;
    }
  }

  /** A write succeeded: counts it, and ends a failing period. */
  written(count: number): void {
    this.stats.written += count;
    if (this.stats.backingOff) this.logger.info(`${where(this.name)} backend answers again; writes resumed`);
    this.stats.backingOff = false;
    this.stats.failingSince = undefined;
  }
}
