/** The shell: navigation, backend health, theme toggle, token prompt, keyboard shortcuts and the route switch. */
import { useEffect, useState } from 'preact/hooks';
import { api, onUnauthorized, setToken } from './api.ts';
import { ErrorBoundary, Link, useAsync } from './components.tsx';
import { navigate, useRoute } from './router.ts';
import { setThemeChoice, type ThemeChoice, themeChoice, useTheme } from './theme.ts';
import { LogsPage } from './views/logs.tsx';
import { MetricsPage } from './views/metrics.tsx';
import { OverviewPage } from './views/overview.tsx';
import { TraceCompare } from './views/trace-compare.tsx';
import { TraceSearch } from './views/trace-search.tsx';
import { TraceView } from './views/trace-view.tsx';

const SHORTCUTS: Array<[string, string]> = [
  ['o', 'Service overview'],
  ['t', 'Traces'],
  ['m', 'Metrics'],
  ['l', 'Logs'],
  ['/', 'Focus the first filter'],
  ['↑ ↓ / j k', 'Move in lists and the waterfall'],
  ['← →', 'Fold / unfold a span'],
  ['Esc', 'Close span details'],
  ['d', 'Cycle light / dark / auto theme'],
  ['?', 'This help'],
];

export function App() {
  const route = useRoute();
  useTheme();
  const [help, setHelp] = useState(false);
  const [needToken, setNeedToken] = useState(false);
  const [theme, setTheme] = useState<ThemeChoice>(themeChoice);
  const health = useAsync((s) => api.health(s), []);
  useEffect(() => onUnauthorized(() => setNeedToken(true)), []);

  const cycleTheme = () => {
    const next: ThemeChoice = theme === 'auto' ? 'light' : theme === 'light' ? 'dark' : 'auto';
    setThemeChoice(next);
    setTheme(next);
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.ctrlKey || e.metaKey || e.altKey || t.closest('input, textarea, select, [contenteditable]')) return;
      if (e.key === 'o') navigate('/overview');
      else if (e.key === 't') navigate('/traces');
      else if (e.key === 'm') navigate('/metrics');
      else if (e.key === 'l') navigate('/logs');
      else if (e.key === 'd') cycleTheme();
      else if (e.key === '?') setHelp((h) => !h);
      else if (e.key === '/') {
        const first = document.querySelector<HTMLElement>('main input, main select, main textarea');
        first?.focus();
      } else if (e.key === 'Escape' && help) setHelp(false);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const [section, ...rest] = route.path.split('/');
  let view: preact.JSX.Element;
  if (section === 'traces' && rest[0])
    view = <TraceView key={rest[0]} traceId={decodeURIComponent(rest[0])} route={route} />;
  else if (section === 'compare') view = <TraceCompare route={route} />;
  else if (section === 'overview') view = <OverviewPage route={route} />;
  else if (section === 'metrics') view = <MetricsPage route={route} />;
  else if (section === 'logs') view = <LogsPage route={route} />;
  else if (section === 'traces' || section === '') view = <TraceSearch route={route} />;
  else
    view = (
      <div class="page empty">
        Nothing at /workbench/{route.path}. <Link to="/traces">Go to traces</Link>
      </div>
    );
  const active = section || 'traces';

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <Link to="/traces" class="brand">
          <span class="logo" aria-hidden="true" />
          Workbench
        </Link>
        <nav aria-label="Sections">
          {(['overview', 'traces', 'metrics', 'logs'] as const).map((s) => (
            <Link
              key={s}
              to={`/${s}`}
              class={`tab ${active === s ? 'active' : ''}`}
              title={`${s[0]!.toUpperCase()}${s.slice(1)} (${s[0]})`}
            >
              {s[0]!.toUpperCase() + s.slice(1)}
            </Link>
          ))}
        </nav>
        <span class="spacer" />
        <span
          class={`health ${health.data?.ok ? 'ok' : health.error || health.data?.ok === false ? 'bad' : ''}`}
          title={health.data?.message ?? health.error?.message ?? ''}
          data-testid="health"
        >
          <span class="dot" aria-hidden="true" />
          <span class="label">
            {health.data ? (health.data.backend ?? 'connected') : health.error ? 'server unreachable' : '…'}
          </span>
        </span>
        <button
          type="button"
          class="icon"
          onClick={cycleTheme}
          title="Theme: light / dark / auto (d)"
          aria-label={`Theme: ${theme}`}
          data-testid="theme-toggle"
        >
          {theme === 'auto' ? '◐' : theme === 'light' ? '☀' : '☾'}
        </button>
        <button
          type="button"
          class="icon"
          onClick={() => setHelp(true)}
          title="Keyboard shortcuts (?)"
          aria-label="Keyboard shortcuts"
        >
          ?
        </button>
      </header>
      <main id="main">
        <ErrorBoundary key={route.path}>{view}</ErrorBoundary>
      </main>
      {help && (
        <div class="modal-backdrop">
          <div class="modal panel" role="dialog" aria-label="Keyboard shortcuts">
            <h2>Keyboard shortcuts</h2>
            <table class="kv">
              <tbody>
                {SHORTCUTS.map(([k, d]) => (
                  <tr key={k}>
                    <th scope="row">
                      <kbd>{k}</kbd>
                    </th>
                    <td>{d}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {/* biome-ignore lint/a11y/noAutofocus: a dialog takes the focus so Enter/Escape work at once */}
            <button type="button" onClick={() => setHelp(false)} autoFocus>
              Close
            </button>
          </div>
        </div>
      )}
      {needToken && (
        <TokenPrompt
          onDone={() => {
            setNeedToken(false);
            location.reload();
          }}
        />
      )}
    </>
  );
}

function TokenPrompt({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <div class="modal-backdrop">
      <form
        class="modal panel"
        role="dialog"
        aria-label="API token"
        onSubmit={(e) => {
          e.preventDefault();
          setToken(value.trim() || null);
          onDone();
        }}
      >
        <h2>This server needs a token</h2>
        <p class="muted">
          The query API answered 401. Enter the bearer token from the server's [telemetry.server] token setting; it is
          kept in this browser only.
        </p>
        <input
          type="password"
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          // biome-ignore lint/a11y/noAutofocus: the token dialog blocks the page; its only field takes the focus
          autoFocus
          aria-label="Token"
        />
        <button type="submit" class="primary">
          Save
        </button>
      </form>
    </div>
  );
}
