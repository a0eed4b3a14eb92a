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

/** The producers waiting on one push: settled once every one of its items is stored, refused or dropped. */
export interface Ticket {
  remaining: number;
  result: CommitResult;
  resolve: (r: CommitResult) => void;
}

/** A batch in the queue: items (converted to records before the first write), and per-item tickets when any waits. */
export interface Batch {
  items: unknown[];
  tickets: Array<Ticket | undefined> | undefined;
  converted: boolean;
}

export function emptyCommit(): CommitResult {
  return { stored: 0, failed: 0, dropped: 0, messages: [] };
}

/** A ticket and the promise its producer waits on. */
export function newTicket(items: number): { ticket: Ticket; committed: Promise<CommitResult> } {
  const ticket = { remaining: items, result: emptyCommit() } as Ticket;
  const committed = new Promise<CommitResult>((resolve) => {
    ticket.resolve = resolve;
  });
  return { ticket, committed };
}

/** Counts every item of a batch as stored or dropped on its producer's ticket. */
export function settleTickets(batch: Batch, how: 'stored' | 'dropped'): void {
  if (!batch.tickets) return;
  for (const t of batch.tickets) {
    if (!t || t.remaining <= 0) continue;
    if (how === 'stored') t.result.stored++;
    else t.result.dropped++;
    if (--t.remaining === 0) t.resolve(t.result);
  }
}

/** Counts one item as refused on its producer's ticket, keeping up to five distinct messages. */
export function ticketFailed(ticket: Ticket | undefined, message: string): void {
  if (!ticket || ticket.remaining <= 0) return;
  ticket.result.failed++;
  if (ticket.result.messages.length < 5 && !ticket.result.messages.includes(message)) {
    ticket.result.messages.push(message);
  }
  if (--ticket.remaining === 0) ticket.resolve(ticket.result);
}
