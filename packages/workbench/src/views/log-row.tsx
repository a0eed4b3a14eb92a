import type { JsonLogRecord } from '../api-types.ts';
import { AttributeTable, Link } from '../components.tsx';
import { colorFor, formatTimestamp, severityName, shortId, valueText } from '../format.ts';
import { withParams } from '../router.ts';
import { serviceOf } from '../trace-model.ts';

export function LogRow(props: {
  r: JsonLogRecord;
  index: number;
  total: number;
  top: number;
  open: boolean;
  onToggle: () => void;
}) {
  const { r } = props;
  const sev = severityName(r.severityNumber, r.severityText);
  const svc = serviceOf(r);
  const body = valueText(r.body);
  return (
    <li
      class={`log-row lvl-${sev.toLowerCase()} ${props.open ? 'open' : ''}`}
      aria-setsize={props.total}
      aria-posinset={props.index + 1}
      data-testid="log-row"
      style={{ transform: `translateY(${props.top}px)` }}
    >
      <span class="mono col-time" title={formatTimestamp(r.timeUnixNano)}>
        <span class="date">{formatTimestamp(r.timeUnixNano).slice(0, 11)}</span>
        {formatTimestamp(r.timeUnixNano, false)}
      </span>
      <span>
        <span class={`sev sev-${sev.toLowerCase()}`}>{r.severityText || sev}</span>
      </span>
      <span class="col-svc nowrap" title={svc}>
        <span class="svc-dot" style={{ background: colorFor(svc) }} />
        {svc}
      </span>
      <span class="msg">
        <button type="button" class="row-toggle" aria-expanded={props.open} onClick={props.onToggle} title={body}>
          {body || <span class="muted">(empty)</span>}
        </button>
      </span>
      <span class="mono col-trace">
        {r.traceId ? (
          <Link
            to={withParams(`/traces/${r.traceId}`, { span: r.spanId })}
            title={`Open trace ${r.traceId}`}
            aria-label={`Open trace ${shortId(r.traceId)}`}
            data-testid="log-trace-link"
          >
            {shortId(r.traceId)}
          </Link>
        ) : (
          <span class="muted">—</span>
        )}
      </span>
    </li>
  );
}

export function LogDetails({ r }: { r: JsonLogRecord }) {
  return (
    <div class="log-detail-grid">
      <div class="wide">
        <h3>Message</h3>
        <pre class="log-message">{valueText(r.body)}</pre>
      </div>
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
              <th scope="row">time</th>
              <td>{formatTimestamp(r.timeUnixNano)}</td>
            </tr>
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
            <tr>
              <th scope="row">service</th>
              <td>{serviceOf(r)}</td>
            </tr>
            {r.traceId && (
              <tr>
                <th scope="row">trace</th>
                <td class="mono">
                  <Link to={withParams(`/traces/${r.traceId}`, { span: r.spanId })}>{r.traceId}</Link>
                </td>
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
    </div>
  );
}
