import type { MetricDescriptor } from '../api-types.ts';
import { Empty, Link } from '../components.tsx';
import { type Route, withParams } from '../router.ts';
import { defaultMode, MetricPanel, type Mode } from './metric-panel.tsx';

export const HANDLER_METRICS = [
  'handler.execution.count',
  'handler.execution.duration',
  'handler.execution.errors',
  'handler.execution.success',
];

/** The Rohas handler metrics (rohas-telemetry.md "Handler Metrics") as a ready dashboard. */
export function HandlerDashboard({ route, metrics }: { route: Route; metrics: MetricDescriptor[] | undefined }) {
  const p = route.params;
  const start = p.get('start') ?? 'now-1h';
  const end = p.get('end') ?? '';
  const step = p.get('step') ?? '';
  const d = (n: string) => metrics?.find((m) => m.name === n);
  const present = HANDLER_METRICS.filter((n) => d(n));
  const panels: Array<{ title: string; name: string; mode?: Mode; groupBy: string[] | undefined }> = [
    { title: 'Executions by handler', name: 'handler.execution.count', groupBy: ['handler_name'] },
    { title: 'Errors by handler', name: 'handler.execution.errors', groupBy: ['handler_name'] },
    { title: 'Duration p50 / p90 / p99', name: 'handler.execution.duration', groupBy: [] },
    { title: 'Successes by handler', name: 'handler.execution.success', groupBy: ['handler_name'] },
  ];
  if (!metrics) return <div class="loading">Loading…</div>;
  return (
    <>
      <div class="metric-head">
        <h1>Handler dashboard</h1>
        <span class="muted">handler.execution.count · errors · success · duration, by handler_name</span>
      </div>
      {present.length === 0 && (
        <Empty>No handler.execution.* metrics are stored yet. Pick any metric on the left.</Empty>
      )}
      <div class="dashboard-grid" data-testid="handler-dashboard">
        {panels
          .filter((x) => d(x.name))
          .map((x) => {
            const desc = d(x.name)!;
            return (
              <div key={x.name} class="dash-cell">
                <MetricPanel
                  title={x.title}
                  name={x.name}
                  type={desc.type}
                  unit={desc.unit}
                  mode={x.mode ?? defaultMode(desc.type)}
                  groupBy={x.groupBy}
                  start={start}
                  end={end}
                  step={step}
                  height={200}
                  testId="dashboard-panel"
                />
                <Link
                  to={withParams('/metrics', {
                    name: x.name,
                    start: p.get('start'),
                    end: p.get('end'),
                    groupBy: x.groupBy?.join(',') || undefined,
                  })}
                  class="small"
                >
                  Open {x.name} →
                </Link>
              </div>
            );
          })}
      </div>
    </>
  );
}
