/**
 * /workbench/metrics: the metric list, one metric as a chart over a window with group-by (?name=...), histograms as
 * p50/p90/p99 lines plus a heatmap, and the Rohas handler metrics as a ready dashboard (the default page).
 */
import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { MetricDescriptor } from '../api-types.ts';
import { ErrorBox, Link, SignalNotice, TimeWindow, useAsync, useTitle } from '../components.tsx';
import { navigate, type Route, withParams } from '../router.ts';
import { HandlerDashboard } from './handler-dashboard.tsx';
import { HistogramHeatmap } from './histogram-heatmap.tsx';
import { ExemplarPanel } from './metric-exemplars.tsx';
import { defaultMode, MetricPanel, type Mode } from './metric-panel.tsx';

export function MetricsPage({ route }: { route: Route }) {
  const p = route.params;
  const name = p.get('name') ?? '';
  useTitle(name || 'Handler dashboard');
  const metrics = useAsync((s) => api.listMetrics(s), []);
  const [filter, setFilter] = useState('');
  const start = p.get('start') ?? 'now-1h';
  const end = p.get('end') ?? '';
  const setParams = (changes: Record<string, string | string[] | undefined>) => {
    const next: Record<string, string | string[] | undefined> = {};
    for (const k of new Set(p.keys())) next[k] = p.getAll(k).length > 1 ? p.getAll(k) : (p.get(k) ?? undefined);
    navigate(withParams('/metrics', { ...next, ...changes }));
  };
  const list = (metrics.data ?? []).filter((m) => m.name.toLowerCase().includes(filter.toLowerCase()));
  const descriptor = metrics.data?.find((m) => m.name === name);
  return (
    <div class="page metrics-page">
      <nav class="metric-list panel" aria-label="Metrics">
        <Link
          to={withParams('/metrics', { start: p.get('start'), end: p.get('end') })}
          class={`metric-item dashboard-link ${name ? '' : 'active'}`}
        >
          Handler dashboard
        </Link>
        <input
          type="search"
          placeholder="Filter metrics…"
          aria-label="Filter metrics"
          value={filter}
          onInput={(e) => setFilter((e.currentTarget as HTMLInputElement).value)}
        />
        {metrics.error && <ErrorBox error={metrics.error} />}
        <ul data-testid="metric-list">
          {list.map((m) => (
            <li key={m.name}>
              <Link
                to={withParams('/metrics', { name: m.name, start: p.get('start'), end: p.get('end') })}
                class={`metric-item ${m.name === name ? 'active' : ''}`}
                title={m.description}
              >
                <span class="metric-name">{m.name}</span>
                <span class="badge small">{m.type.replace(/_/g, ' ')}</span>
              </Link>
            </li>
          ))}
        </ul>
        {metrics.data && list.length === 0 && <p class="muted small">No metrics{filter ? ' match' : ' stored yet'}.</p>}
      </nav>
      <div class="metric-main">
        <SignalNotice signal="metrics" />
        <div class="metric-controls panel">
          <TimeWindow
            idPrefix="m"
            start={start}
            end={end}
            onChange={(s, e) => setParams({ start: s === 'now-1h' ? undefined : s, end: e || undefined })}
          />
          <div class="field narrow">
            <label for="m-step">Step</label>
            <input
              id="m-step"
              placeholder="auto"
              value={p.get('step') ?? ''}
              onChange={(e) => setParams({ step: (e.currentTarget as HTMLInputElement).value.trim() || undefined })}
            />
          </div>
          {name && (
            <button type="button" onClick={() => setParams({ r: String(Date.now()) })} title="Query again (r)">
              Refresh
            </button>
          )}
        </div>
        {name && !metrics.data && !metrics.error ? (
          <div class="loading">Loading…</div>
        ) : name ? (
          <MetricDetail key={name} name={name} descriptor={descriptor} route={route} setParams={setParams} />
        ) : (
          <HandlerDashboard route={route} metrics={metrics.data} />
        )}
      </div>
    </div>
  );
}

function MetricDetail(props: {
  name: string;
  descriptor: MetricDescriptor | undefined;
  route: Route;
  setParams: (c: Record<string, string | string[] | undefined>) => void;
}) {
  const p = props.route.params;
  const type = props.descriptor?.type;
  const mode = (p.get('agg') as Mode | null) ?? defaultMode(type);
  const groupBy = p.get('groupBy');
  const attrs = p.getAll('attr');
  const service = p.get('service') ?? '';
  const [knownKeys, setKnownKeys] = useState<string[]>([]);
  const isHist = type === 'histogram' || type === 'exponential_histogram';
  // What the heatmap and the exemplar panel of a histogram both show: this metric, these filters, this window.
  const histogramView = {
    name: props.name,
    unit: props.descriptor?.unit,
    attrs,
    service,
    start: p.get('start') ?? 'now-1h',
    end: p.get('end') ?? '',
  };
  const groupKeys = groupBy ? groupBy.split(',').filter(Boolean) : undefined;
  const toggleKey = (k: string) => {
    const cur = new Set(groupKeys ?? []);
    if (cur.has(k)) cur.delete(k);
    else cur.add(k);
    props.setParams({ groupBy: cur.size ? [...cur].join(',') : undefined });
  };
  return (
    <>
      <div class="metric-head">
        <h1 data-testid="metric-title">{props.name}</h1>
        {props.descriptor && (
          <span class="muted">
            {props.descriptor.type.replace(/_/g, ' ')}
            {props.descriptor.unit ? ` · ${props.descriptor.unit}` : ''}
            {props.descriptor.description ? ` · ${props.descriptor.description}` : ''}
          </span>
        )}
      </div>
      <div class="metric-options panel">
        <div class="field">
          <label for="m-agg">Show</label>
          <select
            id="m-agg"
            value={mode}
            onChange={(e) => props.setParams({ agg: (e.currentTarget as HTMLSelectElement).value })}
          >
            {isHist && <option value="percentiles">p50 / p90 / p99</option>}
            {type === 'counter' && <option value="increase">increase per step</option>}
            {type === 'counter' && <option value="rate">rate per second</option>}
            {(['sum', 'avg', 'min', 'max', 'count', 'last', 'p50', 'p90', 'p95', 'p99'] as const).map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
        <fieldset class="field grow">
          <legend class="label">Group by</legend>
          <div class="chips">
            {/* service.name is a resource attribute every series has: one line per reporting service. */}
            {[...new Set(['service.name', ...knownKeys, ...(groupKeys ?? [])])].sort().map((k) => (
              <button
                key={k}
                type="button"
                class={`chip ${groupKeys?.includes(k) ? 'on' : ''}`}
                aria-pressed={groupKeys?.includes(k) ?? false}
                onClick={() => toggleKey(k)}
              >
                {k}
              </button>
            ))}
            <input
              class="chip-input"
              placeholder="key, key…"
              aria-label="Group-by keys, comma separated"
              value={groupBy ?? ''}
              onChange={(e) =>
                props.setParams({
                  groupBy: (e.currentTarget as HTMLInputElement).value.replace(/\s+/g, '') || undefined,
                })
              }
            />
          </div>
        </fieldset>
        <div class="field">
          <label for="m-attr">Filter</label>
          <input
            id="m-attr"
            placeholder="key=value"
            value={attrs.join(' ')}
            onChange={(e) =>
              props.setParams({
                attr: (e.currentTarget as HTMLInputElement).value.split(/\s+/).filter(Boolean),
              })
            }
          />
        </div>
        <div class="field narrow">
          <label for="m-service">Service</label>
          <input
            id="m-service"
            value={service}
            onChange={(e) => props.setParams({ service: (e.currentTarget as HTMLInputElement).value || undefined })}
          />
        </div>
      </div>
      <MetricPanel
        title={props.name}
        name={props.name}
        type={type}
        unit={props.descriptor?.unit}
        mode={mode}
        groupBy={groupKeys}
        attrs={attrs}
        service={service}
        start={p.get('start') ?? 'now-1h'}
        end={p.get('end') ?? ''}
        step={p.get('step') ?? ''}
        refresh={p.get('r') ?? ''}
        height={320}
        onLabelKeys={(keys) =>
          setKnownKeys((k) => (keys.every((x) => k.includes(x)) ? k : [...new Set([...k, ...keys])]))
        }
        testId="metric-chart"
      />
      {isHist && mode === 'percentiles' && <HistogramHeatmap {...histogramView} step={p.get('step') ?? ''} />}
      {isHist && <ExemplarPanel {...histogramView} />}
    </>
  );
}
