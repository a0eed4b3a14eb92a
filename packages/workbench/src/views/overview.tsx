/**
 * /workbench/overview: rate, error % and p50/p99 per service and per operation over the window in the URL, in the
 * shape of Jaeger UI's Service Performance Monitoring tab and the Aspire dashboard's resource list. Every row links to
 * the trace search for that service (and operation) in the same window.
 */
import { useMemo, useState } from 'preact/hooks';
import { Empty, ErrorBox, Link, SignalNotice, TimeWindow, useAsync, useTitle } from '../components.tsx';
import { formatDuration, parseTime } from '../format.ts';
import { formatRate, loadOverview, type OverviewRow, type ServiceOverview } from '../overview-data.ts';
import { navigate, type Route, withParams } from '../router.ts';

export function OverviewPage({ route }: { route: Route }) {
  useTitle('Service overview');
  const p = route.params;
  const start = p.get('start') ?? 'now-1h';
  const end = p.get('end') ?? '';
  const [nonce, setNonce] = useState(0);
  const win = useMemo(() => {
    const now = Date.now();
    const s = parseTime(start, now);
    const e = end ? parseTime(end, now) : parseTime('now', now);
    return s === undefined || e === undefined || e <= s ? undefined : { start: s, end: e };
  }, [start, end, nonce]);
  const data = useAsync(
    (signal) =>
      win
        ? loadOverview(win.start, win.end, signal)
        : Promise.reject(
            new Error(`The time window "${start}" – "${end || 'now'}" is not valid: start must be a time before end`),
          ),
    [win],
  );
  const setWindow = (s: string, e: string) =>
    navigate(withParams('/overview', { start: s === 'now-1h' ? '' : s, end: e }));
  const traceWindow = { start: start === 'now-1h' ? '' : start, end };

  return (
    <div class="page overview-page">
      <h1 class="page-title">Service overview</h1>
      <SignalNotice signal="traces" />
      <div class="panel overview-controls">
        <TimeWindow idPrefix="ov" start={start} end={end} onChange={setWindow} />
        <button type="button" onClick={() => setNonce((n) => n + 1)} data-testid="overview-refresh">
          Refresh
        </button>
      </div>
      {data.error ? (
        <ErrorBox error={data.error} />
      ) : !data.data ? (
        <div class="loading searching" role="status">
          <span class="spinner" aria-hidden="true" /> Loading…
        </div>
      ) : data.data.services.length === 0 ? (
        <Empty>No calls in this window. Widen the time window.</Empty>
      ) : (
        <section aria-label="Services" aria-busy={data.loading} class={data.loading ? 'stale' : ''}>
          <p class="muted small" data-testid="overview-source" data-source={data.data.source}>
            From {data.data.sourceText}. Rate is calls per second over the window; error % is failed calls of all calls.
          </p>
          <ServiceTable services={data.data.services} seconds={data.data.windowSeconds} window={traceWindow} />
        </section>
      )}
    </div>
  );
}

function ServiceTable(props: { services: ServiceOverview[]; seconds: number; window: { start: string; end: string } }) {
  // Few services: every operation is shown; many: a service's operations open on demand.
  const [open, setOpen] = useState<Set<string>>(
    () => new Set(props.services.length <= 5 ? props.services.map((s) => s.service) : []),
  );
  const toggle = (svc: string) =>
    setOpen((o) => {
      const n = new Set(o);
      if (n.has(svc)) n.delete(svc);
      else n.add(svc);
      return n;
    });
  return (
    <table class="overview-table" data-testid="overview-table">
      <thead>
        <tr>
          <th scope="col">Service / operation</th>
          <th scope="col" class="num">
            Rate
          </th>
          <th scope="col" class="num">
            Error %
          </th>
          <th scope="col" class="num">
            p50
          </th>
          <th scope="col" class="num">
            p99
          </th>
        </tr>
      </thead>
      {props.services.map((s) => {
        const isOpen = open.has(s.service);
        return (
          <tbody key={s.service} data-testid="overview-service" data-service={s.service}>
            <Row row={s} seconds={props.seconds} window={props.window}>
              <button
                type="button"
                class="ov-toggle"
                aria-expanded={isOpen}
                aria-label={`${isOpen ? 'Hide' : 'Show'} ${s.operations.length} operations of ${s.service}`}
                onClick={() => toggle(s.service)}
                data-testid="overview-toggle"
              >
                <span aria-hidden="true">{isOpen ? '▾' : '▸'}</span>
              </button>
            </Row>
            {isOpen &&
              s.operations.map((o) => <Row key={o.operation} row={o} seconds={props.seconds} window={props.window} />)}
          </tbody>
        );
      })}
    </table>
  );
}

function Row(props: {
  row: OverviewRow;
  seconds: number;
  window: { start: string; end: string };
  children?: preact.ComponentChildren;
}) {
  const r = props.row;
  const errorPct = r.calls > 0 ? (100 * r.errors) / r.calls : 0;
  const search = (status?: string) =>
    withParams('/traces', { service: r.service, operation: r.operation, status, ...props.window });
  const name = r.operation ?? r.service;
  return (
    <tr
      class={r.operation === undefined ? 'ov-service' : 'ov-operation'}
      data-testid={r.operation === undefined ? 'overview-service-row' : 'overview-operation-row'}
      data-calls={r.calls}
      data-errors={r.errors}
      data-operation={r.operation}
    >
      <th scope="row">
        {props.children}
        <Link
          to={search()}
          class="ov-name"
          aria-label={`Traces of ${r.operation === undefined ? `service ${r.service}` : `${r.service}: ${r.operation}`}`}
        >
          {name}
        </Link>
      </th>
      <td class="num" title={`${r.calls.toLocaleString('en')} calls`}>
        {formatRate(r.calls / props.seconds)}
      </td>
      <td class={`num ${r.errors > 0 ? 'ov-errors' : ''}`}>
        {r.errors > 0 ? (
          <Link to={search('error')} aria-label={`${formatPct(errorPct)} errors: traces with errors`}>
            {formatPct(errorPct)}
          </Link>
        ) : (
          formatPct(errorPct)
        )}
      </td>
      <td class="num">{r.p50 === undefined ? '–' : formatDuration(r.p50 * 1e6)}</td>
      <td class="num">{r.p99 === undefined ? '–' : formatDuration(r.p99 * 1e6)}</td>
    </tr>
  );
}

function formatPct(v: number): string {
  return v === 0 ? '0%' : v < 0.1 ? '<0.1%' : `${+v.toFixed(v >= 10 ? 0 : 1)}%`;
}
