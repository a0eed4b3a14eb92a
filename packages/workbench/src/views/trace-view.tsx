/**
 * /workbench/traces/:traceId — the span waterfall (virtualized: only the rows in view are in the DOM, so a
 * 5,000-span trace renders as fast as a small one) and the details of the selected span (?span=<spanId>). The rows are
 * in waterfall-row.tsx, the details in span-details.tsx.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import { Empty, ErrorBox, Link, useAsync, useTitle } from '../components.tsx';
import { colorFor, formatDuration, formatTimestamp, niceStep } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { buildTraceModel, type SpanRow, type TraceModel, visibleRows } from '../trace-model.ts';
import { SpanDetails, selectionInput } from './span-details.tsx';
import { errorsIn, WaterfallRow } from './waterfall-row.tsx';

const ROW_H = 26;
const OVERSCAN = 12;

export function TraceView({ traceId, route }: { traceId: string; route: Route }) {
  useTitle(`Trace ${traceId.slice(0, 8)}`);
  const trace = useAsync((s) => api.getTrace(traceId, s), [traceId]);
  const model = useMemo(() => (trace.data ? buildTraceModel(trace.data.spans) : undefined), [trace.data]);
  if (trace.error) {
    return (
      <div class="page">
        <p>
          <Link to="/traces">← Traces</Link>
        </p>
        <ErrorBox error={trace.error} />
      </div>
    );
  }
  if (!model) return <div class="page loading">Loading trace {traceId}…</div>;
  if (model.rows.length === 0) return <Empty>Trace {traceId} has no spans.</Empty>;
  return <TraceBody traceId={traceId} model={model} route={route} reload={trace.reload} loading={trace.loading} />;
}

function TraceBody(props: { traceId: string; model: TraceModel; route: Route; reload: () => void; loading: boolean }) {
  const { traceId, model, route } = props;
  const selectedId = route.params.get('span') ?? undefined;
  const selected = selectedId ? model.byId.get(selectedId) : undefined;
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [find, setFind] = useState('');
  const rows = useMemo(() => visibleRows(model, collapsed), [model, collapsed]);
  const root = model.rows[0]!;

  useEffect(() => {
    // Marks the moment the waterfall is on screen, for the bench (performance.getEntriesByName).
    requestAnimationFrame(() => performance.mark('workbench:trace-rendered'));
  }, [model]);

  const select = (row: SpanRow | undefined) => {
    navigate(withParams(`/traces/${traceId}`, { span: row?.span.spanId }), { replace: true });
  };
  const toggle = (row: SpanRow, open?: boolean) => {
    if (row.childCount === 0) return;
    setCollapsed((c) => {
      const next = new Set(c);
      const isOpen = !next.has(row.span.spanId);
      if (open ?? !isOpen) next.delete(row.span.spanId);
      else next.add(row.span.spanId);
      return next;
    });
  };
  const matches = useMemo(() => {
    const f = find.trim().toLowerCase();
    if (!f) return undefined;
    const m = new Set<string>();
    for (const r of model.rows)
      if (r.span.name.toLowerCase().includes(f) || r.service.toLowerCase().includes(f) || r.span.spanId.startsWith(f))
        m.add(r.span.spanId);
    return m;
  }, [find, model]);
  // "Find span" steps through its matches in waterfall order (Enter / Shift+Enter, or the arrows), unfolding the
  // subtrees that hide a match and selecting it.
  const matchList = useMemo(() => (matches ? model.rows.filter((r) => matches.has(r.span.spanId)) : []), [matches]);
  const matchPos = selected && matches?.has(selected.span.spanId) ? matchList.indexOf(selected) : -1;
  const step = (dir: 1 | -1) => {
    if (matchList.length === 0) return;
    const next =
      matchPos < 0 ? (dir > 0 ? 0 : matchList.length - 1) : (matchPos + dir + matchList.length) % matchList.length;
    const row = matchList[next]!;
    setCollapsed((c) => {
      if (c.size === 0) return c;
      const open = new Set(c);
      for (let i = row.parentIndex; i >= 0; i = model.rows[i]!.parentIndex) open.delete(model.rows[i]!.span.spanId);
      return open;
    });
    select(row);
  };

  return (
    <div class="page trace-page">
      <header class="trace-header panel">
        <div class="trace-header-main">
          <Link to="/traces" class="back">
            ← Traces
          </Link>
          <h1>
            <span class="svc-dot" style={{ background: colorFor(root.service) }} />
            {root.service}: {root.span.name}
          </h1>
          <span class="mono muted small" data-testid="trace-id">
            {traceId}
          </span>
        </div>
        <dl class="trace-facts">
          <div>
            <dt>Started</dt>
            <dd>{formatTimestamp(model.startNs)}</dd>
          </div>
          <div>
            <dt>Duration</dt>
            <dd>{formatDuration(model.durationNs)}</dd>
          </div>
          <div>
            <dt>Spans</dt>
            <dd data-testid="span-count">{model.rows.length}</dd>
          </div>
          <div>
            <dt>Errors</dt>
            <dd class={model.errorCount ? 'error-text' : ''}>{model.errorCount}</dd>
          </div>
          <div>
            <dt>Services</dt>
            <dd class="svc-legend">
              {model.services.map((s) => (
                <span key={s.name} class="svc-tag" style={{ borderColor: colorFor(s.name) }} title={`${s.spans} spans`}>
                  {s.name} <span class="muted">{s.spans}</span>
                </span>
              ))}
            </dd>
          </div>
        </dl>
        <div class="trace-actions">
          <Link to={withParams('/logs', { traceId })} class="button" data-testid="trace-logs-link">
            Logs of this trace
          </Link>
          <button
            type="button"
            onClick={props.reload}
            disabled={props.loading}
            title="Fetch the trace again (spans may still be arriving)"
          >
            {props.loading ? 'Reloading…' : 'Reload'}
          </button>
          <button type="button" onClick={() => setCollapsed(new Set())} disabled={collapsed.size === 0}>
            Expand all
          </button>
          <button
            type="button"
            onClick={() =>
              setCollapsed(
                new Set(model.rows.filter((r) => r.depth >= 1 && r.childCount > 0).map((r) => r.span.spanId)),
              )
            }
          >
            Collapse all
          </button>
          <input
            class="find"
            type="search"
            placeholder="Find span…"
            aria-label="Find span by name or service"
            value={find}
            onInput={(e) => setFind((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key !== 'Enter') return;
              e.preventDefault();
              step(e.shiftKey ? -1 : 1);
            }}
            data-testid="find-span"
          />
          {matches && (
            <span class="find-steps">
              <span class="muted small" data-testid="find-position" aria-live="polite">
                {matchPos >= 0 ? `${matchPos + 1} of ` : ''}
                {matches.size} match{matches.size === 1 ? '' : 'es'}
              </span>
              <button type="button" class="icon" onClick={() => step(-1)} aria-label="Previous match (Shift+Enter)">
                ▲
              </button>
              <button type="button" class="icon" onClick={() => step(1)} aria-label="Next match (Enter)">
                ▼
              </button>
            </span>
          )}
        </div>
      </header>
      <div class={`trace-main ${selected ? 'with-details' : ''}`}>
        <Waterfall
          model={model}
          rows={rows}
          collapsed={collapsed}
          selected={selected}
          matches={matches}
          onSelect={select}
          onToggle={toggle}
        />
        {selected && (
          <SpanDetails
            row={selected}
            model={model}
            traceId={traceId}
            onClose={() => select(undefined)}
            onSelect={select}
          />
        )}
      </div>
    </div>
  );
}

function Waterfall(props: {
  model: TraceModel;
  rows: SpanRow[];
  collapsed: Set<string>;
  selected: SpanRow | undefined;
  matches: Set<string> | undefined;
  onSelect: (r: SpanRow | undefined) => void;
  onToggle: (r: SpanRow, open?: boolean) => void;
}) {
  const { model, rows, selected } = props;
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(600);
  const [width, setWidth] = useState(1000);
  useLayoutEffect(() => {
    const el = body.current;
    if (!el) return;
    const measure = () => {
      setHeight(el.clientHeight);
      setWidth(el.clientWidth);
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Opening a trace puts the keyboard focus on its waterfall (not on the body), so the arrow keys work at once.
  useEffect(() => {
    if (!document.activeElement || document.activeElement === document.body || !document.activeElement.isConnected)
      body.current?.focus({ preventScroll: true });
  }, []);
  const selIndex = selected ? rows.indexOf(selected) : -1;
  // Keep the selected row in view when it changes by keyboard or link.
  useEffect(() => {
    const el = body.current;
    if (!el || selIndex < 0) return;
    const top = selIndex * ROW_H;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_H > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_H - el.clientHeight;
  }, [selIndex]);

  const first = Math.max(0, Math.floor(scrollTop / ROW_H) - OVERSCAN);
  const last = Math.min(rows.length, Math.ceil((scrollTop + height) / ROW_H) + OVERSCAN);
  // As many ruler labels as fit the timeline column (about one per 90 px), so they never overlap on a phone.
  const timeWidth = width * (width <= 640 ? 0.56 : 0.64) - 64;
  const tickCount = Math.max(2, Math.min(6, Math.floor(timeWidth / 75)));
  const ticks = useMemo(() => {
    const step = niceStep(model.durationNs / tickCount);
    const out: number[] = [];
    for (let t = 0; t <= model.durationNs * 1.0001; t += step) out.push(t);
    return out;
  }, [model.durationNs, tickCount]);

  const onKey = (e: KeyboardEvent) => {
    const cur = selIndex;
    const go = (i: number) => {
      const r = rows[Math.max(0, Math.min(rows.length - 1, i))];
      if (r) props.onSelect(r);
    };
    const page = Math.max(1, Math.floor(height / ROW_H) - 1);
    switch (e.key) {
      case 'ArrowDown':
      case 'j':
        go(cur + 1);
        break;
      case 'ArrowUp':
      case 'k':
        go(cur < 0 ? 0 : cur - 1);
        break;
      case 'PageDown':
        go(cur + page);
        break;
      case 'PageUp':
        go(cur - page);
        break;
      case 'Home':
        go(0);
        break;
      case 'End':
        go(rows.length - 1);
        break;
      case 'ArrowLeft':
      case 'h':
        if (selected && selected.childCount > 0 && !props.collapsed.has(selected.span.spanId))
          props.onToggle(selected, false);
        else if (selected && selected.parentIndex >= 0) props.onSelect(model.rows[selected.parentIndex]);
        break;
      case 'ArrowRight':
      case 'l':
        if (selected) props.onToggle(selected, true);
        break;
      case 'Enter':
      case ' ':
        if (selected) props.onToggle(selected);
        break;
      case 'Escape':
        props.onSelect(undefined);
        break;
      default:
        return;
    }
    e.preventDefault();
  };

  const slice: preact.JSX.Element[] = [];
  for (let i = first; i < last; i++) {
    const r = rows[i]!;
    slice.push(
      <WaterfallRow
        key={r.span.spanId}
        row={r}
        top={i * ROW_H}
        total={model.durationNs}
        selected={r === selected}
        collapsed={props.collapsed.has(r.span.spanId)}
        match={props.matches?.has(r.span.spanId)}
        hiddenErrors={props.collapsed.has(r.span.spanId) ? errorsIn(model, r) : 0}
        dim={props.matches !== undefined && !props.matches.has(r.span.spanId)}
        onSelect={props.onSelect}
        onToggle={props.onToggle}
      />,
    );
  }
  return (
    <section
      class="waterfall panel"
      aria-label="Span waterfall"
      data-testid="waterfall"
      data-span-count={model.rows.length}
      data-visible-count={rows.length}
    >
      <div class="wf-head" aria-hidden="true">
        <div class="wf-name">Service · operation</div>
        <div class="wf-time">
          {ticks.map((t) => (
            <span key={t} class="tick" style={{ left: `${(t / model.durationNs) * 100}%` }}>
              {formatDuration(t)}
            </span>
          ))}
        </div>
      </div>
      <div
        class="wf-body"
        ref={body}
        tabIndex={0}
        role="tree"
        aria-label="Spans; arrow keys move, left/right fold, Enter toggles, Escape closes details"
        aria-activedescendant={selected ? `span-${selected.span.spanId}` : undefined}
        onScroll={(e) => setScrollTop((e.currentTarget as HTMLDivElement).scrollTop)}
        onKeyDown={(e) => {
          selectionInput.last = 'key';
          onKey(e);
        }}
        onPointerDown={() => {
          selectionInput.last = 'pointer';
        }}
      >
        <div class="wf-spacer" style={{ height: `${rows.length * ROW_H}px` }}>
          <div class="wf-grid" aria-hidden="true">
            {ticks.map((t) => (
              <span key={t} style={{ left: `${(t / model.durationNs) * 100}%` }} />
            ))}
          </div>
          {slice}
        </div>
      </div>
    </section>
  );
}
