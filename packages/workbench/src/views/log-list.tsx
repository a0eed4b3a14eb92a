/**
 * The log records of the logs view: a windowed list (fixed-height one-line rows, only those in view plus a margin
 * are in the DOM; the one open record's details are measured and shift the rows below it), live tailing by polling,
 * "Load older" in pages of 1,000 through the store's cursor, and case-insensitive text search (log-pager.ts).
 * A row and its details are in log-row.tsx.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { JsonLogRecord } from '../api-types.ts';
import { Empty, ErrorBox, useInterval } from '../components.tsx';
import { parseTime } from '../format.ts';
import { LogPager, recordKey, textVariants } from '../log-pager.ts';
import { LogDetails, LogRow } from './log-row.tsx';

const FIRST_PAGE = 200;
const OLDER_PAGE = 1000;
/** Live tailing keeps at most this many rows (the oldest fall off the end). */
const MAX_ROWS = 20_000;
const POLL_MS = 2000;
export const LOG_ROW_H = 28;
const OVERSCAN = 15;

export interface Filters {
  minSeverity: string;
  text: string;
  service: string;
  traceId: string;
  spanId: string;
  attr: string[];
  start: string;
  end: string;
}

interface Row {
  key: string;
  r: JsonLogRecord;
}

export function LogList({ filters, live }: { filters: Filters; live: boolean }) {
  const [rows, setRows] = useState<Row[]>([]);
  const [pending, setPending] = useState<Row[]>([]);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [older, setOlder] = useState(false);
  const [open, setOpen] = useState<string>();
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [detailH, setDetailH] = useState(0);
  const scroller = useRef<HTMLDivElement>(null);
  const detail = useRef<HTMLDivElement>(null);
  const seen = useRef(new Set<string>());
  const newest = useRef<string | undefined>(undefined);
  const base = useMemo(() => {
    const now = Date.now();
    const s = parseTime(filters.start, now);
    const e = filters.end ? parseTime(filters.end, now) : undefined;
    return {
      minSeverity: filters.minSeverity || undefined,
      service: filters.service || undefined,
      traceId: filters.traceId || undefined,
      spanId: filters.spanId || undefined,
      attr: filters.attr,
      start: s?.toString(),
      end: e?.toString(),
    };
  }, []);
  const pager = useMemo(
    () =>
      new LogPager(filters.text || undefined, (text, limit, cursor, ignoreCase) =>
        api.queryLogs({ ...base, text, ignoreCase: ignoreCase || undefined, order: 'desc', limit, cursor }),
      ),
    [],
  );

  const keep = (list: JsonLogRecord[]): Row[] => {
    const out: Row[] = [];
    for (const r of list) {
      const k = recordKey(r);
      if (seen.current.has(k)) continue;
      seen.current.add(k);
      out.push({ key: k, r });
      if (newest.current === undefined || BigInt(r.timeUnixNano) > BigInt(newest.current))
        newest.current = r.timeUnixNano;
    }
    return out;
  };

  useEffect(() => {
    let stop = false;
    pager.next(FIRST_PAGE).then(
      (logs) => {
        if (stop) return;
        setRows(keep(logs));
        setMore(pager.hasMore);
        setLoading(false);
      },
      (e: Error) => {
        if (!stop) {
          setError(e);
          setLoading(false);
        }
      },
    );
    return () => {
      stop = true;
    };
  }, []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    setHeight(el.clientHeight);
    const ro = new ResizeObserver(() => setHeight(el.clientHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [loading, rows.length === 0]);

  useLayoutEffect(() => {
    const el = detail.current;
    if (!el) {
      setDetailH(0);
      return;
    }
    setDetailH(el.offsetHeight);
    const ro = new ResizeObserver(() => setDetailH(el.offsetHeight));
    ro.observe(el);
    return () => ro.disconnect();
  }, [open]);

  const polling = useRef(false);
  useInterval(
    async () => {
      if (polling.current || loading) return;
      polling.current = true;
      try {
        // Everything at or after the newest time shown (in any case, or for every spelling of the text when the
        // store cannot fold case); known records are skipped.
        const spellings = pager.mode === 'spellings';
        const texts = filters.text && spellings ? textVariants(filters.text) : [filters.text || undefined];
        const ignoreCase = filters.text && !spellings ? true : undefined;
        const pages = await Promise.all(
          texts.map((text) =>
            api.queryLogs({
              ...base,
              text,
              ignoreCase,
              start: newest.current ?? base.start,
              order: 'asc',
              limit: 1000,
            }),
          ),
        );
        const fresh = keep(pages.flatMap((p) => p.logs)).sort((a, b) =>
          BigInt(b.r.timeUnixNano) > BigInt(a.r.timeUnixNano) ? 1 : -1,
        );
        if (fresh.length === 0) return;
        const atTop = (scroller.current?.scrollTop ?? 0) < 8;
        if (atTop) setRows((r) => [...fresh, ...r].slice(0, MAX_ROWS));
        else setPending((q) => [...fresh, ...q]);
        setError(undefined);
      } catch (e) {
        setError(e as Error);
      } finally {
        polling.current = false;
      }
    },
    POLL_MS,
    live && !base.end,
  );

  const showPending = () => {
    setRows((r) => [...pending, ...r].slice(0, MAX_ROWS));
    setPending([]);
    if (scroller.current) scroller.current.scrollTop = 0;
  };
  const loadOlder = async () => {
    if (!more || older) return;
    setOlder(true);
    try {
      const logs = await pager.next(OLDER_PAGE);
      const added = keep(logs);
      setRows((r) => [...r, ...added]);
      setMore(pager.hasMore);
    } catch (e) {
      setError(e as Error);
    } finally {
      setOlder(false);
    }
  };

  // Scroll events only move the window; one state update a frame at most.
  const frame = useRef(0);
  const onScroll = () => {
    if (frame.current) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      if (scroller.current) setScrollTop(scroller.current.scrollTop);
    });
  };

  const openIndex = open === undefined ? -1 : rows.findIndex((x) => x.key === open);
  const extra = openIndex >= 0 ? detailH : 0;
  const topOf = (i: number) => i * LOG_ROW_H + (openIndex >= 0 && i > openIndex ? extra : 0);
  const indexAt = (y: number) => {
    if (openIndex >= 0 && y > topOf(openIndex) + LOG_ROW_H) y = Math.max(topOf(openIndex) + LOG_ROW_H, y - extra);
    return Math.floor(y / LOG_ROW_H);
  };
  const first = Math.max(0, indexAt(scrollTop) - OVERSCAN);
  const last = Math.min(rows.length, indexAt(scrollTop + height) + OVERSCAN + 1);
  const total = rows.length * LOG_ROW_H + extra;

  const slice: preact.JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const { key, r } = rows[i]!;
    const isOpen = key === open;
    slice.push(
      <LogRow
        key={key}
        r={r}
        index={i}
        total={rows.length}
        top={topOf(i)}
        open={isOpen}
        onToggle={() => setOpen(isOpen ? undefined : key)}
      />,
    );
    if (isOpen)
      slice.push(
        <li
          key={`${key}-d`}
          class="log-details"
          ref={detail as never}
          aria-label="Details of the record above"
          style={{ transform: `translateY(${topOf(i) + LOG_ROW_H}px)` }}
        >
          <LogDetails r={r} />
        </li>,
      );
  }

  useEffect(() => {
    if (!loading) requestAnimationFrame(() => performance.mark('workbench:logs-rendered'));
  }, [loading]);

  const variants = filters.text && pager.mode === 'spellings' ? textVariants(filters.text).length : 0;
  return (
    <section class="log-section panel" aria-label="Log records" aria-busy={loading || older}>
      <div class="results-head">
        <h2>
          <span data-testid="log-count">{rows.length}</span> record{rows.length === 1 ? '' : 's'}
          {more ? '+' : ''}
        </h2>
        {live && !base.end && <span class="muted small">tailing every {POLL_MS / 1000}s · newest first</span>}
        {variants > 1 && (
          <span class="muted small" title="This store cannot match text ignoring case; these spellings are searched">
            text in any case ({textVariants(filters.text).join(' · ')})
          </span>
        )}
        {pending.length > 0 && (
          <button type="button" class="primary small" onClick={showPending}>
            {pending.length} new — show
          </button>
        )}
      </div>
      {error && <ErrorBox error={error} />}
      {loading ? (
        <div class="loading" role="status">
          Loading…
        </div>
      ) : rows.length === 0 ? (
        <Empty>
          No log records {filters.text ? `contain “${filters.text}” (any case)` : 'match'} in this time window
          {live && !base.end ? '; new ones appear here as they arrive' : ''}.
        </Empty>
      ) : (
        <section
          class="log-scroll"
          ref={scroller as never}
          onScroll={onScroll}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must be reachable by keyboard to scroll it
          tabIndex={0}
          aria-label="Log records, newest first"
          data-testid="log-table"
        >
          <div class="log-head" aria-hidden="true">
            <span>Time</span>
            <span>Level</span>
            <span class="col-svc">Service</span>
            <span>Message</span>
            <span class="col-trace">Trace</span>
          </div>
          <ol class="log-body" style={{ height: `${total}px` }}>
            {slice}
          </ol>
          {more && (
            <button type="button" class="more" onClick={loadOlder} disabled={older} data-testid="load-older">
              {older ? 'Loading…' : `Load older (${OLDER_PAGE})`}
            </button>
          )}
        </section>
      )}
    </section>
  );
}
