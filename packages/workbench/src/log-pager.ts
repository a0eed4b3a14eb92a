/**
 * Log text search in any case. The page asks the store itself (`ignoreCase=true`): every built-in backend folds case,
 * PostgreSQL/TimescaleDB for A–Z only (the server's docs say why). A store that declares no case folding refuses the
 * parameter (400 naming `ignoreCase`); the page then falls back to asking for each common spelling of the typed text
 * — as typed, lower case, UPPER CASE, Capitalized, Title Case — and merges the answers newest first, each record once.
 * In that fallback a spelling with mixed case inside a word ("PayMent") is found only when typed that way.
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
  ignoreCase: boolean,
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

const stream = (text: string | undefined): Stream => ({
  text,
  buffer: [],
  cursor: undefined,
  done: false,
  started: false,
});

/** The store refused `ignoreCase` (its backend declares no case folding). */
export function refusesIgnoreCase(error: unknown): boolean {
  return (error as { parameter?: unknown } | undefined)?.parameter === 'ignoreCase';
}

/**
 * Pages newest-first through the store's own keyset paging — one query with `ignoreCase` — or, on a store that
 * refuses it, through the union of one query per spelling.
 */
export class LogPager {
  private streams: Stream[];
  private readonly seen = new Set<string>();
  /** `store` while the store folds case itself; `spellings` once it refused to. */
  mode: 'store' | 'spellings' = 'store';
  private probed = false;

  constructor(
    private readonly text: string | undefined,
    private readonly fetchPage: FetchPage,
  ) {
    this.streams = [stream(text)];
  }

  private async refill(s: Stream, limit: number): Promise<void> {
    const ignoreCase = this.mode === 'store' && s.text !== undefined;
    const page = await this.fetchPage(s.text, limit, s.started ? s.cursor : undefined, ignoreCase);
    s.started = true;
    s.buffer = page.logs;
    s.cursor = page.nextCursor;
    s.done = !page.nextCursor;
  }

  /** Asks once with `ignoreCase`; falls back to the spellings when the store refuses it. */
  private async probe(limit: number): Promise<void> {
    this.probed = true;
    if (!this.text) return;
    try {
      await this.refill(this.streams[0]!, limit);
    } catch (error) {
      if (!refusesIgnoreCase(error)) throw error;
      this.mode = 'spellings';
      this.streams = textVariants(this.text).map(stream);
    }
  }

  get hasMore(): boolean {
    return this.streams.some((s) => !s.done || s.buffer.length > 0);
  }

  /** The next `limit` records, newest first. All spellings' requests of a round run in parallel. */
  async next(limit: number): Promise<JsonLogRecord[]> {
    if (!this.probed) await this.probe(limit);
    const out: JsonLogRecord[] = [];
    while (out.length < limit) {
      // Refill every stream whose buffer ran dry, in parallel; a stream can only be merged while it has a head.
      const dry = this.streams.filter((s) => s.buffer.length === 0 && !s.done);
      await Promise.all(dry.map((s) => this.refill(s, limit)));
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
