/**
 * /workbench/logs: newest first, live-tailing by polling for records newer than the newest one shown, with severity,
 * text, service and trace filters; trace ids link to the trace view.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { JsonLogRecord } from '../api-types.ts';
import {
  AttributeTable,
  Empty,
  ErrorBox,
  Link,
  SignalNotice,
  TimeWindow,
  useAsync,
  useInterval,
  useTitle,
} from '../components.tsx';
import { colorFor, formatTimestamp, parseTime, SEVERITIES, severityName, shortId, valueText } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { serviceOf } from '../trace-model.ts';

const PAGE = 200;
const MAX_ROWS = 5000;
const POLL_MS = 2000;

function recordKey(r: JsonLogRecord): string {
  return `${r.timeUnixNano}|${r.observedTimeUnixNano}|${r.traceId ?? ''}|${r.spanId ?? ''}|${r.severityNumber}|${valueText(r.body)}`;
}

export function LogsPage({ route }: { route: Route }) {
  useTitle('Logs');
  const p = route.params;
  const filters = {
    minSeverity: p.get('minSeverity') ?? '',
    text: p.get('text') ?? '',
    service: p.get('service') ?? '',
    traceId: p.get('traceId') ?? '',
    spanId: p.get('spanId') ?? '',
    attr: p.getAll('attr'),
    start: p.get('start') ?? (p.get('traceId') ? 'now-30d' : 'now-1h'),
    end: p.get('end') ?? '',
  };
  // Live by default, except for a fixed window or one trace's logs (a finished thing).
  const live = p.get('live') ? p.get('live') === '1' : !filters.end && !filters.traceId;
  const [text, setText] = useState(filters.text);
  useEffect(() => setText(filters.text), [filters.text]);
  const setParams = (changes: Record<string, string | string[] | undefined>) => {
    const next: Record<string, string | string[] | undefined> = {};
    for (const k of new Set(p.keys())) next[k] = p.getAll(k).length > 1 ? p.getAll(k) : (p.get(k) ?? undefined);
    navigate(withParams('/logs', { ...next, ...changes }), { replace: 'text' in changes });
  };
  // Text filter applies as you type, after a short pause.
  useEffect(() => {
    if (text === filters.text) return;
    const id = setTimeout(() => setParams({ text: text || undefined }), 350);
    return () => clearTimeout(id);
  }, [text]);
  const services = useAsync((s) => api.services(s), []);
  const queryKey = JSON.stringify(filters);

  return (
    <div class="page logs-page">
      <SignalNotice signal="logs" />
      <form
        class="search-form panel"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ text: text || undefined });
        }}
        aria-label="Filter logs"
      >
        <div class="field narrow">
          <label for="lg-sev">Severity</label>
          <select
            id="lg-sev"
            value={filters.minSeverity}
            onChange={(e) => setParams({ minSeverity: (e.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s.name} value={s.name}>
                {s.name} and above
              </option>
            ))}
          </select>
        </div>
        <div class="field grow">
          <label for="lg-text">Text</label>
          <input
            id="lg-text"
            type="search"
            placeholder="Substring of the body (case-sensitive)"
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field">
          <label for="lg-service">Service</label>
          <select
            id="lg-service"
            value={filters.service}
            onChange={(e) => setParams({ service: (e.currentTarget as HTMLSelectElement).value || undefined })}
          >
            <option value="">All services</option>
            {(services.data ?? (filters.service ? [filters.service] : [])).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="lg-trace">Trace id</label>
          <input
            id="lg-trace"
            class="mono"
            placeholder="32 hex digits"
            value={filters.traceId}
            onChange={(e) =>
              setParams({
                traceId: (e.currentTarget as HTMLInputElement).value.trim().toLowerCase() || undefined,
                spanId: undefined,
              })
            }
          />
        </div>
        <div class="field">
          <TimeWindow
            idPrefix="lg"
            start={filters.start}
            end={filters.end}
            onChange={(start, end) => setParams({ start, end: end || undefined })}
          />
        </div>
        <div class="field actions">
          <button
            type="button"
            class={live ? 'live on' : 'live'}
            aria-pressed={live}
            onClick={() => setParams({ live: live ? '0' : '1' })}
            data-testid="live-toggle"
          >
            <span class="dot" /> {live ? 'Live' : 'Paused'}
          </button>
        </div>
        {filters.traceId && (
          <div class="filter-note">
            Logs of trace <code>{filters.traceId}</code>
            {filters.spanId && (
              <>
                {' '}
                and span <code>{filters.spanId}</code> ·{' '}
                <button type="button" class="linkish" onClick={() => setParams({ spanId: undefined })}>
                  whole trace
                </button>
              </>
            )}{' '}
            ·{' '}
            <Link to={withParams(`/traces/${filters.traceId}`, { span: filters.spanId || undefined })}>
              open the trace →
            </Link>
          </div>
        )}
      </form>
      <LogList key={queryKey} filters={filters} live={live} />
    </div>
  );
}

interface Filters {
  minSeverity: string;
  text: string;
  service: string;
  traceId: string;
  spanId: string;
  attr: string[];
  start: string;
  end: string;
}

function LogList({ filters, live }: { filters: Filters; live: boolean }) {
  const [rows, setRows] = useState<JsonLogRecord[]>([]);
  const [pending, setPending] = useState<JsonLogRecord[]>([]);
  const [cursor, setCursor] = useState<string | undefined>();
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [open, setOpen] = useState<string>();
  const scroller = useRef<HTMLDivElement>(null);
  const seen = useRef(new Set<string>());
  const newest = useRef<string | undefined>(undefined);
  const base = useMemo(() => {
    const now = Date.now();
    const s = parseTime(filters.start, now);
    const e = filters.end ? parseTime(filters.end, now) : undefined;
    return {
      minSeverity: filters.minSeverity || undefined,
      text: filters.text || undefined,
      service: filters.service || undefined,
      traceId: filters.traceId || undefined,
      spanId: filters.spanId || undefined,
      attr: filters.attr,
      start: s?.toString(),
      end: e?.toString(),
    };
  }, []);

  const remember = (list: JsonLogRecord[]) => {
    for (const r of list) {
      seen.current.add(recordKey(r));
      if (newest.current === undefined || BigInt(r.timeUnixNano) > BigInt(newest.current))
        newest.current = r.timeUnixNano;
    }
  };

  useEffect(() => {
    const ac = new AbortController();
    api.queryLogs({ ...base, order: 'desc', limit: PAGE }, ac.signal).then(
      (page) => {
        remember(page.logs);
        setRows(page.logs);
        setCursor(page.nextCursor);
        setLoading(false);
      },
      (e: Error) => {
        if (e.name !== 'AbortError') {
          setError(e);
          setLoading(false);
        }
      },
    );
    return () => ac.abort();
  }, [base]);

  const polling = useRef(false);
  useInterval(
    async () => {
      if (polling.current || loading) return;
      polling.current = true;
      try {
        // Everything at or after the newest time shown; records at that same instant are told apart by content.
        const page = await api.queryLogs({ ...base, start: newest.current ?? base.start, order: 'asc', limit: 1000 });
        const fresh = page.logs.filter((r) => !seen.current.has(recordKey(r)));
        if (fresh.length === 0) return;
        remember(fresh);
        fresh.reverse();
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
    if (!cursor) return;
    try {
      const page = await api.queryLogs({ ...base, order: 'desc', limit: PAGE, cursor });
      remember(page.logs);
      setRows((r) => [...r, ...page.logs]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e as Error);
    }
  };

  const keyCount = new Map<string, number>();
  return (
    <section class="log-section panel" aria-label="Log records">
      <div class="results-head">
        <h2>
          <span data-testid="log-count">{rows.length}</span> record{rows.length === 1 ? '' : 's'}
          {cursor ? '+' : ''}
        </h2>
        {live && !base.end && <span class="muted small">tailing every {POLL_MS / 1000}s · newest first</span>}
        {pending.length > 0 && (
          <button type="button" class="primary small" onClick={showPending}>
            {pending.length} new — show
          </button>
        )}
      </div>
      {error && <ErrorBox error={error} />}
      {loading ? (
        <div class="loading">Loading…</div>
      ) : rows.length === 0 ? (
        <Empty>No log records match{live ? ' yet; new ones appear here as they arrive' : ''}.</Empty>
      ) : (
        <div class="log-scroll" ref={scroller}>
          <table class="logs" data-testid="log-table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Level</th>
                <th scope="col">Service</th>
                <th scope="col">Message</th>
                <th scope="col">Trace</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                // Stable keys (the same record keeps its key when newer ones are prepended), so an open row stays open.
                const base = recordKey(r);
                const n = keyCount.get(base) ?? 0;
                keyCount.set(base, n + 1);
                const k = n ? `${base}#${n}` : base;
                const sev = severityName(r.severityNumber, r.severityText);
                const svc = serviceOf(r);
                const isOpen = open === k;
                return [
                  <tr key={k} class={`log-row lvl-${sev.toLowerCase()} ${isOpen ? 'open' : ''}`} data-testid="log-row">
                    <td class="mono nowrap">{formatTimestamp(r.timeUnixNano)}</td>
                    <td>
                      <span class={`sev sev-${sev.toLowerCase()}`}>{r.severityText || sev}</span>
                    </td>
                    <td class="nowrap">
                      <span class="svc-dot" style={{ background: colorFor(svc) }} />
                      {svc}
                    </td>
                    <td class="msg">
                      <button
                        type="button"
                        class="row-toggle"
                        aria-expanded={isOpen}
                        onClick={() => setOpen(isOpen ? undefined : k)}
                      >
                        {valueText(r.body) || <span class="muted">(empty)</span>}
                      </button>
                    </td>
                    <td class="mono nowrap">
                      {r.traceId ? (
                        <Link
                          to={withParams(`/traces/${r.traceId}`, { span: r.spanId })}
                          title={`Open trace ${r.traceId}`}
                          data-testid="log-trace-link"
                        >
                          {shortId(r.traceId)}
                        </Link>
                      ) : (
                        <span class="muted">—</span>
                      )}
                    </td>
                  </tr>,
                  isOpen && (
                    <tr key={`${k}-d`} class="log-details">
                      <td colSpan={5}>
                        <div class="log-detail-grid">
                          <div>
                            <h3>Attributes</h3>
                            <AttributeTable attributes={r.attributes} />
                          </div>
                          <div>
                            <h3>Resource</h3>
                            <AttributeTable attributes={r.resource?.attributes} />
                          </div>
                          <div>
                            <h3>Record</h3>
                            <table class="kv">
                              <tbody>
                                <tr>
                                  <th scope="row">severity</th>
                                  <td>
                                    {r.severityNumber} {r.severityText}
                                  </td>
                                </tr>
                                <tr>
                                  <th scope="row">observed</th>
                                  <td>{formatTimestamp(r.observedTimeUnixNano)}</td>
                                </tr>
                                {r.traceId && (
                                  <tr>
                                    <th scope="row">trace</th>
                                    <td class="mono">{r.traceId}</td>
                                  </tr>
                                )}
                                {r.spanId && (
                                  <tr>
                                    <th scope="row">span</th>
                                    <td class="mono">{r.spanId}</td>
                                  </tr>
                                )}
                                {r.eventName && (
                                  <tr>
                                    <th scope="row">event</th>
                                    <td>{r.eventName}</td>
                                  </tr>
                                )}
                                <tr>
                                  <th scope="row">scope</th>
                                  <td>{r.scope?.name}</td>
                                </tr>
                              </tbody>
                            </table>
                          </div>
                          {typeof r.body === 'object' && r.body !== null && (
                            <div class="wide">
                              <h3>Body</h3>
                              <pre>{JSON.stringify(r.body, null, 2)}</pre>
                            </div>
                          )}
                        </div>
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
          {cursor && (
            <button type="button" class="more" onClick={loadOlder}>
              Load older
            </button>
          )}
        </div>
      )}
    </section>
  );
}
