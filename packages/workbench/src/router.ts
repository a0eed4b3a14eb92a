/**
 * A small history router: the URL is the state of every view (deep links can be shared), so views read their
 * query parameters from `useRoute()` and change them with `navigate()`.
 */
import { useEffect, useState } from 'preact/hooks';

export const BASE = import.meta.env.BASE_URL.replace(/\/$/, ''); // '/workbench'

export interface Route {
  /** Path below the base, without a leading slash: `traces`, `traces/<id>`, `metrics`, `logs`. */
  path: string;
  params: URLSearchParams;
}

function current(): Route {
  let p = location.pathname;
  if (p.startsWith(BASE)) p = p.slice(BASE.length);
  return { path: p.replace(/^\/+|\/+$/g, ''), params: new URLSearchParams(location.search) };
}

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => {
  for (const l of listeners) l();
});

/** Goes to a Workbench path (`/traces?service=x`, relative to the base) and re-renders the views. */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const url = to.startsWith(BASE) ? to : `${BASE}${to.startsWith('/') ? '' : '/'}${to}`;
  if (url === location.pathname + location.search) return;
  if (opts.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const l of listeners) l();
}

export function href(to: string): string {
  return `${BASE}${to.startsWith('/') ? '' : '/'}${to}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const l = () => setRoute(current());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return route;
}

/** Builds `path?query` from params, dropping empty values. */
export function withParams(path: string, params: Record<string, string | string[] | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) for (const i of v) q.append(k, i);
    else q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Click handler for in-app links: plain left clicks navigate in place, modified clicks open a tab as usual. */
export function linkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.currentTarget as HTMLAnchorElement | null) ?? null;
  if (!a?.href) return;
  e.preventDefault();
  const u = new URL(a.href);
  navigate(u.pathname + u.search);
}
