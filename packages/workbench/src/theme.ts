/** Light/dark theme: follows prefers-color-scheme unless the user picks one (kept in localStorage). */
import { useEffect, useState } from 'preact/hooks';

export type ThemeChoice = 'auto' | 'light' | 'dark';
const KEY = 'rohas-workbench-theme';
const listeners = new Set<() => void>();
const media = window.matchMedia('(prefers-color-scheme: dark)');

export function themeChoice(): ThemeChoice {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : 'auto';
  } catch {
    return 'auto';
  }
}

export function effectiveTheme(): 'light' | 'dark' {
  const c = themeChoice();
  return c === 'auto' ? (media.matches ? 'dark' : 'light') : c;
}

export function applyTheme(): void {
  document.documentElement.dataset.theme = effectiveTheme();
  for (const l of listeners) l();
}

export function setThemeChoice(c: ThemeChoice): void {
  try {
    if (c === 'auto') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, c);
  } catch {
    // no storage: the choice lasts for this page
  }
  applyTheme();
}

media.addEventListener('change', applyTheme);

/** The effective theme; components that draw on canvas re-draw when it changes. */
export function useTheme(): 'light' | 'dark' {
  const [t, setT] = useState(effectiveTheme);
  useEffect(() => {
    const l = () => setT(effectiveTheme());
    listeners.add(l);
    return () => void listeners.delete(l);
  }, []);
  return t;
}

/** A CSS custom property's current value (charts take colours from the stylesheet). */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}
