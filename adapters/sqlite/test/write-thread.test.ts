import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger, type TelemetryAdapter } from '@rohas/telemetry';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { afterAll, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(write_thread: boolean): Promise<TelemetryAdapter> {
  const a = await createAdapter({
    options: { type: 'sqlite', path: join(dir, String(write_thread)), write_thread },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger: consoleLogger,
    baseDir: dir,
  });
  await a.init();
  return a;
}

/** Whether a setImmediate callback runs while a large write is in progress. */
async function eventLoopTurnsDuring(a: TelemetryAdapter): Promise<boolean> {
  const traceId = newTraceId();
  const spans = Array.from({ length: 20_000 }, (_, i) => makeSpan({ traceId, attributes: { i, s: `v${i}` } }));
  let turned = false;
  setImmediate(() => {
    turned = true;
  });
  const r = await a.traces!.write(spans);
  // Read before the read below, which runs on a read thread and so lets the loop turn by itself.
  const turnedDuringWrite = turned;
  expect(r.ok).toBe(true);
  expect((await a.traces!.getTrace(traceId))!.length).toBe(20_000);
  return turnedDuringWrite;
}

it('writes in a worker thread: the event loop turns while a batch is written', async () => {
  const a = await open(true);
  try {
    expect((await a.health()).details?.writes).toBe('thread');
    expect(await eventLoopTurnsDuring(a)).toBe(true);
  } finally {
    await a.close();
  }
}, 60_000);

it('with write_thread = false the same write holds the calling thread (the contrast the thread removes)', async () => {
  const a = await open(false);
  try {
    expect((await a.health()).details?.writes).toBe('inline');
    expect(await eventLoopTurnsDuring(a)).toBe(false);
  } finally {
    await a.close();
  }
}, 60_000);

it('a script that closes the adapter exits by itself once the write thread is gone', () => {
  const child = spawnSync(
    process.execPath,
    ['--conditions=@rohas/source', '--import', 'tsx', join(import.meta.dirname, 'close-child.ts'), join(dir, 'child')],
    {
      encoding: 'utf8',
      timeout: 60_000,
    },
  );
  expect(child.stdout).toContain('writes=thread');
  expect(child.stdout).toContain('closed');
  expect(child.status).toBe(0);
}, 60_000);
