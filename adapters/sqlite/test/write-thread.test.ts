import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger, type TelemetryAdapter } from '@rohas/telemetry';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { afterAll, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';
import { POST_PART_ITEMS } from '../src/write-port.js';

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

// A batch bigger than POST_PART_ITEMS is sent to the thread in parts, a turn of the event loop apart (write-port.ts).
it('a batch sent in parts is written whole, and a write sent while it is still being posted is written after it', async () => {
  const a = await open(true);
  try {
    const traceId = newTraceId();
    const first = Array.from({ length: POST_PART_ITEMS * 8 + 1 }, (_, i) =>
      makeSpan({ traceId, name: 'first', attributes: { i } }),
    );
    // The same ten spans again, sent before the first batch's last part: last write wins, so they must end 'second'.
    const second = first.slice(0, 10).map((s) => ({ ...s, name: 'second' }));
    const [r1, r2] = await Promise.all([a.traces!.write(first), a.traces!.write(second)]);
    expect(r1.ok && r2.ok).toBe(true);
    const stored = (await a.traces!.getTrace(traceId))!;
    expect(stored.length).toBe(first.length);
    const names = new Map(stored.map((s) => [s.spanId, s.name]));
    expect(first.slice(0, 10).map((s) => names.get(s.spanId))).toEqual(Array(10).fill('second'));
    expect(first.slice(10).every((s) => names.get(s.spanId) === 'first')).toBe(true);
  } finally {
    await a.close();
  }
}, 60_000);

it('a batch whose later part cannot be sent fails on its own: none of it is stored and the next write is', async () => {
  const a = await open(true);
  try {
    const bad = newTraceId();
    const spans = Array.from({ length: POST_PART_ITEMS * 2 + 5 }, (_, i) =>
      makeSpan({ traceId: bad, attributes: { i } }),
    );
    // A function cannot be cloned to the thread: the second part's postMessage throws, after the first part went.
    (spans[POST_PART_ITEMS + 3]!.attributes as Record<string, unknown>).f = () => 1;
    await expect(a.traces!.write(spans)).rejects.toThrow(/could not be cloned/);
    const good = newTraceId();
    const r = await a.traces!.write(Array.from({ length: POST_PART_ITEMS + 1 }, () => makeSpan({ traceId: good })));
    expect(r.ok).toBe(true);
    expect((await a.traces!.getTrace(good))!.length).toBe(POST_PART_ITEMS + 1);
    expect(await a.traces!.getTrace(bad)).toBeNull();
  } finally {
    await a.close();
  }
}, 60_000);

it('a script whose batch was refused for an item that cannot be cloned exits by itself without closing', () => {
  const child = spawnSync(
    process.execPath,
    [
      '--conditions=@rohas/source',
      '--import',
      'tsx',
      join(import.meta.dirname, 'unclonable-child.ts'),
      join(dir, 'uc'),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  expect(child.stdout).toContain('refused=true');
  expect(child.signal).toBeNull(); // not killed by the timeout: nothing held the process open
  expect(child.status).toBe(0);
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
