/*
 * Two processes on one SQLite file (two servers, or an app and a server): a trace whose third span was written by the
 * other process must not be served with two spans for long. The trace cache trusts a trace read from the store for
 * TRACE_CACHE_TTL_MS (1 s), then reads it again. The second process is a real child process.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, openStorage, type SpanRecord, TRACE_CACHE_TTL_MS } from '@rohas/telemetry';
import { afterAll, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');
const dir = mkdtempSync(join(tmpdir(), 'rohas-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const now = BigInt(Date.now()) * 1_000_000n;

const span = (traceId: string, i: number): SpanRecord => ({
  traceId,
  spanId: `${i}`.padStart(16, '0'),
  name: `s${i}`,
  kind: 1,
  startTimeUnixNano: now + BigInt(i),
  endTimeUnixNano: now + BigInt(i) + 10n,
  status: { code: 0 },
  attributes: {},
  events: [],
  links: [],
  resource: { attributes: { 'service.name': 'cache' } },
  scope: { name: 't' },
});

it('serves a trace whose third span another process wrote, within the cache TTL', async () => {
  const config = defaultConfig({ type: 'sqlite', path: join(dir, 'db'), enable_metrics: false, enable_logs: false });
  const storage = await openStorage(config, { logger: silent });
  const traceId = randomBytes(16).toString('hex');
  try {
    await storage.ingestSpans([span(traceId, 1), span(traceId, 2)], { waitForCommit: true }).committed;
    expect(await storage.query.getTrace(traceId)).toHaveLength(2); // now cached as read from the store
    // The other process writes the third span.
    execFileSync(
      process.execPath,
      [
        '--import',
        tsx,
        '--conditions=@rohas/source',
        join(here, 'cache-writer.ts'),
        join(dir, 'db'),
        traceId,
        String(now),
      ],
      { stdio: 'inherit' },
    );
    const written = Date.now();
    let spans = await storage.query.getTrace(traceId);
    while (spans?.length !== 3 && Date.now() - written < 10_000) {
      await new Promise((r) => setTimeout(r, 50));
      spans = await storage.query.getTrace(traceId);
    }
    const staleMs = Date.now() - written;
    console.info(`[rohas-telemetry] [cache-test] the other process's span was served after ${staleMs} ms`);
    expect(spans).toHaveLength(3);
    expect(staleMs).toBeLessThanOrEqual(TRACE_CACHE_TTL_MS + 500);
  } finally {
    await storage.shutdown();
  }
}, 60_000);
