/**
 * /workbench/traces: the search form, a duration scatter plot of the results and the result list. The rows are in
 * trace-row.tsx, the scatter plot in duration-scatter.tsx.
 */
import { useMemo, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { TraceSummary } from '../api-types.ts';
import { Empty, ErrorBox, Link, SignalNotice, TimeWindow, useAsync, useInterval, useTitle } from '../components.tsx';
import { parseDuration, parseTime } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { DurationScatter } from './duration-scatter.tsx';
import { TraceRow } from './trace-row.tsx';

interface SearchForm {
  service: string;
  operation: string;
  attrs: string;
  minDuration: string;
  maxDuration: string;
  status: string;
  start: string;
  end: string;
  limit: string;
}

function formFromParams(p: URLSearchParams): SearchForm {
  return {
    service: p.get('service') ?? '',
    operation: p.get('operation') ?? '',
    attrs: p.getAll('attr').join('\n'),
    minDuration: p.get('minDuration') ?? '',
    maxDuration: p.get('maxDuration') ?? '',
    status: p.get('status') ?? '',
    start: p.get('start') ?? 'now-1h',
    end: p.get('end') ?? '',
    limit: p.get('limit') ?? '50',
  };
}

function validate(f: SearchForm): string | undefined {
  for (const [label, v] of [
    ['Min duration', f.minDuration],
    ['Max duration', f.maxDuration],
  ] as const) {
    if (v && parseDuration(v) === undefined) return `${label} "${v}" is not a duration (try 250ms, 1.5s, 2m)`;
  }
  if (parseTime(f.start) === undefined) return `Start "${f.start}" is not a time (try now-1h or an ISO-8601 time)`;
  if (f.end && parseTime(f.end) === undefined) return `End "${f.end}" is not a time`;
  for (const line of f.attrs.split('\n'))
    if (line.trim() && !line.includes('=')) return `Attribute filter "${line.trim()}" needs the form key=value`;
  return undefined;
}

export function TraceSearch({ route }: { route: Route }) {
  useTitle('Traces');
  const key = route.params.toString();
  const initial = useMemo(() => formFromParams(route.params), [key]);
  const [form, setForm] = useState(initial);
  const [formKey, setFormKey] = useState(key);
  if (formKey !== key) {
    // The URL changed (back button, a link): the form follows it.
    setFormKey(key);
    setForm(initial);
  }
  const [invalid, setInvalid] = useState<string>();
  const [nonce, setNonce] = useState(0);
  const set = (k: keyof SearchForm, v: string) => setForm((f) => ({ ...f, [k]: v }));

  const services = useAsync((s) => api.services(s), []);
  const operations = useAsync(
    (s) => (form.service ? api.operations(form.service, s) : Promise.resolve([])),
    [form.service],
  );

  const submit = (e?: Event) => {
    e?.preventDefault();
    const problem = validate(form);
    setInvalid(problem);
    if (problem) return;
    navigate(
      withParams('/traces', {
        service: form.service,
        operation: form.operation,
        attr: form.attrs
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean),
        minDuration: form.minDuration.trim(),
        maxDuration: form.maxDuration.trim(),
        status: form.status,
        start: form.start === 'now-1h' ? '' : form.start,
        end: form.end,
        limit: form.limit === '50' ? '' : form.limit,
        live: route.params.get('live') ?? '',
      }),
    );
    // A fresh search each time, even with unchanged filters, so "now" moves on.
    setNonce((n) => n + 1);
  };

  return (
    <div class="page traces-page">
      <h1 class="page-title">Traces</h1>
      <SignalNotice signal="traces" />
      <form class="search-form panel" onSubmit={submit} aria-label="Search traces">
        <div class="field">
          <label for="ts-service">Service</label>
          <select
            id="ts-service"
            value={form.service}
            onChange={(e) =>
              setForm((f) => ({ ...f, service: (e.currentTarget as HTMLSelectElement).value, operation: '' }))
            }
          >
            <option value="">All services</option>
            {(services.data ?? (form.service ? [form.service] : [])).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="ts-operation">Operation</label>
          <input
            id="ts-operation"
            list="ts-operations"
            placeholder={form.service ? 'All operations' : 'Any span name'}
            value={form.operation}
            onInput={(e) => set('operation', (e.currentTarget as HTMLInputElement).value)}
          />
          <datalist id="ts-operations">
            {(operations.data ?? []).map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        </div>
        <div class="field grow">
          <label for="ts-attrs">Attributes</label>
          <textarea
            id="ts-attrs"
            rows={1}
            placeholder="key=value, one a line"
            value={form.attrs}
            onInput={(e) => set('attrs', (e.currentTarget as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit();
            }}
          />
        </div>
        <div class="field narrow">
          <label for="ts-min">Min duration</label>
          <input
            id="ts-min"
            placeholder="e.g. 100ms"
            value={form.minDuration}
            onInput={(e) => set('minDuration', (e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field narrow">
          <label for="ts-max">Max duration</label>
          <input
            id="ts-max"
            placeholder="e.g. 2s"
            value={form.maxDuration}
            onInput={(e) => set('maxDuration', (e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field narrow">
          <label for="ts-status">Status</label>
          <select
            id="ts-status"
            value={form.status}
            onChange={(e) => set('status', (e.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">Any</option>
            <option value="error">Error</option>
            <option value="ok">OK</option>
            <option value="unset">Unset</option>
          </select>
        </div>
        <div class="field">
          <TimeWindow
            idPrefix="ts"
            start={form.start}
            end={form.end}
            onChange={(start, end) => setForm((f) => ({ ...f, start, end }))}
          />
        </div>
        <div class="field narrow">
          <label for="ts-limit">Limit</label>
          <select
            id="ts-limit"
            value={form.limit}
            onChange={(e) => set('limit', (e.currentTarget as HTMLSelectElement).value)}
          >
            {['20', '50', '100', '200', '500'].map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div class="field actions">
          <button type="submit" class="primary" data-testid="search-button">
            Search
          </button>
        </div>
        {invalid && (
          <div class="error-box" role="alert">
            {invalid}
          </div>
        )}
      </form>
      <TraceResults route={route} nonce={nonce} />
    </div>
  );
}

function TraceResults({ route, nonce }: { route: Route; nonce: number }) {
  const p = route.params;
  // Follow live: a relative window (no end) is searched again every 5 s, as the logs view tails.
  const follow = p.get('live') === '1' && !p.get('end');
  const [tick, setTick] = useState(0);
  useInterval(() => setTick((t) => t + 1), 5000, follow);
  const query = useMemo(() => {
    const now = Date.now();
    const start = parseTime(p.get('start') ?? 'now-1h', now);
    const end = p.get('end') ? parseTime(p.get('end')!, now) : undefined;
    return {
      service: p.get('service') ?? undefined,
      name: p.get('operation') ?? undefined,
      attr: p.getAll('attr'),
      minDuration: p.get('minDuration') ?? undefined,
      maxDuration: p.get('maxDuration') ?? undefined,
      status: p.get('status') ?? undefined,
      start: start?.toString(),
      end: end?.toString(),
      limit: Number(p.get('limit') ?? 50),
    };
  }, [p.toString(), nonce, tick]);
  const [more, setMore] = useState<{ key: string; traces: TraceSummary[]; cursor?: string; loading?: boolean }>({
    key: '',
    traces: [],
  });
  const result = useAsync((s) => api.findTraces(query, s), [query]);
  // Two rows picked with their check boxes open the comparison; a third pick drops the oldest.
  const [picked, setPicked] = useState<string[]>([]);
  const pick = (id: string, on: boolean) =>
    setPicked((list) => (on ? [...list.filter((x) => x !== id), id].slice(-2) : list.filter((x) => x !== id)));
  const key = p.toString();
  const extra = more.key === key ? more.traces : [];
  const traces = useMemo(() => [...(result.data?.traces ?? []), ...extra], [result.data, extra]);
  const nextCursor = more.key === key && more.cursor !== undefined ? more.cursor : result.data?.nextCursor;
  const loadMore = async () => {
    if (!nextCursor) return;
    setMore({ key, traces: extra, cursor: nextCursor, loading: true });
    const page = await api.findTraces({ ...query, cursor: nextCursor });
    setMore({ key, traces: [...extra, ...page.traces], cursor: page.nextCursor ?? '' });
  };

  if (result.error) return <ErrorBox error={result.error} />;
  if (result.loading && !result.data) return <Searching />;
  if (traces.length === 0)
    return (
      <>
        {result.loading && <Searching />}
        <Empty>No traces match. Widen the time window or remove a filter.</Empty>
      </>
    );
  const maxDur = Math.max(...traces.map((t) => Number(t.durationNano)));
  if (!result.loading) markOnce('workbench:traces-rendered');
  // A new search is running: the old results stay, dimmed and marked busy, under a visible sign.
  const stale = result.loading && !follow;
  return (
    <section aria-label="Search results" aria-busy={stale} class={stale ? 'stale' : ''}>
      {stale && <Searching />}
      <DurationScatter traces={traces} start={query.start} end={query.end} />
      <div class="results-head">
        <h2>
          <span data-testid="trace-count">{traces.length}</span> trace{traces.length === 1 ? '' : 's'}
          {nextCursor ? '+' : ''}
        </h2>
        <span class="muted small">newest first · ↑/↓ to move, Enter to open</span>
        <button
          type="button"
          class={follow ? 'live on' : 'live'}
          aria-pressed={follow}
          onClick={() => {
            const next = new URLSearchParams(p);
            if (follow) next.delete('live');
            else next.set('live', '1');
            navigate(`/traces?${next.toString()}`, { replace: true });
          }}
          data-testid="follow-toggle"
          title="Search again every 5 s while the window ends now"
        >
          <span class="dot" /> {follow ? 'Following' : 'Follow live'}
        </button>
      </div>
      <div class="compare-bar">
        <span class="muted small" aria-live="polite" data-testid="picked-count">
          {picked.length === 0
            ? 'Tick two traces to compare them'
            : picked.length === 1
              ? '1 trace picked: tick one more to compare'
              : '2 traces picked'}
        </span>
        {picked.length === 2 && (
          <Link to={withParams('/compare', { a: picked[0], b: picked[1] })} class="button" data-testid="compare-link">
            Compare the 2 traces
          </Link>
        )}
      </div>
      <ol class="trace-list" data-testid="trace-list" onKeyDown={arrowFocus}>
        {traces.map((t) => (
          <TraceRow key={t.traceId} t={t} maxDur={maxDur} picked={picked.includes(t.traceId)} onPick={pick} />
        ))}
      </ol>
      {nextCursor && (
        <button type="button" class="more" onClick={loadMore} disabled={more.loading}>
          {more.loading ? 'Loading…' : 'Load more'}
        </button>
      )}
    </section>
  );
}

/** Marks the first time results are on screen, for the tests and the bench (performance.getEntriesByName). */
function markOnce(name: string): void {
  if (performance.getEntriesByName(name).length === 0) requestAnimationFrame(() => performance.mark(name));
}

function Searching() {
  return (
    <div class="loading searching" role="status" data-testid="searching">
      <span class="spinner" aria-hidden="true" /> Searching…
    </div>
  );
}

/** ↑/↓ (and j/k) move the focus between result rows. */
function arrowFocus(e: KeyboardEvent): void {
  const down = e.key === 'ArrowDown' || e.key === 'j';
  const up = e.key === 'ArrowUp' || e.key === 'k';
  if (!down && !up) return;
  const rows = [...(e.currentTarget as HTMLElement).querySelectorAll<HTMLAnchorElement>('a.trace-row')];
  const i = rows.indexOf(document.activeElement as HTMLAnchorElement);
  const next = rows[Math.min(rows.length - 1, Math.max(0, i + (down ? 1 : -1)))];
  if (next) {
    e.preventDefault();
    next.focus();
  }
}
