/**
 * The Workbench at the volume of the "daily use" issue: 300,000 spans in 11,247 traces (with 5,000- and 20,000-span
 * traces), 198,000 log records and 300 metric series over six hours of a 20-service system, written straight through
 * the SQLite adapter before `rohas-telemetry serve` opens the database. Headless Debian Chromium via playwright-core.
 * One file over 400 lines on purpose: every test shares the one store, which takes the longest to build.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TraceSummary } from '../src/api-types.ts';
import { ISSUE_VOLUME, type VolumeInfo, writeVolume } from './fixtures/volume-data.ts';
import {
  type Browser,
  buildWorkbench,
  getJson,
  launchChromium,
  screenshotPath,
  startTelemetryServer,
  type TestServer,
  watchConsole,
  withSqliteAdapter,
} from './support/harness.ts';

let server: TestServer;
let volume: VolumeInfo;
let browser: Browser;
let page: Page | undefined;
let consoleErrors: string[] = [];

beforeAll(async () => {
  await buildWorkbench();
  server = await startTelemetryServer({
    prefill: async ({ path }) => {
      volume = await withSqliteAdapter(path, (adapter) => writeVolume(adapter, ISSUE_VOLUME));
    },
  });
  browser = await launchChromium({ width: 1280, height: 900 });
  // About 35 s to write the store on a quiet 2-core machine; several minutes when other suites share the cores.
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(async () => {
  await page?.waitForTimeout(100);
  const errors = consoleErrors;
  await page?.close();
  page = undefined;
  consoleErrors = [];
  expect(errors).toEqual([]);
});

async function open(path: string, viewport?: { width: number; height: number }): Promise<Page> {
  page = await browser.context.newPage();
  if (viewport) await page.setViewportSize(viewport);
  consoleErrors = watchConsole(page);
  await page.goto(`${server.url}${path}`);
  return page;
}

describe('the store', () => {
  it('holds the issue volume', async () => {
    expect(volume.spanCount).toBe(300_000);
    expect(volume.logCount).toBe(198_000);
    expect(volume.seriesCount).toBe(300);
    const huge = await getJson<{ spans: unknown[] }>(`${server.url}/telemetry/traces/${volume.hugeTraceId}`);
    expect(huge.spans.length).toBe(20_000);
  });
});

describe('trace list at volume', () => {
  it('shows root service and operation on every one of 500 rows at 1280 px, with readable accessible names', async () => {
    const p = await open('/workbench/traces?start=now-6h&limit=500');
    await p.locator('[data-testid="trace-row"]').nth(499).waitFor({ state: 'attached', timeout: 30_000 });
    const api = await getJson<{ traces: TraceSummary[] }>(`${server.url}/telemetry/traces?start=now-6h&limit=500`);
    expect(api.traces.length).toBe(500);
    const rows = await p.locator('[data-testid="trace-row"]').evaluateAll((els) =>
      els.map((a) => {
        const title = a.querySelector<HTMLElement>('[data-testid="trace-title"]')!;
        const r = title.getBoundingClientRect();
        const row = a.getBoundingClientRect();
        const svc = a.querySelector<HTMLElement>('.root-svc')!;
        const op = a.querySelector<HTMLElement>('.root-op')!;
        const visible = (el: HTMLElement) => {
          const b = el.getBoundingClientRect();
          return b.width > 0 && b.height > 0 && b.left >= row.left && b.right <= row.right + 0.5;
        };
        return {
          svc: svc.textContent,
          op: op.textContent,
          shown: visible(svc) && visible(op) && r.height > 0,
          clipped: title.scrollWidth > title.clientWidth + 1,
          label: (a.textContent ?? '').replace(/\s+/g, ' '),
        };
      }),
    );
    expect(rows.length).toBe(500);
    rows.forEach((r, i) => {
      const t = api.traces[i]!;
      expect({ i, svc: r.svc, op: r.op, shown: r.shown, clipped: r.clipped }).toEqual({
        i,
        svc: t.rootServiceName,
        op: t.rootSpanName,
        shown: true,
        clipped: false,
      });
      // The name reads as separate facts: "svc: op, 52 spans, ...", never the id run into the span count.
      expect(
        r.label.startsWith(`${t.rootServiceName}: ${t.rootSpanName}, ${t.traceId.slice(0, 8)}, ${t.spanCount} span`),
      ).toBe(true);
    });
    await expect(p.locator('h1').count()).resolves.toBeGreaterThanOrEqual(1);
    await p.screenshot({ path: screenshotPath('volume-trace-list-1280') });
  });

  // The issue's budget is 1 s; this machine runs several test suites at once (load averages of 20 on 2 cores were
  // seen), so the test prints the figure and holds a generous bound; bench/workbench measures it (see the README).
  it('draws the last hour of traces quickly (issue 13: < 1 s; bound here 5 s)', async () => {
    const p = await open('/workbench/traces');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    const ms = await p.evaluate(
      () =>
        new Promise<number>((r) => {
          const get = () => performance.getEntriesByName('workbench:traces-rendered')[0]?.startTime;
          const poll = () => (get() !== undefined ? r(get()!) : setTimeout(poll, 20));
          poll();
        }),
    );
    console.error(`[workbench volume] last hour's trace list drawn ${ms.toFixed(0)} ms after navigation start`);
    expect(ms).toBeLessThan(5000);
  });

  it('shows a loading sign while a new search runs, then the new results', async () => {
    const p = await open('/workbench/traces?start=now-6h');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    // Hold the next search's answer so the in-between state can be seen.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await p.route('**/telemetry/traces?*', async (route) => {
      await held;
      await route.continue();
    });
    await p.selectOption('#ts-status', 'error');
    await p.click('[data-testid="search-button"]');
    await p.locator('[data-testid="searching"]').waitFor();
    await expect(p.locator('section[aria-busy="true"]').count()).resolves.toBe(1);
    release();
    await p.locator('[data-testid="searching"]').waitFor({ state: 'detached' });
    const labels = await p.locator('[data-testid="trace-row"]').evaluateAll((els) => els.map((a) => a.textContent));
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l).toMatch(/ errors?,/);
  });

  it('moves the focus to the waterfall after opening a trace by keyboard', async () => {
    const p = await open('/workbench/traces?start=now-6h');
    const first = p.locator('[data-testid="trace-row"]').first();
    await first.focus();
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    await p.locator('[data-testid="waterfall"]').waitFor();
    await expect(p.evaluate(() => document.activeElement?.classList.contains('wf-body'))).resolves.toBe(true);
    await p.keyboard.press('ArrowDown');
    await p.waitForURL(/span=/);
    await expect(p.locator('h1').count()).resolves.toBe(1);
  });
});

/** Long tasks and event timings of the page, collected from the start (PerformanceObserver). */
async function watchPerformance(p: Page): Promise<void> {
  await p.addInitScript(() => {
    const w = window as unknown as {
      __long: number[];
      __events: Array<{ id: number; name: string; d: number; p: number }>;
    };
    w.__long = [];
    w.__events = [];
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) w.__long.push(e.duration);
    }).observe({ type: 'longtask', buffered: true });
    new PerformanceObserver((l) => {
      for (const e of l.getEntries() as Array<PerformanceEventTiming & { interactionId: number }>)
        w.__events.push({ id: e.interactionId, name: e.name, d: e.duration, p: e.processingEnd - e.startTime });
    }).observe({ type: 'event', durationThreshold: 16, buffered: true } as PerformanceObserverInit);
  });
}

const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))]! : 0;
};

describe('logs at volume', () => {
  it('keeps 6,000+ rows smooth: Load older, scrolling, typing in the filter', { timeout: 300_000 }, async () => {
    page = await browser.context.newPage();
    consoleErrors = watchConsole(page);
    await watchPerformance(page);
    const p = page;
    await p.goto(`${server.url}/workbench/logs?start=now-6h&live=0`);
    await p.locator('[data-testid="log-row"]').first().waitFor();
    const loads: number[] = [];
    let count = Number(await p.locator('[data-testid="log-count"]').textContent());
    while (count < 6000) {
      const t0 = Date.now();
      await p.click('[data-testid="load-older"]');
      await p.waitForFunction(
        (n) => Number(document.querySelector('[data-testid="log-count"]')?.textContent) > n,
        count,
        { timeout: 30_000 },
      );
      loads.push(Date.now() - t0);
      count = Number(await p.locator('[data-testid="log-count"]').textContent());
    }
    // Windowed: only the rows in view (and a margin) are in the DOM.
    await expect(p.locator('[data-testid="log-row"]').count()).resolves.toBeLessThan(120);

    // Scroll through the list a frame at a time, as a wheel would, and count frames and long tasks meanwhile. The
    // floor: the same scrolling of a plain static element in the same page, which shows what the machine's load
    // alone costs (several test suites share 2 cores here), so the figure holds as a ratio on a noisy machine.
    const scrollFrames = (selector: string) =>
      p.evaluate(async (sel) => {
        const w = window as unknown as { __long: number[] };
        const el = document.querySelector<HTMLElement>(sel)!;
        const before = w.__long.length;
        const frames: number[] = [];
        let last = performance.now();
        for (let i = 0; i < 150; i++) {
          el.scrollTop += 400;
          await new Promise((r) => requestAnimationFrame(r));
          const now = performance.now();
          frames.push(now - last);
          last = now;
        }
        return { frames, long: w.__long.slice(before), bottom: el.scrollTop };
      }, selector);
    const scroll = await scrollFrames('.log-scroll');
    await p.screenshot({ path: screenshotPath('volume-logs-6000') });

    // Typing: per key press, key-to-screen (Event Timing duration: input delay + handlers + the next paint) and the
    // page's own part of it (input delay + handlers, up to processingEnd).
    await p.evaluate(() => {
      (window as unknown as { __events: unknown[] }).__events.length = 0;
    });
    await p.locator('#lg-text').click();
    await p.keyboard.type('PAYMENT', { delay: 120 });
    await p.waitForTimeout(100);
    const events = await p.evaluate(
      () => (window as unknown as { __events: Array<{ id: number; name: string; d: number; p: number }> }).__events,
    );
    const screen = new Map<number, number>();
    const handlers = new Map<number, number>();
    for (const e of events) {
      if (!e.id || !e.name.startsWith('key')) continue;
      screen.set(e.id, Math.max(screen.get(e.id) ?? 0, e.d));
      handlers.set(e.id, Math.max(handlers.get(e.id) ?? 0, e.p));
    }
    // Key presses faster than the 16 ms threshold leave no entry: count them as 16.
    const pad = (m: Map<number, number>) => [...m.values(), ...new Array(Math.max(0, 7 - m.size)).fill(16)];
    const keys = pad(screen);
    const keyWork = pad(handlers);
    // The reference in the same run: scrolling the 20,000-span waterfall, the view the issue found smooth (17 ms
    // frames on a quiet machine). Several test suites share 2 cores here, so absolute frame times mean little.
    await p.goto(`${server.url}/workbench/traces/${volume.hugeTraceId}`);
    await p.locator('.wf-row').first().waitFor();
    const reference = await scrollFrames('.wf-body');
    const f = (xs: number[]) =>
      `p50 ${pct(xs, 0.5).toFixed(0)} / p75 ${pct(xs, 0.75).toFixed(0)} / p95 ${pct(xs, 0.95).toFixed(0)} / max ${Math.max(...xs).toFixed(0)} ms`;
    console.error(
      `[workbench volume] logs: ${count} rows; Load older (1,000 each) ${loads.join(', ')} ms\n` +
        `  scroll frames: log list ${f(scroll.frames)}, long tasks > 50 ms: ${scroll.long.filter((d) => d > 50).length}; ` +
        `reference (20,000-span waterfall) ${f(reference.frames)}, long tasks: ${reference.long.filter((d) => d > 50).length}\n` +
        `  key-to-screen in the filter ${f(keys)}; of which input delay + handlers ${f(keyWork)}`,
    );
    expect(scroll.bottom).toBeGreaterThan(20_000);
    // The issue's bound is 50 ms; on a loaded machine the list must stay within 50 ms or within 2x (+10 ms) of the
    // reference measured in the same run (2x: both swing by tens of ms between runs at this load), and the page's own
    // work per key press within 50 ms.
    expect(pct(scroll.frames, 0.95)).toBeLessThan(Math.max(50, pct(reference.frames, 0.95) * 2 + 10));
    expect(pct(keyWork, 0.75)).toBeLessThan(50);
  });

  it('matches the text filter in any case', async () => {
    const p = await open('/workbench/logs?start=now-6h&live=0&text=PAYMENT');
    await p.locator('[data-testid="log-row"]').first().waitFor();
    const bodies = await p.locator('[data-testid="log-row"] .msg').allTextContents();
    expect(bodies.length).toBeGreaterThan(10);
    for (const b of bodies) expect(b.toLowerCase()).toContain('payment');
    // Both spellings in the fixture come back: "Payment authorized" and "payment declined".
    expect(bodies.some((b) => b.includes('Payment authorized'))).toBe(true);
    expect(bodies.some((b) => b.includes('payment declined'))).toBe(true);
    // Newest first, each record once.
    const times = await p
      .locator('[data-testid="log-row"] .col-time')
      .evaluateAll((els) => els.map((e) => e.getAttribute('title')));
    expect([...times].sort().reverse()).toEqual(times);
  });
});

describe('service overview at volume', () => {
  it('shows calls, error % and p50/p99 per service from the handler metrics, keyboard-reachable, window in the URL', {
    timeout: 300_000,
  }, async () => {
    // Expected: the cumulative counters' last values over the whole store, per service (the store starts at 0).
    const lastBy = async (name: string) => {
      const r = await getJson<{ series: Array<{ labels: Record<string, string>; points: Array<{ value: number }> }> }>(
        `${server.url}/telemetry/metrics?name=${name}&start=now-7h&aggregation=last&groupBy=service.name,handler_name`,
      );
      const out: Record<string, number> = {};
      for (const s of r.series) {
        const svc = s.labels['service.name']!;
        out[svc] = (out[svc] ?? 0) + s.points[s.points.length - 1]!.value;
      }
      return out;
    };
    const [calls, errors] = await Promise.all([lastBy('handler.execution.count'), lastBy('handler.execution.errors')]);
    expect(Object.keys(calls).length).toBe(20);

    const p = await open('/workbench/overview?start=now-7h');
    const table = p.locator('[data-testid="overview-table"]');
    await table.waitFor({ timeout: 60_000 });
    await expect(p.locator('[data-testid="overview-source"]').getAttribute('data-source')).resolves.toBe(
      'handler-metrics',
    );
    const rows = await p.locator('[data-testid="overview-service-row"]').evaluateAll((els) =>
      els.map((e) => ({
        service: e.closest('tbody')!.getAttribute('data-service')!,
        calls: Number(e.getAttribute('data-calls')),
        errors: Number(e.getAttribute('data-errors')),
        cells: [...e.querySelectorAll('td')].map((td) => td.textContent ?? ''),
      })),
    );
    expect(Object.fromEntries(rows.map((r) => [r.service, r.calls]))).toEqual(calls);
    expect(Object.fromEntries(rows.map((r) => [r.service, r.errors]))).toEqual(errors);
    for (const r of rows) {
      expect(r.cells[0]).toMatch(/\/(s|min|h)$/);
      expect(r.cells[1]).toMatch(/%$/);
      expect(r.cells[2]).toMatch(/\d(ms|s)$/);
      expect(r.cells[3]).toMatch(/\d(ms|s)$/);
    }
    await p.screenshot({ path: screenshotPath('volume-overview'), fullPage: true });

    // Keyboard only: Tab to the first service's toggle, open its operations, Tab to one and follow it to the traces.
    await p.locator('#ov-window').focus();
    let focused = '';
    for (let i = 0; i < 10 && focused !== 'overview-toggle'; i++) {
      await p.keyboard.press('Tab');
      focused = await p.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? '');
    }
    expect(focused).toBe('overview-toggle');
    const first = rows[0]!.service;
    await p.keyboard.press('Enter');
    const ops = p.locator(`tbody[data-service="${first}"] [data-testid="overview-operation-row"]`);
    await ops.first().waitFor();
    const opCalls = await ops.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-calls'))));
    expect(opCalls.reduce((a, b) => a + b, 0)).toBe(calls[first]);
    const op = await ops.first().getAttribute('data-operation');
    await p.keyboard.press('Tab'); // the service's link
    await p.keyboard.press('Tab'); // its error link, when it has errors, else the first operation's link
    if (await p.evaluate(() => !!document.activeElement?.closest('td'))) await p.keyboard.press('Tab');
    await p.keyboard.press('Enter');
    await p.waitForURL((u) => u.pathname === '/workbench/traces' && u.searchParams.get('operation') === op);
    const u = new URL(p.url());
    expect([u.searchParams.get('service'), u.searchParams.get('start')]).toEqual([first, 'now-7h']);
    await p.locator('[data-testid="trace-row"], .empty').first().waitFor();

    // The window lives in the URL: back returns to it, and choosing another window by keyboard changes it.
    await p.goBack();
    await table.waitFor();
    await p.locator('#ov-window').focus();
    await p.locator('#ov-window').selectOption('now-6h');
    await p.waitForURL(/overview\?start=now-6h/);
    await table.waitFor();
    await p.goBack();
    await p.waitForURL(/overview\?start=now-7h/);
  });
});

const PHONE = { width: 390, height: 844 };

/** Horizontal overflow of the page, and of the header's controls, at the current viewport. */
async function overflow(p: Page) {
  return p.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    const wide = [...document.querySelectorAll<HTMLElement>('body *')]
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.width > 0 && r.right > vw + 1 && getComputedStyle(e).position !== 'fixed';
      })
      .filter((e) => !e.closest('.log-scroll, .wf-body, .uplot'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    const header = [
      '[data-testid="health"]',
      '[data-testid="theme-toggle"]',
      'button[aria-label="Keyboard shortcuts"]',
    ].map((sel) => document.querySelector(sel)!.getBoundingClientRect().right <= vw + 1);
    return { scroll: document.documentElement.scrollWidth - vw, wide, header };
  });
}

describe('phone width (390×844)', () => {
  it('shows the trace list, a trace, logs and metrics without horizontal overflow', { timeout: 300_000 }, async () => {
    const p = await open('/workbench/traces?start=now-6h', PHONE);
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    await p.screenshot({ path: screenshotPath('phone-traces'), fullPage: true });

    await p.goto(`${server.url}/workbench/traces/${volume.bigTraceId}`);
    await p.locator('[data-testid="waterfall"]').waitFor();
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    const ruler = await p.evaluate(() => {
      const col = document.querySelector('.wf-head .wf-time')!.getBoundingClientRect();
      const ticks = [...document.querySelectorAll('.wf-head .tick')].map((t) => t.getBoundingClientRect());
      const overlaps = ticks.some((a, i) => i > 0 && a.left < ticks[i - 1]!.right);
      return { width: col.width, ticks: ticks.length, overlaps };
    });
    expect(ruler.width).toBeGreaterThanOrEqual(150);
    expect(ruler.ticks).toBeGreaterThanOrEqual(2);
    expect(ruler.overlaps).toBe(false);
    // A tap on a span opens its details below the waterfall and brings them into view.
    await p.locator('.wf-row').nth(3).click();
    const details = p.locator('[data-testid="span-details"]');
    await details.waitFor();
    await p.waitForFunction(() => {
      const r = document.querySelector('[data-testid="span-details"]')!.getBoundingClientRect();
      return r.top >= 0 && r.top < window.innerHeight - 80;
    });
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    await p.screenshot({ path: screenshotPath('phone-trace-details') });

    await p.goto(`${server.url}/workbench/logs?start=now-1h&live=0`);
    await p.locator('[data-testid="log-row"]').first().waitFor();
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    const msg = await p
      .locator('[data-testid="log-row"] .msg')
      .first()
      .evaluate((e) => e.getBoundingClientRect().width);
    expect(msg).toBeGreaterThanOrEqual(180);
    await p.screenshot({ path: screenshotPath('phone-logs') });

    for (const path of ['/workbench/metrics', '/workbench/metrics?name=process.memory.usage&start=now-6h']) {
      await p.goto(`${server.url}${path}`);
      await p.locator('.uplot canvas').first().waitFor({ timeout: 30_000 });
      await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    }
    await p.screenshot({ path: screenshotPath('phone-metrics'), fullPage: true });

    await p.goto(`${server.url}/workbench/overview?start=now-6h`);
    await p.locator('[data-testid="overview-table"]').waitFor({ timeout: 60_000 });
    await p.locator('[data-testid="overview-toggle"]').first().click();
    await p.locator('[data-testid="overview-operation-row"]').first().waitFor();
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    await p.screenshot({ path: screenshotPath('phone-overview'), fullPage: true });

    const other = await getJson<{ traces: TraceSummary[] }>(`${server.url}/telemetry/traces?start=now-6h&limit=1`);
    await p.goto(`${server.url}/workbench/compare?a=${volume.bigTraceId}&b=${other.traces[0]!.traceId}`);
    await p.locator('[data-testid="compare-table"]').waitFor({ timeout: 60_000 });
    await expect(overflow(p)).resolves.toEqual({ scroll: 0, wide: [], header: [true, true, true] });
    await p.screenshot({ path: screenshotPath('phone-compare') }); // the viewport: the full table of a 5,000-span trace is long
  });
});

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[]; failureSummary?: string }>;
}

/** Runs axe-core in the page (evaluated over the DevTools protocol, which the page's CSP does not govern). */
async function axe(p: Page): Promise<string[]> {
  await p.evaluate(AXE_SOURCE);
  const violations = await p.evaluate(
    () =>
      (window as unknown as { axe: { run(c: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe
        .run(document, { resultTypes: ['violations'] })
        .then((r) => r.violations) as Promise<AxeViolation[]>,
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id} (${v.help}): ${v.nodes.length} node(s), e.g. ${JSON.stringify(v.nodes[0]?.target)} ${v.nodes[0]?.failureSummary?.replace(/\s+/g, ' ') ?? ''}`,
    );
}

describe('accessibility (axe-core)', () => {
  for (const scheme of ['light', 'dark'] as const) {
    it(`reports no serious or critical violation on any view (${scheme})`, { timeout: 300_000 }, async () => {
      page = await browser.context.newPage();
      consoleErrors = watchConsole(page);
      await page.emulateMedia({ colorScheme: scheme });
      const p = page;
      const found: Record<string, string[]> = {};
      const check = async (name: string) => {
        await p.waitForTimeout(200);
        found[name] = await axe(p);
      };
      await p.goto(`${server.url}/workbench/traces?start=now-6h`);
      await p.locator('[data-testid="trace-row"]').first().waitFor();
      await p.locator('[data-testid="duration-scatter"] canvas').waitFor();
      await check('traces');
      await p.goto(`${server.url}/workbench/overview?start=now-6h`);
      await p.locator('[data-testid="overview-table"]').waitFor({ timeout: 60_000 });
      await p.locator('[data-testid="overview-toggle"]').first().click();
      await p.locator('[data-testid="overview-operation-row"]').first().waitFor();
      await check('service overview');
      const other = await getJson<{ traces: TraceSummary[] }>(`${server.url}/telemetry/traces?start=now-6h&limit=1`);
      await p.goto(`${server.url}/workbench/compare?a=${volume.bigTraceId}&b=${other.traces[0]!.traceId}`);
      await p.locator('[data-testid="compare-table"]').waitFor({ timeout: 60_000 });
      await check('compare two traces');
      await p.goto(`${server.url}/workbench/traces/${volume.bigTraceId}`);
      await p.locator('[data-testid="waterfall"]').waitFor();
      await p.locator('.wf-body').focus();
      await p.keyboard.press('ArrowDown');
      await p.keyboard.press('ArrowDown');
      await p.locator('[data-testid="span-details"]').waitFor();
      await check('trace view, span selected');
      await p.goto(`${server.url}/workbench/logs?start=now-1h&live=0`);
      await p.locator('[data-testid="log-row"]').first().waitFor();
      await p.locator('[data-testid="log-row"] .row-toggle').first().click();
      await p.locator('.log-details').waitFor();
      await check('logs, one record open');
      await p.goto(`${server.url}/workbench/metrics`);
      await p.locator('[data-testid="handler-dashboard"]').waitFor();
      await p.locator('[data-testid="dashboard-panel"] canvas').first().waitFor({ timeout: 30_000 });
      await check('handler dashboard');
      await p.goto(`${server.url}/workbench/metrics?name=handler.execution.duration&start=now-6h`);
      await p.locator('[data-testid="metric-heatmap"] canvas').waitFor({ timeout: 90_000 });
      await p.locator('[data-testid="metric-exemplars"] .empty').waitFor({ timeout: 60_000 });
      await check('histogram');
      await p.goto(`${server.url}/workbench/metrics?name=process.memory.usage&start=now-6h`);
      await p.locator('[data-testid="metric-chart"] canvas').waitFor({ timeout: 30_000 });
      await check('gauge');
      await p.keyboard.press('?');
      await p.locator('[role="dialog"]').waitFor();
      await check('help dialog');
      await p.screenshot({ path: screenshotPath(`axe-last-view-${scheme}`) });
      expect(found).toEqual(Object.fromEntries(Object.keys(found).map((k) => [k, []])));
    });
  }
});
