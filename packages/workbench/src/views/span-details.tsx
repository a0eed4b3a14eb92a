/** The selected span's details under the waterfall: facts, attributes, events, links, resource and its logs. */
import { useEffect, useRef } from 'preact/hooks';
import type { JsonSpan } from '../api-types.ts';
import { AttributeTable, Link } from '../components.tsx';
import { colorFor, formatDuration, formatTimestamp, SPAN_KINDS, STATUS_NAMES } from '../format.ts';
import { withParams } from '../router.ts';
import type { SpanRow, TraceModel } from '../trace-model.ts';

/** How the last selection was made: a tap or click scrolls the span details into view when they open below the fold. */
export const selectionInput: { last: 'key' | 'pointer' } = { last: 'key' };

export function SpanDetails(props: {
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
    if (!el || selectionInput.last !== 'pointer') return;
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
