/**
 * /workbench/logs: newest first, live-tailing by polling for records newer than the newest one shown, with severity,
 * text (any case), service and trace filters; trace ids link to the trace view. The list is windowed (only the rows
 * in view are in the DOM), so scrolling and typing stay smooth at tens of thousands of rows.
 */
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Link, SignalNotice, TimeWindow, useAsync, useTitle } from '../components.tsx';
import { SEVERITIES } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { LogList } from './log-list.tsx';

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
  const setParams = (changes: Record<string, string | string[] | undefined>) => {
    const next: Record<string, string | string[] | undefined> = {};
    for (const k of new Set(p.keys())) next[k] = p.getAll(k).length > 1 ? p.getAll(k) : (p.get(k) ?? undefined);
    navigate(withParams('/logs', { ...next, ...changes }), { replace: 'text' in changes });
  };
  const services = useAsync((s) => api.services(s), []);
  const queryKey = JSON.stringify(filters);

  return (
    <div class="page logs-page">
      <h1 class="page-title">Logs</h1>
      <SignalNotice signal="logs" />
      <form
        class="search-form panel"
        onSubmit={(e) => {
          e.preventDefault();
          const v = (e.currentTarget as HTMLFormElement).querySelector<HTMLInputElement>('#lg-text')?.value ?? '';
          setParams({ text: v || undefined });
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
        <TextFilter value={filters.text} onApply={(v) => setParams({ text: v || undefined })} />
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

/**
 * The text box keeps its own state, so a key press re-renders this field only (not the list); the filter is applied
 * after a pause in typing (250 ms), or at once with Enter.
 */
function TextFilter({ value, onApply }: { value: string; onApply: (v: string) => void }) {
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text === value) return;
    const id = setTimeout(() => onApply(text), 250);
    return () => clearTimeout(id);
  }, [text]);
  return (
    <div class="field grow">
      <label for="lg-text">Text</label>
      <input
        id="lg-text"
        type="search"
        placeholder="Part of the message (any case)"
        value={text}
        onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
      />
    </div>
  );
}
