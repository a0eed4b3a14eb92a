/** Small shared pieces: links, async loading, error boxes, the time-window picker, attribute tables. */
import { Component, type ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from './api.ts';
import type { JsonAttributes } from './api-types.ts';
import { valueText } from './format.ts';
import { href, linkClick } from './router.ts';

export function Link(props: {
  to: string;
  class?: string;
  children: ComponentChildren;
  title?: string;
  'data-testid'?: string;
  'aria-label'?: string;
}) {
  return (
    <a
      href={href(props.to)}
      class={props.class}
      title={props.title}
      aria-label={props['aria-label']}
      onClick={linkClick}
      data-testid={props['data-testid']}
    >
      {props.children}
    </a>
  );
}

export interface AsyncState<T> {
  data?: T;
  error?: Error;
  loading: boolean;
}

/** Runs `load` whenever `deps` change, aborting the previous request so stale answers never win. */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: unknown[],
): AsyncState<T> & { reload: () => void } {
  const [state, setState] = useState<AsyncState<T>>({ loading: true });
  const [nonce, setNonce] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setState((s) => ({ data: s.data, loading: true }));
    load(ac.signal).then(
      (data) => !ac.signal.aborted && setState({ data, loading: false }),
      (error: Error) => !ac.signal.aborted && error.name !== 'AbortError' && setState({ error, loading: false }),
    );
    return () => ac.abort();
  }, [...deps, nonce]);
  return { ...state, reload: () => setNonce((n) => n + 1) };
}

export function ErrorBox({ error }: { error: Error }) {
  const param = error instanceof ApiError && error.parameter ? ` (parameter "${error.parameter}")` : '';
  return (
    <div class="error-box" role="alert">
      <strong>{error instanceof ApiError && error.status ? `Error ${error.status}` : 'Error'}:</strong> {error.message}
      {param}
    </div>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <div class="empty">{children}</div>;
}

export const WINDOWS = [
  { label: 'Last 5 minutes', value: 'now-5m' },
  { label: 'Last 15 minutes', value: 'now-15m' },
  { label: 'Last 1 hour', value: 'now-1h' },
  { label: 'Last 6 hours', value: 'now-6h' },
  { label: 'Last 24 hours', value: 'now-24h' },
  { label: 'Last 7 days', value: 'now-7d' },
  { label: 'Last 30 days', value: 'now-30d' },
];

/** Start/end picker: a preset list, or free text (ISO-8601, `now-2h`, epoch ns) when "Custom" is chosen. */
export function TimeWindow(props: {
  start: string;
  end: string;
  onChange: (start: string, end: string) => void;
  idPrefix: string;
}) {
  const preset = props.end === '' || props.end === 'now' ? WINDOWS.find((w) => w.value === props.start) : undefined;
  const [custom, setCustom] = useState(!preset);
  return (
    <div class="time-window">
      <label for={`${props.idPrefix}-window`}>Time window</label>
      <select
        id={`${props.idPrefix}-window`}
        value={custom ? 'custom' : preset?.value}
        onChange={(e) => {
          const v = (e.currentTarget as HTMLSelectElement).value;
          if (v === 'custom') setCustom(true);
          else {
            setCustom(false);
            props.onChange(v, '');
          }
        }}
      >
        {WINDOWS.map((w) => (
          <option key={w.value} value={w.value}>
            {w.label}
          </option>
        ))}
        <option value="custom">Custom…</option>
      </select>
      {custom && (
        <span class="custom-window">
          <input
            aria-label="Start"
            placeholder="start: now-1h or 2026-11-23T10:00Z"
            value={props.start}
            onChange={(e) => props.onChange((e.currentTarget as HTMLInputElement).value, props.end)}
          />
          <input
            aria-label="End"
            placeholder="end: now"
            value={props.end}
            onChange={(e) => props.onChange(props.start, (e.currentTarget as HTMLInputElement).value)}
          />
        </span>
      )}
    </div>
  );
}

export function AttributeTable({
  attributes,
  empty = 'none',
}: {
  attributes: JsonAttributes | undefined;
  empty?: string;
}) {
  const keys = Object.keys(attributes ?? {}).sort();
  if (keys.length === 0) return <p class="muted small">{empty}</p>;
  return (
    <table class="kv">
      <tbody>
        {keys.map((k) => (
          <tr key={k}>
            <th scope="row">{k}</th>
            <td>
              <code>{valueText(attributes![k])}</code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Sets the document title while a view is shown. */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Workbench`;
  }, [title]);
}

/** Calls `fn` every `ms` while `enabled`, skipping ticks while the tab is hidden. */
export function useInterval(fn: () => void, ms: number, enabled: boolean): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    if (!enabled) return;
    const id = setInterval(() => {
      if (document.visibilityState !== 'hidden') ref.current();
    }, ms);
    return () => clearInterval(id);
  }, [ms, enabled]);
}

/** Keeps one broken view from blanking the page: shows the error where the view was. */
export class ErrorBoundary extends Component<{ children: ComponentChildren }, { error?: Error }> {
  override state: { error?: Error } = {};
  override componentDidCatch(error: Error): void {
    console.error('[workbench] a view failed', error);
    this.setState({ error });
  }
  override render() {
    return this.state.error ? <ErrorBox error={this.state.error} /> : this.props.children;
  }
}

/** A banner when the server's configuration stores no data of this signal (e.g. type = "prometheus" has no traces). */
export function SignalNotice({ signal }: { signal: 'traces' | 'metrics' | 'logs' }) {
  const health = useAsync(() => api.healthCached(), []);
  const state = health.data?.signals?.[signal];
  if (state !== 'not stored' && state !== 'disabled') return null;
  return (
    <div class="notice" role="status" data-testid="signal-notice">
      {state === 'disabled'
        ? `This server has ${signal} switched off (enable_${signal} = false).`
        : `The configured backend (type = "${health.data?.backend ?? '?'}") stores no ${signal}. Route them to another backend with [telemetry.${signal}] in rohas.toml.`}
    </div>
  );
}
