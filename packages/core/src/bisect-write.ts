import type { Batch } from './commit-tickets.js';
import type { WriteResult } from './types.js';

/** What the bisecting write needs from its queue. */
export interface BisectHost {
  /** The queue's one call of the adapter's write; turns a throw into a retryable failure. */
  writeToAdapter(items: unknown[]): Promise<WriteResult>;
  /** Bumped when a timed-out shutdown gives up on what is in flight. */
  epoch(): number;
  /** The backend committed the batch. */
  stored(batch: Batch): void;
  /** The backend refused a batch of one item as not retryable. */
  refusedItem(batch: Batch, error: Error): void;
  /** A write failed (retryable or not): record the error. */
  writeFailed(error: Error): void;
  /** Puts batches back at the head of the queue and backs off. */
  retryLater(batches: Batch[]): void;
}

/**
 * Writes one batch. A batch refused as not retryable is split in halves, each written on its own, until the
 * unstorable items are alone; they are counted by reason, the rest is stored. Halves that meet a retryable
 * failure go back to the head of the queue. `stale`: a shutdown that timed out already counted the batch as dropped.
 */
export async function writeBisecting(batch: Batch, host: BisectHost): Promise<'done' | 'retry' | 'stale'> {
  const epoch = host.epoch();
  const result = await host.writeToAdapter(batch.items);
  if (epoch !== host.epoch()) return 'stale';
  if (result.ok) {
    host.stored(batch);
    return 'done';
  }
  host.writeFailed(result.error);
  if (result.retryable) return 'retry';
  if (batch.items.length === 1) {
    host.refusedItem(batch, result.error);
    return 'done';
  }
  const mid = batch.items.length >>> 1;
  const halves: Batch[] = [
    { items: batch.items.slice(0, mid), tickets: batch.tickets?.slice(0, mid), converted: true },
    { items: batch.items.slice(mid), tickets: batch.tickets?.slice(mid), converted: true },
  ];
  for (let i = 0; i < halves.length; i++) {
    const outcome = await writeBisecting(halves[i]!, host);
    if (outcome === 'stale') return 'stale';
    if (outcome === 'retry') {
      host.retryLater(halves.slice(i));
      return 'done';
    }
  }
  return 'done';
}
