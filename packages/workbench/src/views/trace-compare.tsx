/**
 * /workbench/compare?a=<traceId>&b=<traceId>: two traces side by side as one merged tree of service+operation paths
 * (Jaeger UI's trace comparison): paths in one trace and not the other, span counts and mean durations on each side,
 * and the change from A to B. Reached from the trace list (select two rows) or by URL.
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { JsonSpan } from '../api-types.ts';
import { Empty, ErrorBox, Link, useAsync, useTitle } from '../components.tsx';
import { colorFor, formatDuration, shortId } from '../format.ts';
import { navigate, type Route, withParams } from '../router.ts';
import { type DiffNode, diffTraces, meanNs } from '../trace-diff.ts';

const ID = /^[0-9a-fA-F]{32}$/;
/** Rows drawn at most; a bigger diff says how many more there are. */
const MAX_ROWS = 3000;

export function TraceCompare({ route }: { route: Route }) {
  useTitle('Compare traces');
  const a = (route.params.get('a') ?? '').trim().toLowerCase();
  const b = (route.params.get('b') ?? '').trim().toLowerCase();
  const [form, setForm] = useState({ a, b, key: `${a}/${b}` });
  if (form.key !== `${a}/${b}`) setForm({ a, b, key: `${a}/${b}` });
  const [problem, setProblem] = useState<string>();
  const ready = ID.test(a) && ID.test(b);
  const data = useAsync(
    (signal) =>
      ready
        ? Promise.all([api.getTrace(a, signal), api.getTrace(b, signal)]).then(([ta, tb]) => ({
            a: ta.spans,
            b: tb.spans,
            diff: diffTraces(ta.spans, tb.spans),
          }))
        : Promise.resolve(undefined),
    [a, b],
  );
  const submit = (e: Event) => {
    e.preventDefault();
    const bad = (['a', 'b'] as const).find((k) => !ID.test(form[k].trim()));
    setProblem(bad ? `Trace ${bad.toUpperCase()} needs a trace id of 32 hex characters` : undefined);
    if (!bad) navigate(withParams('/compare', { a: form.a.trim(), b: form.b.trim() }));
  };

  return (
    <div class="page compare-page">
      <h1 class="page-title">Compare traces</h1>
      <form class="search-form panel" onSubmit={submit} aria-label="Traces to compare">
        {(['a', 'b'] as const).map((k) => (
          <div class="field grow" key={k}>
            <label for={`cmp-${k}`}>Trace {k.toUpperCase()}</label>
            <input
              id={`cmp-${k}`}
              class="mono"
              placeholder="32 hex characters"
              value={form[k]}
              onInput={(e) => setForm((f) => ({ ...f, [k]: (e.currentTarget as HTMLInputElement).value }))}
            />
          </div>
        ))}
        <div class="field actions">
          <button type="submit" class="primary">
            Compare
          </button>
        </div>
        {problem && (
          <div class="error-box" role="alert">
            {problem}
          </div>
        )}
      </form>
      {!ready ? (
        <Empty>Pick two traces in the trace list (the check boxes), or enter two trace ids.</Empty>
      ) : data.error ? (
        <ErrorBox error={data.error} />
      ) : !data.data ? (
        <div class="loading searching" role="status">
          <span class="spinner" aria-hidden="true" /> Loading both traces…
        </div>
      ) : (
        <DiffView a={a} b={b} spansA={data.data.a} spansB={data.data.b} diff={data.data.diff} />
      )}
    </div>
  );
}

function TraceCard({ label, id, spans }: { label: string; id: string; spans: JsonSpan[] }) {
  const root = spans.find((s) => !s.parentSpanId || !spans.some((p) => p.spanId === s.parentSpanId)) ?? spans[0];
  let lo = BigInt(spans[0]?.startTimeUnixNano ?? 0);
  let hi = lo;
  for (const s of spans) {
    const st = BigInt(s.startTimeUnixNano);
    const en = BigInt(s.endTimeUnixNano);
    if (st < lo) lo = st;
    if (en > hi) hi = en;
  }
  const svc = root ? String(root.resource.attributes['service.name'] ?? 'unknown') : '';
  return (
    <div class="panel compare-card" data-testid={`compare-card-${label.toLowerCase()}`}>
      <h2>
        <span class="cmp-label">{label}</span> <span class="svc-dot" style={{ background: colorFor(svc) }} />
        {svc}: {root?.name}
      </h2>
      <p class="small">
        <Link to={`/traces/${id}`} class="mono">
          {shortId(id, 16)}
        </Link>{' '}
        · {spans.length} span{spans.length === 1 ? '' : 's'} · {formatDuration(Number(hi - lo))}
      </p>
    </div>
  );
}

function DiffView(props: {
  a: string;
  b: string;
  spansA: JsonSpan[];
  spansB: JsonSpan[];
  diff: ReturnType<typeof diffTraces>;
}) {
  const [onlyChanges, setOnlyChanges] = useState(false);
  const { diff } = props;
  const changed = (n: DiffNode) => !n.a || !n.b || n.a.count !== n.b.count;
  const shown = onlyChanges ? diff.nodes.filter(changed) : diff.nodes;
  return (
    <section aria-label="Comparison">
      <div class="compare-cards">
        <TraceCard label="A" id={props.a} spans={props.spansA} />
        <TraceCard label="B" id={props.b} spans={props.spansB} />
      </div>
      <div class="results-head">
        <h2 data-testid="compare-summary">
          {diff.onlyA} path{diff.onlyA === 1 ? '' : 's'} only in A · {diff.onlyB} only in B · {diff.both} in both
        </h2>
        <label class="small">
          <input
            type="checkbox"
            checked={onlyChanges}
            onChange={(e) => setOnlyChanges((e.currentTarget as HTMLInputElement).checked)}
            data-testid="compare-only-changes"
          />{' '}
          Only paths that differ in span count
        </label>
      </div>
      <div class="compare-scroll">
        <table class="compare-table" data-testid="compare-table">
          <thead>
            <tr>
              <th scope="col">Service: operation (path from the root)</th>
              <th scope="col" class="num">
                Spans A
              </th>
              <th scope="col" class="num">
                Spans B
              </th>
              <th scope="col" class="num cmp-mean">
                Mean A
              </th>
              <th scope="col" class="num cmp-mean">
                Mean B
              </th>
              <th scope="col" class="num">
                Change
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.slice(0, MAX_ROWS).map((n) => (
              <DiffRow key={n.path} n={n} />
            ))}
          </tbody>
        </table>
      </div>
      {shown.length > MAX_ROWS && (
        <p class="muted small">{shown.length - MAX_ROWS} more paths are not drawn; tick "Only paths that differ".</p>
      )}
    </section>
  );
}

function DiffRow({ n }: { n: DiffNode }) {
  const ma = meanNs(n.a);
  const mb = meanNs(n.b);
  const state = !n.b ? 'only-a' : !n.a ? 'only-b' : 'both';
  const delta = ma !== undefined && mb !== undefined ? mb - ma : undefined;
  const pct = delta !== undefined && ma ? (100 * delta) / ma : undefined;
  return (
    <tr class={`cmp-${state}`} data-testid="compare-row" data-state={state} data-operation={n.operation}>
      <th scope="row" class={`cmp-depth-${Math.min(n.depth, 12)}`}>
        {state !== 'both' && <span class="badge cmp-badge">{state === 'only-a' ? 'only in A' : 'only in B'}</span>}
        <span class="svc-dot" style={{ background: colorFor(n.service) }} />
        <strong>{n.service}</strong>: {n.operation}
        {n.depth > 12 && <span class="muted small"> (depth {n.depth})</span>}
      </th>
      <td class="num">{n.a?.count ?? '–'}</td>
      <td class="num">{n.b?.count ?? '–'}</td>
      <td class="num cmp-mean">{ma === undefined ? '–' : formatDuration(ma)}</td>
      <td class="num cmp-mean">{mb === undefined ? '–' : formatDuration(mb)}</td>
      <td class={`num ${delta === undefined ? '' : delta > 0 ? 'cmp-slower' : 'cmp-faster'}`}>
        {delta === undefined
          ? '–'
          : `${delta > 0 ? '+' : delta < 0 ? '−' : '±'}${formatDuration(Math.abs(delta))}${
              pct !== undefined && Number.isFinite(pct)
                ? ` (${delta >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(0)}%)`
                : ''
            }`}
      </td>
    </tr>
  );
}
