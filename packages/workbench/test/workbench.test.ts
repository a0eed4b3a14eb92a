/**
 * The Workbench in headless Chromium against a real `rohas-telemetry serve` over SQLite, loaded through the OTLP
 * receiver with Rohas-like example data and one 5,000-span trace. Screenshots go to test-output/workbench/.
 * One file over 400 lines on purpose: the tests share one server and browser, which are slow to start.
 */
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonSpan } from '../src/api-types.ts';
import { logsRequest, metricsRequest, postOtlp, tracesRequest } from './fixtures/otlp-json.ts';
import { bigTrace, depthFirstOrder, exampleData } from './fixtures/telemetry-data.ts';
import {
  type Browser,
  buildWorkbench,
  eventually,
  getJson,
  launchChromium,
  loadTelemetry,
  screenshotPath,
  startTelemetryServer,
  type TestServer,
  watchConsole,
} from './support/harness.ts';

const now = Date.now();
const data = exampleData(now);
const big = bigTrace(5000, now);

let server: TestServer;
let browser: Browser;
let page: Page;
let consoleErrors: string[];

beforeAll(async () => {
  await buildWorkbench();
  server = await startTelemetryServer({ exampleApp: true });
  await loadTelemetry(server.url, { spans: [...data.spans, ...big.spans], metrics: data.metrics, logs: data.logs });
  await eventually('all traces stored', async () => {
    const r = await getJson<{ traces: Array<{ traceId: string; spanCount: number }> }>(
      `${server.url}/telemetry/traces?start=now-2h&limit=1000`,
    );
    const stored = new Map(r.traces.map((t) => [t.traceId, t.spanCount]));
    return data.traceIds.every((id) => stored.get(id) === spansOf(id).length) || undefined;
  });
  await eventually('the 5,000-span trace complete', async () => {
    const r = await getJson<{ spans: unknown[] }>(`${server.url}/telemetry/traces/${big.traceId}`);
    return r.spans.length === 5000 || undefined;
  });
  await eventually('logs stored', async () => {
    const r = await getJson<{ logs: Array<{ resource: { attributes: Record<string, unknown> } }> }>(
      `${server.url}/telemetry/logs?start=now-2h&limit=1000`,
    );
    return (
      r.logs.filter((l) => l.resource.attributes['service.name'] !== 'users-api').length === data.logs.length ||
      undefined
    );
  });
  await eventually('metrics stored', async () => {
    const r = await getJson<{ metrics: Array<{ name: string }> }>(`${server.url}/telemetry/metrics`);
    return r.metrics.some((m) => m.name === 'handler.execution.duration') || undefined;
  });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string): Promise<Page> {
  page = await browser.context.newPage();
  consoleErrors = watchConsole(page);
  await page.goto(`${server.url}${path}`);
  return page;
}

afterEach(async () => {
  // Give late requests a moment to fail loudly, then demand a clean console in every view.
  await page?.waitForTimeout(150);
  const errors = consoleErrors ?? [];
  await page?.close();
  expect(errors).toEqual([]);
});

function spansOf(traceId: string) {
  return data.spans.filter((s) => s.traceId === traceId);
}

describe('traces', () => {
  it('searches by service from a deep link and lists the traces newest first with a duration scatter plot', async () => {
    const p = await open('/workbench/traces?service=catalog');
    const expected = data.traceIds.filter((id) =>
      spansOf(id).some((s) => s.resource.attributes['service.name'] === 'catalog'),
    );
    expect(expected.length).toBeGreaterThan(0);
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    const hrefs = await p
      .locator('[data-testid="trace-row"]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname));
    expect(hrefs).toEqual(expected.map((id) => `/workbench/traces/${id}`));
    await expect(p.locator('#ts-service').inputValue()).resolves.toBe('catalog');
    // uPlot draws the scatter on a canvas with one point series per status.
    await p.locator('[data-testid="duration-scatter"] canvas').waitFor();
    await p.screenshot({ path: screenshotPath('traces-search') });
  });

  it('uses the search form: status error and an attribute filter', async () => {
    const p = await open('/workbench/traces');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    await p.selectOption('#ts-status', 'error');
    await p.fill('#ts-attrs', 'http.route=/orders');
    await p.click('[data-testid="search-button"]');
    await p.waitForURL(/status=error/);
    expect(new URL(p.url()).searchParams.getAll('attr')).toEqual(['http.route=/orders']);
    const expected = data.traceIds.filter((id) =>
      spansOf(id).some((s) => s.status.code === 2 && s.attributes['http.route'] === '/orders'),
    );
    await eventually(
      'filtered rows',
      async () => ((await p.locator('[data-testid="trace-row"]').count()) === expected.length ? true : undefined),
      10_000,
    );
    const hrefs = await p
      .locator('[data-testid="trace-row"]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).pathname.split('/').pop()));
    expect(hrefs).toEqual(expected);
  });

  it('opens a trace: the waterfall shows every span in parent/child order with errors marked', async () => {
    const p = await open('/workbench/traces');
    await p.locator(`a[href="/workbench/traces/${data.orderTraceId}"]`).click();
    await p.waitForURL(`**/workbench/traces/${data.orderTraceId}`);
    const wf = p.locator('[data-testid="waterfall"]');
    await wf.waitFor();
    const spans = spansOf(data.orderTraceId);
    await expect(wf.getAttribute('data-span-count')).resolves.toBe(String(spans.length));
    const ids = await p.locator('.wf-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.spanId));
    expect(ids).toEqual(depthFirstOrder(spans));
    const levels = await p
      .locator('.wf-row')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('aria-level'))));
    expect(levels[0]).toBe(1);
    expect(Math.max(...levels)).toBeGreaterThanOrEqual(4); // root > handler > publish > consumer > db
    const errorIds = spans.filter((s) => s.status.code === 2).map((s) => s.spanId);
    const marked = await p
      .locator('.wf-row.error')
      .evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.spanId));
    expect(marked.sort()).toEqual(errorIds.sort());
    await p.screenshot({ path: screenshotPath('trace-view') });
  });

  it('shows span details (attributes, events, links, resource) and moves with the keyboard', async () => {
    const traceId = data.traceIds[0]!; // newest: an error, with a link to the previous trace
    const spans = spansOf(traceId);
    const root = spans.find((s) => !s.parentSpanId)!;
    const p = await open(`/workbench/traces/${traceId}?span=${root.spanId}`);
    const details = p.locator('[data-testid="span-details"]');
    await details.waitFor();
    await expect(details.textContent()).resolves.toContain('http.route');
    await expect(details.textContent()).resolves.toContain('exception');
    await expect(details.textContent()).resolves.toContain('dev-laptop'); // resource host.name
    const link = root.links[0]!;
    await expect(
      details.locator(`a[href="/workbench/traces/${link.traceId}?span=${link.spanId}"]`).count(),
    ).resolves.toBe(1);
    await p.screenshot({ path: screenshotPath('trace-span-details') });
    // Keyboard: down selects the next row in waterfall order; Escape closes the details.
    await p.locator('.wf-body').focus();
    await p.keyboard.press('ArrowDown');
    await p.waitForURL(new RegExp(`span=${depthFirstOrder(spans)[1]}`));
    await p.keyboard.press('Escape');
    await details.waitFor({ state: 'detached' });
  });

  it('renders the 5,000-span trace with virtualized rows in the right order', async () => {
    const p = await open(`/workbench/traces/${big.traceId}`);
    const wf = p.locator('[data-testid="waterfall"]');
    await wf.waitFor();
    await expect(wf.getAttribute('data-span-count')).resolves.toBe('5000');
    await expect(p.locator('[data-testid="span-count"]').textContent()).resolves.toBe('5000');
    const first = await p.locator('.wf-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.spanId));
    expect(first.length).toBeLessThan(200); // only the rows in view (plus overscan) are in the DOM
    expect(first).toEqual(big.order.slice(0, first.length));
    await p.locator('.wf-body').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await eventually(
      'last row rendered',
      async () => ((await p.locator(`.wf-row[data-span-id="${big.order[4999]}"]`).count()) === 1 ? true : undefined),
      5000,
    );
    const last = await p.locator('.wf-row').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.spanId));
    expect(last).toEqual(big.order.slice(5000 - last.length));
    await p.screenshot({ path: screenshotPath('trace-view-5000-spans') });
  });
});

describe("the example app's data", () => {
  it('finds the example service, opens one of its error traces and shows its handler metrics', async () => {
    const p = await open('/workbench/traces?service=users-api&status=error');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    // The demo requests /users/9 and /nope 5 times each: 10 failing requests.
    await expect(p.locator('[data-testid="trace-row"]').count()).resolves.toBe(10);
    await p.locator('[data-testid="trace-row"]', { hasText: 'GET /users/:id' }).first().click();
    await p.locator('[data-testid="waterfall"]').waitFor();
    const names = await p.locator('.wf-row .op').allTextContents();
    expect(names[0]).toMatch(/^GET /);
    expect(names).toContain('db.query');
    await expect(p.locator('.wf-row.error').count()).resolves.toBeGreaterThanOrEqual(1);
    await p.screenshot({ path: screenshotPath('example-app-trace') });
    await p.goto(`${server.url}/workbench/metrics?name=handler.execution.count&groupBy=handler_name`);
    const legend = p.locator('[data-testid="metric-chart"] .u-legend');
    await legend.waitFor();
    await expect(legend.textContent()).resolves.toContain('GET /users/:id');
  });
});

describe('logs', () => {
  it("lists a trace's logs from the trace view and follows a log's trace link back", async () => {
    const traceId = data.errorTraceId;
    const p = await open(`/workbench/traces/${traceId}`);
    await p.locator('[data-testid="trace-logs-link"]').click();
    await p.waitForURL(`**/workbench/logs?traceId=${traceId}`);
    const expected = data.logs.filter((l) => l.traceId === traceId);
    await eventually(
      'log rows',
      async () => ((await p.locator('[data-testid="log-row"]').count()) === expected.length ? true : undefined),
      10_000,
    );
    await p.screenshot({ path: screenshotPath('logs-of-trace') });
    const link = p.locator('[data-testid="log-trace-link"]').first();
    await link.click();
    await p.waitForURL(new RegExp(`/workbench/traces/${traceId}\\?span=`));
    await p.locator('[data-testid="waterfall"]').waitFor();
    await expect(p.locator('[data-testid="span-details"]').count()).resolves.toBe(1);
  });

  it('filters by severity and text, and tails new records live', async () => {
    const p = await open('/workbench/logs?minSeverity=ERROR&service=api');
    await p.locator('[data-testid="log-row"]').first().waitFor();
    const levels = await p.locator('[data-testid="log-row"] .sev').allTextContents();
    expect(levels.length).toBe(
      data.logs.filter((l) => l.severityNumber >= 17 && l.resource.attributes['service.name'] === 'api').length,
    );
    expect(new Set(levels)).toEqual(new Set(['ERROR']));
    await p.fill('#lg-text', 'GetUser');
    await p.waitForURL(/text=GetUser/);
    await eventually(
      'text filter applied',
      async () => {
        const bodies = await p.locator('[data-testid="log-row"] .msg').allTextContents();
        return bodies.length > 0 && bodies.every((b) => b.includes('GetUser')) ? true : undefined;
      },
      10_000,
    );
    // Live tail: a record sent now appears without a reload.
    await p.goto(`${server.url}/workbench/logs`);
    await p.locator('[data-testid="log-row"]').first().waitFor();
    const marker = `live-tail-${Math.random().toString(36).slice(2)}`;
    const t = BigInt(Date.now()) * 1_000_000n;
    await postOtlp(
      server.url,
      'logs',
      logsRequest([
        {
          timeUnixNano: t,
          observedTimeUnixNano: t,
          severityNumber: 13,
          severityText: 'WARN',
          body: marker,
          attributes: {},
          resource: { attributes: { 'service.name': 'api' } },
          scope: { name: 'test' },
        },
      ]),
    );
    await p.locator('[data-testid="log-row"]', { hasText: marker }).waitFor({ timeout: 15_000 });
    await p.screenshot({ path: screenshotPath('logs-live') });
  });
});

describe('metrics', () => {
  it('draws a counter as a time-series chart grouped by handler', async () => {
    const p = await open('/workbench/metrics?name=handler.execution.count&groupBy=handler_name');
    const chart = p.locator('[data-testid="metric-chart"]');
    await chart.locator('canvas').waitFor();
    const legend = await chart.locator('.u-legend .u-series th').allTextContents();
    const handlers = [
      ...new Set(
        data.metrics.filter((m) => m.name === 'handler.execution.count').map((m) => String(m.attributes.handler_name)),
      ),
    ];
    for (const h of handlers) expect(legend.join('|')).toContain(h);
    await expect(p.locator('.chip.on').allTextContents()).resolves.toEqual(['handler_name']);
    await p.screenshot({ path: screenshotPath('metrics-counter') });
  });

  it('draws a histogram as p50/p90/p99 lines and a heatmap', async () => {
    const p = await open('/workbench/metrics?name=handler.execution.duration');
    const chart = p.locator('[data-testid="metric-chart"]');
    await chart.locator('canvas').waitFor();
    const legend = await chart.locator('.u-legend .u-series th').allTextContents();
    expect(legend.map((l) => l.trim()).filter((l) => /^p\d\d/.test(l))).toEqual(['p50', 'p90', 'p99']);
    const heat = p.locator('[data-testid="metric-heatmap"] canvas');
    await heat.waitFor();
    // The heatmap has painted cells: some pixels differ from the empty plot background.
    const painted = await heat.evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < d.length; i += 16) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return colours.size;
    });
    expect(painted).toBeGreaterThan(10);
    await p.screenshot({ path: screenshotPath('metrics-histogram'), fullPage: true });
  });

  it('shows the handler metrics as a ready dashboard', async () => {
    const p = await open('/workbench/metrics');
    await p.locator('[data-testid="handler-dashboard"]').waitFor();
    await eventually(
      'four panels drawn',
      async () => ((await p.locator('[data-testid="dashboard-panel"] canvas').count()) >= 4 ? true : undefined),
      10_000,
    );
    await p.screenshot({ path: screenshotPath('metrics-dashboard') });
  });
});

describe('shell', () => {
  it('follows prefers-color-scheme, toggles the theme, and navigates by keyboard', async () => {
    const dark = await launchChromium({ colorScheme: 'dark' });
    try {
      page = await dark.context.newPage();
      consoleErrors = watchConsole(page);
      await page.goto(`${server.url}/workbench/traces/${data.orderTraceId}`);
      await page.locator('[data-testid="waterfall"]').waitFor();
      await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('dark');
      await page.screenshot({ path: screenshotPath('trace-view-dark') });
      await page.keyboard.press('m');
      await page.waitForURL('**/workbench/metrics');
      await page.locator('[data-testid="handler-dashboard"]').waitFor();
      await eventually(
        'panels drawn',
        async () => ((await page.locator('[data-testid="dashboard-panel"] canvas').count()) >= 4 ? true : undefined),
        10_000,
      );
      await page.screenshot({ path: screenshotPath('metrics-dashboard-dark') });
      await page.keyboard.press('l');
      await page.waitForURL('**/workbench/logs');
      await page.locator('[data-testid="log-row"]').first().waitFor();
      await page.screenshot({ path: screenshotPath('logs-dark') });
      // auto -> light
      await page.click('[data-testid="theme-toggle"]');
      await expect(page.evaluate(() => document.documentElement.dataset.theme)).resolves.toBe('light');
      await expect(page.evaluate(() => localStorage.getItem('rohas-workbench-theme'))).resolves.toBe('light');
      await page.waitForTimeout(150);
      expect(consoleErrors).toEqual([]);
      await page.close();
      page = undefined as unknown as Page;
    } finally {
      await dark.close();
    }
  });

  it('answers a deep link to an unknown trace with a clear message', async () => {
    const p = await browser.context.newPage();
    const errors = watchConsole(p);
    await p.goto(`${server.url}/workbench/traces/${'0'.repeat(31)}1`);
    await p.locator('.error-box').waitFor();
    await expect(p.locator('.error-box').textContent()).resolves.toMatch(/404/);
    // The browser itself logs the 404 response; nothing else may fail.
    expect(errors.filter((e) => !/404/.test(e))).toEqual([]);
    await p.close();
    page = undefined as unknown as Page;
    consoleErrors = [];
  });

  it('asks for the bearer token when the API answers 401, then shows the data', async () => {
    const token = `t-${Math.random().toString(36).slice(2)}`;
    const locked = await startTelemetryServer({ token });
    try {
      const span = spansOf(data.orderTraceId)[0]!;
      await postOtlp(locked.url, 'traces', tracesRequest([span]), token);
      await eventually('the span stored', async () => {
        const r = await fetch(`${locked.url}/telemetry/traces/${span.traceId}`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return r.ok || undefined;
      });
      const p = await browser.context.newPage();
      const errors = watchConsole(p);
      await p.goto(`${locked.url}/workbench/traces`);
      const dialog = p.locator('[role="dialog"][aria-label="API token"]');
      await dialog.waitFor();
      await dialog.locator('input').fill(token);
      await dialog.locator('button[type="submit"]').click();
      await p
        .locator(`a[href="/workbench/traces/${span.traceId}"]`)
        .waitFor({ timeout: 10_000 })
        .catch(async (e) => {
          await p.screenshot({ path: screenshotPath('token-failure') });
          throw e;
        });
      // Only the browser's own notes about the 401 answers before the token was given.
      expect(errors.filter((e) => !/401/.test(e))).toEqual([]);
      await p.evaluate(() => localStorage.removeItem('rohas-workbench-token'));
      await p.close();
    } finally {
      await locked.close();
    }
    page = undefined as unknown as Page;
    consoleErrors = [];
  });

  it('says so when the server stores no data of a signal', async () => {
    const noLogs = await startTelemetryServer({ telemetryToml: ['enable_logs = false'] });
    try {
      const p = await browser.context.newPage();
      const errors = watchConsole(p);
      await p.goto(`${noLogs.url}/workbench/logs`);
      await expect(p.locator('[data-testid="signal-notice"]').textContent()).resolves.toContain('logs switched off');
      await p.goto(`${noLogs.url}/workbench/traces`);
      await p.locator('.empty').waitFor();
      await expect(p.locator('[data-testid="signal-notice"]').count()).resolves.toBe(0);
      // The browser notes the logs query the server refused; nothing else may fail.
      expect(errors.filter((e) => !/ 40\d /.test(e))).toEqual([]);
      await p.close();
    } finally {
      await noLogs.close();
    }
    page = undefined as unknown as Page;
    consoleErrors = [];
  });

  it('serves the API data the views read (trace JSON keeps nanosecond strings)', async () => {
    const r = await getJson<{ spans: JsonSpan[] }>(`${server.url}/telemetry/traces/${data.orderTraceId}`);
    const want = spansOf(data.orderTraceId).find((s) => !s.parentSpanId)!;
    const got = r.spans.find((s) => s.spanId === want.spanId)!;
    expect(got.startTimeUnixNano).toBe(want.startTimeUnixNano.toString());
    page = undefined as unknown as Page;
    consoleErrors = [];
  });
});

describe('daily use', () => {
  it('serves the page with a CSP and X-Frame-Options: DENY that the page itself never trips', async () => {
    const res = await fetch(`${server.url}/workbench/traces`);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    page = await browser.context.newPage();
    consoleErrors = watchConsole(page);
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    for (const path of [
      '/workbench/traces',
      `/workbench/traces/${data.orderTraceId}`,
      '/workbench/metrics',
      '/workbench/logs',
    ]) {
      await page.goto(`${server.url}${path}`);
      await page.locator('main h1').first().waitFor();
      await page.waitForTimeout(300);
      await expect(page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).resolves.toEqual([]);
    }
  });

  it('steps through "Find span" matches by keyboard and marks folded subtrees that hide errors', async () => {
    const p = await open(`/workbench/traces/${big.traceId}`);
    await p.locator('[data-testid="waterfall"]').waitFor();
    const find = p.locator('[data-testid="find-span"]');
    await find.focus();
    await p.keyboard.type('op-3-');
    const matches = big.spans.filter((s) => s.name.startsWith('op-3-'));
    const order = big.order.filter((id) => matches.some((m) => m.spanId === id));
    expect(order.length).toBeGreaterThan(2);
    await p.keyboard.press('Enter');
    await p.waitForURL(new RegExp(`span=${order[0]}`));
    await expect(p.locator('[data-testid="find-position"]').textContent()).resolves.toBe(
      `1 of ${order.length} matches`,
    );
    await p.keyboard.press('Enter');
    await p.waitForURL(new RegExp(`span=${order[1]}`));
    await p.keyboard.press('Shift+Enter');
    await p.waitForURL(new RegExp(`span=${order[0]}`));
    await p.keyboard.press('Shift+Enter');
    await p.waitForURL(new RegExp(`span=${order[order.length - 1]}`));
    // The selected match is on screen.
    await p.locator(`.wf-row.selected[data-span-id="${order[order.length - 1]}"]`).waitFor();

    // Folded subtrees say how many errors they hide.
    await p.goto(`${server.url}/workbench/traces/${data.orderTraceId}`);
    await p.locator('[data-testid="waterfall"]').waitFor();
    // Fold the root by keyboard: the error below it (handler CreateOrder) is hidden, and the root says so.
    await p.locator('.wf-body').focus();
    await p.keyboard.press('Home');
    await p.keyboard.press('ArrowLeft');
    const hidden = p.locator('[data-testid="hidden-errors"]');
    await hidden.waitFor();
    const spans = spansOf(data.orderTraceId);
    const below = spans.filter((s) => s.status.code === 2 && s.parentSpanId).length;
    expect(below).toBeGreaterThan(0);
    await expect(hidden.textContent()).resolves.toBe(`${below} error${below === 1 ? '' : 's'} hidden`);
    await expect(p.locator('.wf-row').count()).resolves.toBe(1);
  });

  it('compares two traces by keyboard only: search, open a trace, pick two in the list, compare', async () => {
    const p = await open('/workbench/traces?start=now-2h');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    const tabTo = async (selector: string, back = false) => {
      for (let i = 0; i < 80; i++) {
        if (await p.evaluate((sel) => document.activeElement?.matches(sel) ?? false, selector)) return;
        await p.keyboard.press(back ? 'Shift+Tab' : 'Tab');
      }
      throw new Error(`focus never reached ${selector}`);
    };
    // Search: "/" focuses the first filter, then Tab to Search and Enter.
    await p.keyboard.press('/');
    await tabTo('[data-testid="search-button"]');
    await p.keyboard.press('Enter');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    // Open the first trace from its row, then back to the list with the "t" shortcut.
    await tabTo('a.trace-row');
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/workbench\/traces\/[0-9a-f]{32}/);
    await p.locator('[data-testid="waterfall"]').waitFor();
    await p.keyboard.press('t');
    await p.waitForURL((u) => u.pathname === '/workbench/traces');
    await p.locator('[data-testid="trace-row"]').first().waitFor();

    // Pick the first row and the first row below it with another root operation (so the two differ).
    const titles = await p.locator('[data-testid="trace-title"]').allTextContents();
    const j = titles.findIndex((t) => t !== titles[0]);
    expect(j).toBeGreaterThan(0);
    await p.locator('[data-testid="trace-pick"]').first().waitFor();
    await tabTo('[data-testid="trace-pick"]');
    await p.keyboard.press('Space');
    for (let k = 0; k < 2 * j; k++) await p.keyboard.press('Tab'); // each row: its check box, then its link
    await expect(p.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('trace-pick');
    await p.keyboard.press('Space');
    await expect(p.locator('[data-testid="picked-count"]').textContent()).resolves.toBe('2 traces picked');
    await tabTo('[data-testid="compare-link"]', true);
    await p.keyboard.press('Enter');
    await p.waitForURL(/\/workbench\/compare\?a=[0-9a-f]{32}&b=[0-9a-f]{32}/);
    await p.locator('[data-testid="compare-table"]').waitFor();

    // Expected, computed here from the fixture: spans per service:operation path from the root, in each trace.
    const u = new URL(p.url());
    const [sa, sb] = await Promise.all(
      ['a', 'b'].map((k) =>
        getJson<{ spans: JsonSpan[] }>(`${server.url}/telemetry/traces/${u.searchParams.get(k)}`).then((r) => r.spans),
      ),
    );
    const pathCounts = (spans: JsonSpan[]) => {
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const out = new Map<string, number>();
      for (const s of spans) {
        const parts: string[] = [];
        for (let c: JsonSpan | undefined = s; c; c = c.parentSpanId ? byId.get(c.parentSpanId) : undefined)
          parts.unshift(`${String(c.resource.attributes['service.name'])}: ${c.name}`);
        const key = parts.join(' > ');
        out.set(key, (out.get(key) ?? 0) + 1);
      }
      return out;
    };
    const pa = pathCounts(sa!);
    const pb = pathCounts(sb!);
    const onlyA = [...pa.keys()].filter((k) => !pb.has(k)).length;
    const onlyB = [...pb.keys()].filter((k) => !pa.has(k)).length;
    const both = [...pa.keys()].filter((k) => pb.has(k)).length;
    expect(onlyA + onlyB).toBeGreaterThan(0);
    await expect(p.locator('[data-testid="compare-summary"]').textContent()).resolves.toBe(
      `${onlyA} path${onlyA === 1 ? '' : 's'} only in A · ${onlyB} only in B · ${both} in both`,
    );
    const rows = await p
      .locator('[data-testid="compare-row"]')
      .evaluateAll((els) =>
        els.map((e) => [
          e.getAttribute('data-state'),
          ...[...e.querySelectorAll('td')].slice(0, 2).map((t) => t.textContent),
        ]),
      );
    expect(rows.length).toBe(onlyA + onlyB + both);
    const sumOf = (state: string, col: 1 | 2) =>
      rows.filter((r) => r[0] === state || state === '*').reduce((a, r) => a + (Number(r[col]) || 0), 0);
    expect([sumOf('*', 1), sumOf('*', 2)]).toEqual([sa!.length, sb!.length]);
    expect(rows.filter((r) => r[0] === 'only-a').every((r) => r[2] === '–')).toBe(true);
    await p.screenshot({ path: screenshotPath('compare'), fullPage: true });
  });

  it("shows a histogram's exemplars as points and rows that open their trace at the span", async () => {
    const name = `exemplar.hist.${Math.random().toString(36).slice(2, 8)}`;
    const spans = spansOf(data.orderTraceId);
    const target = spans.find((x) => x.parentSpanId)!;
    const t = BigInt(Date.now() - 120_000) * 1_000_000n;
    const point = (dt: bigint, exemplars: NonNullable<(typeof data.metrics)[number]['exemplars']>) => ({
      name,
      unit: 'ms',
      type: 'histogram' as const,
      temporality: 'delta' as const,
      attributes: { handler_name: 'CreateOrder' },
      resource: { attributes: { 'service.name': 'api' } },
      scope: { name: 'test' },
      startTimeUnixNano: t + dt - 60_000_000_000n,
      timeUnixNano: t + dt,
      histogram: { count: 2, sum: 1300, min: 300, max: 1000, bounds: [100, 500], counts: [0, 1, 1] },
      exemplars,
    });
    await postOtlp(
      server.url,
      'metrics',
      metricsRequest([
        point(0n, [
          {
            timeUnixNano: t - 5n,
            value: 1000,
            traceId: data.orderTraceId,
            spanId: target.spanId,
            filteredAttributes: {},
          },
          { timeUnixNano: t - 9n, value: 300, filteredAttributes: { note: 'unsampled' } },
        ]),
        point(60_000_000_000n, [
          {
            timeUnixNano: t + 59_000_000_000n,
            value: 420,
            traceId: data.errorTraceId,
            spanId: spansOf(data.errorTraceId)[0]!.spanId,
            filteredAttributes: {},
          },
        ]),
      ]),
    );
    await eventually('the exemplars stored', async () => {
      const r = await getJson<{ points: Array<{ exemplars?: unknown[] }> }>(
        `${server.url}/telemetry/metrics/points?name=${name}&start=now-1h`,
      );
      return r.points.length === 2 || undefined;
    });
    const p = await open(`/workbench/metrics?name=${name}&start=now-1h`);
    const panel = p.locator('[data-testid="metric-exemplars"]');
    await panel.locator('canvas').waitFor();
    await expect(panel.locator('[data-testid="exemplar-count"]').textContent()).resolves.toMatch(
      /^3 exemplars in 2 points/,
    );
    // Slowest first; the one without a trace is listed, not linked.
    const rows = await panel.locator('[data-testid="exemplar-row"]').allTextContents();
    expect(rows.length).toBe(3);
    expect(rows[0]).toMatch(new RegExp(`^1\\.00?s at .* trace ${data.orderTraceId.slice(0, 8)}$`));
    expect(rows[2]).toMatch(/no trace$/);
    await expect(panel.locator('[data-testid="exemplar-link"]').count()).resolves.toBe(2);
    // Keyboard: the slowest exemplar's link opens its trace with the span selected.
    await panel.locator('[data-testid="exemplar-link"]').first().focus();
    await p.keyboard.press('Enter');
    await p.waitForURL(new RegExp(`/workbench/traces/${data.orderTraceId}\\?span=${target.spanId}`));
    await p.locator(`.wf-row.selected[data-span-id="${target.spanId}"]`).waitFor();
    await p.goBack();
    await panel.locator('canvas').waitFor();
    await p.screenshot({ path: screenshotPath('exemplars'), fullPage: true });
  });

  it('follows new traces live in the trace list', async () => {
    const p = await open('/workbench/traces?live=1');
    await p.locator('[data-testid="trace-row"]').first().waitFor();
    await expect(p.locator('[data-testid="follow-toggle"]').getAttribute('aria-pressed')).resolves.toBe('true');
    const span = { ...spansOf(data.orderTraceId).find((s) => !s.parentSpanId)! };
    const traceId = `${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}${'ab'.repeat(12)}`;
    const t = BigInt(Date.now()) * 1_000_000n;
    await postOtlp(
      server.url,
      'traces',
      tracesRequest([
        { ...span, traceId, name: 'live-follow', startTimeUnixNano: t, endTimeUnixNano: t + 5_000_000n, links: [] },
      ]),
    );
    await p.locator(`a[href="/workbench/traces/${traceId}"]`).waitFor({ timeout: 20_000 });
  });

  it('draws a one-point series and splits a metric by service.name', async () => {
    const name = `one.point.${Math.random().toString(36).slice(2, 8)}`;
    const t = BigInt(Date.now() - 60_000) * 1_000_000n;
    await postOtlp(
      server.url,
      'metrics',
      metricsRequest([
        {
          name,
          unit: 'By',
          type: 'gauge',
          temporality: 'unspecified',
          attributes: {},
          resource: { attributes: { 'service.name': 'api' } },
          scope: { name: 'test' },
          startTimeUnixNano: t,
          timeUnixNano: t,
          value: 42,
        },
      ]),
    );
    await eventually('the point stored', async () => {
      const r = await getJson<{ series: unknown[] }>(`${server.url}/telemetry/metrics?name=${name}&start=now-1h`);
      return r.series.length === 1 || undefined;
    });
    const p = await open(`/workbench/metrics?name=${name}&agg=last`);
    const chart = p.locator('[data-testid="metric-chart"]');
    await chart.locator('canvas').waitFor();
    await expect(chart.locator('[data-testid="chart-summary"]').textContent()).resolves.toMatch(/1 time point/);
    // The point is painted: pixels of the series colour (its legend marker's) on the canvas.
    await p.waitForTimeout(300);
    const painted = await chart.evaluate((el) => {
      const marker = el.querySelector<HTMLElement>('.u-series:nth-child(2) .u-marker')!;
      const m = /rgba?\((\d+), (\d+), (\d+)/.exec(
        getComputedStyle(marker).borderColor || getComputedStyle(marker).backgroundColor,
      )!;
      const [r, g, b] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const c = el.querySelector('canvas')!;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4)
        if (Math.abs(d[i]! - r) < 12 && Math.abs(d[i + 1]! - g) < 12 && Math.abs(d[i + 2]! - b) < 12) n++;
      return n;
    });
    expect(painted).toBeGreaterThan(10);

    const bySvc = await getJson<{ series: Array<{ labels: Record<string, string> }> }>(
      `${server.url}/telemetry/metrics?name=handler.execution.count&start=now-2h&groupBy=service.name&aggregation=last`,
    );
    const services = new Set(
      data.metrics
        .filter((m) => m.name === 'handler.execution.count')
        .map((m) => String(m.resource.attributes['service.name'])),
    );
    expect(
      bySvc.series
        .map((s) => s.labels['service.name'])
        .filter((s) => services.has(s!))
        .sort(),
    ).toEqual([...services].sort());
    await p.goto(`${server.url}/workbench/metrics?name=handler.execution.count&groupBy=service.name`);
    await p.locator('[data-testid="metric-chart"] canvas').waitFor();
    await expect(p.locator('.chip.on').allTextContents()).resolves.toEqual(['service.name']);
  });
});
