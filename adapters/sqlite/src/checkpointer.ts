import { Worker } from 'node:worker_threads';
import { type DiagnosticLogger, where } from '@rohas/telemetry/adapter';
import { threadOptions } from './thread-args.js';

const tag = where('sqlite');

/** How the WAL is checkpointed when a write thread writes (the write connection itself never checkpoints on commit). */
export interface CheckpointSettings {
  /** Run the checkpointer thread (tests turn it off to see the write thread's safety net). Default true. */
  thread?: boolean;
  /** A PASSIVE checkpoint at least this often while the WAL holds frames. Default 250 ms. */
  intervalMs?: number;
  /** How often the thread looks at the WAL file's size. Default 100 ms. */
  pollMs?: number;
  /** ...and checkpoints before `intervalMs` when the WAL file grew by this much. Default 16 MiB. */
  growBytes?: number;
  /**
   * The write thread's catch-up: a PASSIVE checkpoint of its own after a commit, when the checkpointer has copied
   * all but the last 256 frames or fewer (read from the WAL index) and no write is waiting (0: never; the default
   * with the checkpointer thread off). Where the WAL index cannot be read, at most this often (default 1000 ms). A
   * checkpoint that runs while the writer appends never catches up with the WAL's end, and SQLite starts the WAL over
   * only when a checkpoint did: without this the WAL grows for as long as writes stream in.
   */
  catchUpMs?: number;
  /**
   * The safety net: past this WAL size the write thread checkpoints itself (the checkpointer dead or starved), so
   * the WAL cannot grow without bound. Default 256 MiB.
   */
  walLimitBytes?: number;
}

export const CHECKPOINT_DEFAULTS: Required<CheckpointSettings> = {
  thread: true,
  intervalMs: 250,
  catchUpMs: 1000,
  pollMs: 100,
  growBytes: 16 * 1024 * 1024,
  walLimitBytes: 256 * 1024 * 1024,
};

/** What the checkpointer thread starts with. */
export interface CheckpointerData {
  file: string;
  intervalMs: number;
  pollMs: number;
  growBytes: number;
}

type CheckpointerMessage = { op: 'ready' } | { op: 'closed' } | { op: 'ran'; log: number; checkpointed: number };

/**
 * The checkpointer thread (checkpointer-worker.ts): PASSIVE checkpoints on a connection of its own. It never keeps
 * the process alive; if it dies, the write thread's safety net bounds the WAL and the next start of the write thread
 * starts it again.
 */
export class Checkpointer {
  private worker: Worker | undefined;
  /** Checkpoints run so far (tests and health). */
  runs = 0;

  constructor(
    private readonly workerFile: string,
    private readonly data: CheckpointerData,
    private readonly logger: DiagnosticLogger,
  ) {}

  get running(): boolean {
    return this.worker !== undefined;
  }

  /** Starts the thread if it is not running; resolves when its connection is open (never rejects: it logs). */
  start(): Promise<void> {
    if (this.worker) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const worker = new Worker(this.workerFile, { workerData: this.data, ...threadOptions() });
      this.worker = worker;
      worker.unref();
      let started = false;
      worker.on('message', (m: CheckpointerMessage) => {
        if (m.op === 'ready') {
          started = true;
          resolve();
        } else if (m.op === 'ran') this.runs++;
      });
      const stopped = (why: string) => {
        if (this.worker !== worker) return;
        this.worker = undefined;
        this.logger.warn(
          `${tag} the WAL checkpointer thread ${started ? 'stopped' : 'did not start'}: ${why}; the write thread checkpoints past its WAL limit`,
        );
        resolve();
      };
      worker.on('error', (error) => stopped(error.message));
      worker.on('exit', (code) => stopped(`exited with code ${code}`));
    });
  }

  /** Stops the thread and closes its connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.ref();
    worker.postMessage({ op: 'close' });
    await exited;
  }
}
