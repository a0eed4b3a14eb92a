import type { Io } from './support.js';

/**
 * A one-line progress display on stderr for long commands (import, export, copy, retention, migrate), shown only
 * when stderr is a terminal (io.progress is set then). Hand-written rather than a progress-bar library: it is one
 * throttled line of text, and the libraries that fit bring terminal handling this needs none of.
 */
export interface Progress {
  /** Reports the items done so far and, when known, the fraction of the whole (0..1) for an ETA. */
  update(items: number, fraction?: number): void;
  /** Clears the line. */
  done(): void;
}

const EVERY_MS = 250;

export function startProgress(io: Io, label: string, noun = 'items'): Progress {
  const show = io.progress;
  if (!show) return { update: () => {}, done: () => {} };
  const started = Date.now();
  let last = 0;
  return {
    update(items, fraction) {
      const t = Date.now();
      if (t - last < EVERY_MS) return;
      last = t;
      const seconds = (t - started) / 1000;
      const rate = seconds > 0 ? Math.round(items / seconds) : 0;
      let eta = '';
      if (fraction !== undefined && fraction > 0.01 && fraction < 1) {
        eta = `, ETA ${Math.round(seconds / fraction - seconds)} s`;
      }
      show(`${label}: ${items.toLocaleString('en-US')} ${noun}, ${rate.toLocaleString('en-US')}/s${eta}`);
    },
    done() {
      show('');
    },
  };
}
