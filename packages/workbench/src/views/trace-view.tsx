/**
 * /workbench/traces/:traceId — the span waterfall (virtualized: only the rows in view are in the DOM, so a
 * 5,000-span trace renders as fast as a small one) and the details of the selected span (?span=<spanId>). Over 400
 * lines as one view: the header (find, fold), the waterfall and the details share the selection and folding state.
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { JsonSpan } from '../api-types.ts';
import { AttributeTable, Empty, ErrorBox, Link, useAsync, useTitle } from '../components.tsx';
import { colorFor, formatDuration, formatTimestamp, niceStep, SPAN_KINDS, STATUS_NAMES } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { buildTraceModel, type SpanRow, type TraceModel, visibleRows } from '../trace-model.ts';

const ROW_H = 26;
const OVERSCAN = 12;
/** How the last selection was made: a tap or click scrolls the span details into view when they open below the fold. */
let lastInput: 'key' | 'pointer' = 'key';

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
          lastInput = 'key';
          onKey(e);
        }}
        onPointerDown={() => {
          lastInput = 'pointer';
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

/** Error spans below `row` (its subtree is the rows after it up to subtreeEnd, in depth-first order). */
function errorsIn(model: TraceModel, row: SpanRow): number {
  let n = 0;
  for (let i = row.index + 1; i < row.subtreeEnd; i++) if (model.rows[i]!.error) n++;
  return n;
}

function WaterfallRow(props: {
  row: SpanRow;
  top: number;
  total: number;
  selected: boolean;
  collapsed: boolean;
  match?: boolean | undefined;
  dim?: boolean;
  /** Error spans inside this row's subtree while it is folded. */
  hiddenErrors: number;
  onSelect: (r: SpanRow) => void;
  onToggle: (r: SpanRow) => void;
}) {
  const { row, total } = props;
  const left = (row.offset / total) * 100;
  const width = Math.max((row.duration / total) * 100, 0.15);
  // The duration label goes after the bar, or before it near the right edge, or inside a bar that fills the row.
  const place = left + width <= 80 ? 'after' : left >= 12 ? 'before' : 'inside';
  const cls = [
    'wf-row',
    row.error ? 'error' : '',
    props.selected ? 'selected' : '',
    props.match ? 'match' : '',
    props.dim ? 'dim' : '',
  ].join(' ');
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/useFocusableInteractive: the tree (.wf-body) holds the focus and moves the selection with aria-activedescendant; rows take clicks only
    <div
      class={cls}
      id={`span-${row.span.spanId}`}
      role="treeitem"
      aria-level={row.depth + 1}
      aria-selected={props.selected}
      aria-expanded={row.childCount > 0 ? !props.collapsed : undefined}
      data-span-id={row.span.spanId}
      data-index={row.index}
      style={{ transform: `translateY(${props.top}px)` }}
      onClick={() => props.onSelect(row)}
    >
      <div
        class="wf-name"
        style={{ paddingLeft: `${6 + Math.min(row.depth, 30) * 14}px` }}
        title={`${row.service}: ${row.span.name}`}
      >
        {row.childCount > 0 ? (
          <button
            type="button"
            class="fold"
            tabIndex={-1}
            aria-label={props.collapsed ? 'Expand' : 'Collapse'}
            onClick={(e) => {
              e.stopPropagation();
              props.onToggle(row);
            }}
          >
            {props.collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span class="fold" />
        )}
        <span class="svc-dot" style={{ background: colorFor(row.service) }} />
        {row.error && (
          <span class="err-mark" title={row.span.status.message || 'error'} role="img" aria-label="error">
            !
          </span>
        )}
        <span class="svc">{row.service}</span>
        <span class="op">{row.span.name}</span>
        {props.collapsed && <span class="badge small">+{row.subtreeEnd - row.index - 1}</span>}
        {props.collapsed && props.hiddenErrors > 0 && (
          <span class="badge small error" data-testid="hidden-errors" title="Errors inside this folded subtree">
            {props.hiddenErrors} error{props.hiddenErrors === 1 ? '' : 's'} hidden
          </span>
        )}
        {row.orphan && (
          <span class="badge small" title="The parent span is not stored">
            orphan
          </span>
        )}
      </div>
      <div class="wf-time">
        <span
          class="bar"
          style={{ left: `${left}%`, width: `${width}%`, background: row.error ? undefined : colorFor(row.service) }}
          title={`${row.span.name}: ${formatDuration(row.duration)} from +${formatDuration(row.offset)}${row.span.events.length ? ` · ${row.span.events.map((e) => e.name).join(', ')}` : ''}`}
        >
          {row.span.events.map((ev, i) => (
            <span
              key={i}
              class="ev"
              style={{
                left: `${row.duration > 0 ? Math.min(100, Math.max(0, (Number(BigInt(ev.timeUnixNano) - BigInt(row.span.startTimeUnixNano)) / row.duration) * 100)) : 0}%`,
              }}
            />
          ))}
        </span>
        <span
          class={`bar-label ${place}`}
          style={
            place === 'after'
              ? { left: `${left + width}%` }
              : place === 'before'
                ? { right: `${100 - left}%` }
                : { right: `${100 - left - width}%` }
          }
        >
          {formatDuration(row.duration)}
        </span>
      </div>
    </div>
  );
}

function SpanDetails(props: {
  row: SpanRow;
  model: TraceModel;
  traceId: string;
  onClose: () => void;
  onSelect: (r: SpanRow) => void;
}) {
  const { row, model, traceId } = props;
  const s: JsonSpan = row.span;
  const parent = row.parentIndex >= 0 ? model.rows[row.parentIndex] : undefined;
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || lastInput !== 'pointer') return;
    // Stacked layout (phone, narrow window): the details sit below the waterfall, out of sight; bring them up.
    if (el.getBoundingClientRect().top > window.innerHeight - 80) el.scrollIntoView({ block: 'start' });
  }, [s.spanId]);
  return (
    <aside class="span-details panel" aria-label="Span details" data-testid="span-details" ref={ref}>
      <div class="details-head">
        <h2>
          {row.error && <span class="err-mark">!</span>}
          {s.name}
        </h2>
        <button type="button" class="icon" onClick={props.onClose} aria-label="Close details" title="Close (Esc)">
          ✕
        </button>
      </div>
      <dl class="facts">
        <dt>Service</dt>
        <dd>
          <span class="svc-dot" style={{ background: colorFor(row.service) }} />
          {row.service}
        </dd>
        <dt>Duration</dt>
        <dd>
          {formatDuration(row.duration)} <span class="muted">at +{formatDuration(row.offset)}</span>
        </dd>
        <dt>Kind</dt>
        <dd>{SPAN_KINDS[s.kind] ?? s.kind}</dd>
        <dt>Status</dt>
        <dd class={row.error ? 'error-text' : ''}>
          {STATUS_NAMES[s.status.code] ?? s.status.code}
          {s.status.message ? `: ${s.status.message}` : ''}
        </dd>
        <dt>Span id</dt>
        <dd class="mono">{s.spanId}</dd>
        <dt>Parent</dt>
        <dd class="mono">
          {parent ? (
            <button type="button" class="linkish" onClick={() => props.onSelect(parent)}>
              {parent.span.name} ({s.parentSpanId})
            </button>
          ) : s.parentSpanId ? (
            `${s.parentSpanId} (not stored)`
          ) : (
            'root span'
          )}
        </dd>
        <dt>Started</dt>
        <dd>{formatTimestamp(s.startTimeUnixNano)}</dd>
        <dt>Scope</dt>
        <dd>
          {s.scope?.name || '—'}
          {s.scope?.version ? ` ${s.scope.version}` : ''}
        </dd>
      </dl>
      <p>
        <Link to={withParams('/logs', { traceId, spanId: s.spanId })}>Logs of this span →</Link>
      </p>
      <h3>Attributes</h3>
      <AttributeTable attributes={s.attributes} />
      <h3>Events {s.events.length > 0 && <span class="muted">({s.events.length})</span>}</h3>
      {s.events.length === 0 ? (
        <p class="muted small">none</p>
      ) : (
        <ol class="events">
          {s.events.map((ev, i) => (
            <li key={i} class={ev.name === 'exception' ? 'error' : ''}>
              <div>
                <span class="muted">+{formatDuration(Number(BigInt(ev.timeUnixNano) - model.startNs))}</span>{' '}
                <strong>{ev.name}</strong>
              </div>
              {Object.keys(ev.attributes).length > 0 && <AttributeTable attributes={ev.attributes} />}
            </li>
          ))}
        </ol>
      )}
      <h3>Links {s.links.length > 0 && <span class="muted">({s.links.length})</span>}</h3>
      {s.links.length === 0 ? (
        <p class="muted small">none</p>
      ) : (
        <ul class="links">
          {s.links.map((l, i) => (
            <li key={i}>
              <Link to={withParams(`/traces/${l.traceId}`, { span: l.spanId })} class="mono">
                {l.traceId === traceId ? 'this trace' : l.traceId.slice(0, 16)} / {l.spanId}
              </Link>
              {Object.keys(l.attributes).length > 0 && <AttributeTable attributes={l.attributes} />}
            </li>
          ))}
        </ul>
      )}
      <h3>Resource</h3>
      <AttributeTable attributes={s.resource?.attributes} />
    </aside>
  );
}
