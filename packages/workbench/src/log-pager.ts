/**
 * Case-insensitive log text search over a store whose `text` filter is a case-sensitive substring (the core
 * contract, the same on every backend). The page asks the store for each common spelling of the typed text — as
 * typed, lower case, UPPER CASE, Capitalized, Title Case — and merges the answers newest first, each record once.
 * A spelling with mixed case inside a word ("PayMent") is found only when typed that way; the page says so.
 */
import type { JsonLogRecord } from './api-types.ts';

export function textVariants(text: string): string[] {
  if (!text) return [];
  const lower = text.toLowerCase();
  const capital = lower.charAt(0).toUpperCase() + lower.slice(1);
  const title = lower.replace(/(^|[\s_\-./:])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
  return [...new Set([text, lower, text.toUpperCase(), capital, title])];
}

/** The identity of a record for de-duplication (the API gives no record id). */
export function recordKey(r: JsonLogRecord): string {
  const body = typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
  return `${r.timeUnixNano}|${r.observedTimeUnixNano}|${r.traceId ?? ''}|${r.spanId ?? ''}|${r.severityNumber}|${body}`;
}

export type FetchPage = (
  text: string | undefined,
  limit: number,
  cursor: string | undefined,
) => Promise<{ logs: JsonLogRecord[]; nextCursor?: string | undefined }>;

interface Stream {
  text: string | undefined;
  buffer: JsonLogRecord[];
  cursor: string | undefined;
  done: boolean;
  started: boolean;
}

const newer = (a: JsonLogRecord, b: JsonLogRecord) => {
  const x = BigInt(a.timeUnixNano);
  const y = BigInt(b.timeUnixNano);
  return x > y ? -1 : x < y ? 1 : 0;
};

/**
 * Pages newest-first through the union of one store query per spelling. With no text (or one spelling) it is a
 * plain pass-through of the store's own keyset paging.
 */
export class LogPager {
  private readonly streams: Stream[];
  private readonly seen = new Set<string>();

  constructor(
    text: string | undefined,
    private readonly fetchPage: FetchPage,
  ) {
    const variants = text ? textVariants(text) : [undefined];
    this.streams = variants.map((t) => ({ text: t, buffer: [], cursor: undefined, done: false, started: false }));
  }

  get hasMore(): boolean {
    return this.streams.some((s) => !s.done || s.buffer.length > 0);
  }

  /** The next `limit` records, newest first. All spellings' requests of a round run in parallel. */
  async next(limit: number): Promise<JsonLogRecord[]> {
    const out: JsonLogRecord[] = [];
    while (out.length < limit) {
      // Refill every stream whose buffer ran dry, in parallel; a stream can only be merged while it has a head.
      const dry = this.streams.filter((s) => s.buffer.length === 0 && !s.done);
      await Promise.all(
        dry.map(async (s) => {
          const page = await this.fetchPage(s.text, limit, s.started ? s.cursor : undefined);
          s.started = true;
          s.buffer = page.logs;
          s.cursor = page.nextCursor;
          s.done = !page.nextCursor;
        }),
      );
      const live = this.streams.filter((s) => s.buffer.length > 0);
      if (live.length === 0) break;
      // Take the newest head; stop the round when a stream that is not done empties (it must refill first).
      while (out.length < limit) {
        let best: Stream | undefined;
        for (const s of this.streams)
          if (s.buffer.length && (!best || newer(s.buffer[0]!, best.buffer[0]!) < 0)) best = s;
        if (!best) break;
        const r = best.buffer.shift()!;
        const k = recordKey(r);
        if (!this.seen.has(k)) {
          this.seen.add(k);
          out.push(r);
        }
        if (best.buffer.length === 0 && !best.done) break;
      }
    }
    return out;
  }
}
