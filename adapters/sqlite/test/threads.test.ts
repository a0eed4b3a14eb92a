import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger } from '@rohas/telemetry';
import { normalizeTraceQuery, type TelemetryAdapter } from '@rohas/telemetry/adapter';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { afterAll, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';
import { threadOptions } from '../src/thread-args.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(path: string, read_threads?: number): Promise<TelemetryAdapter> {
  const a = await createAdapter({
    options: { type: 'sqlite', path: join(dir, path), ...(read_threads !== undefined ? { read_threads } : {}) },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces', 'logs'],
    logger: consoleLogger,
    baseDir: dir,
  });
  await a.init();
  return a;
}

it('threads start without the parent preloads (--import, --require, -r, --loader) and without @rohas/source', () => {
  expect(
    threadOptions([
      '--import',
      'tsx',
      '--import=@rohas/telemetry/register',
      '-r',
      './a.cjs',
      '--require=./b.cjs',
      '--require',
      'c',
      '--loader',
      'x',
      '--experimental-loader=y',
      '--conditions=@rohas/source',
      '-C',
      '@rohas/source',
      '--max-old-space-size=512',
      '--enable-source-maps',
      '--conditions=custom',
    ]).execArgv,
  ).toEqual(['--max-old-space-size=512', '--enable-source-maps', '--conditions=custom']);
});

it('a preload that opens the adapter runs once: the write and read threads do not run it again', () => {
  const marker = join(dir, 'preload-runs.txt');
  const child = spawnSync(
    process.execPath,
    ['--import', join(import.meta.dirname, 'preload-child.mjs'), join(import.meta.dirname, 'preload-app.mjs')],
    {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, ROHAS_PRELOAD_DIR: join(dir, 'preload'), ROHAS_PRELOAD_MARKER: marker },
    },
  );
  expect(child.stderr).toBe('');
  expect(child.stdout).toContain('writes=thread reads=threads spans=1');
  expect(child.stdout).toContain('closed');
  expect(child.status).toBe(0);
  // Thread 0 (the main thread) only.
  expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual(['0']);
}, 60_000);

it('reads run on read threads: the event loop keeps turning while a long search runs', async () => {
  const a = await open('loop');
  try {
    expect((await a.health()).details?.reads).toBe('threads');
    const service = `svc-${newTraceId().slice(0, 8)}`;
    const spans = Array.from({ length: 30_000 }, (_, i) =>
      makeSpan({ service, start: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, attributes: { i } }),
    );
    for (let i = 0; i < spans.length; i += 10_000)
      expect((await a.traces!.write(spans.slice(i, i + 10_000))).ok).toBe(true);
    // A search no index narrows (a regex): every span is tested by the attribute filter.
    const q = normalizeTraceQuery(
      { service, attributes: [{ key: 'i', op: 'regex', value: '^x' }], limit: 10 },
      a.traces!.capabilities,
    );
    let turns = 0;
    const timer = setInterval(() => turns++, 5);
    const started = performance.now();
    const [page, trace] = await Promise.all([a.traces!.findTraces(q), a.traces!.getTrace(spans[0]!.traceId)]);
    const searchMs = performance.now() - started;
    clearInterval(timer);
    expect(page.items).toEqual([]);
    expect(trace).toHaveLength(1);
    // The loop turned throughout the search instead of once at its end.
    expect(turns).toBeGreaterThan(Math.floor(searchMs / 5 / 4));
  } finally {
    await a.close();
  }
}, 120_000);

it('read_threads = 0 reads on the calling thread; a bad value is refused naming the option', async () => {
  const a = await open('inline', 0);
  try {
    expect((await a.health()).details?.reads).toBe('inline');
  } finally {
    await a.close();
  }
  await expect(open('bad', -1)).rejects.toThrow(/\[sqlite\] key read_threads: must be >= 0/);
}, 60_000);

it('only the quick-read thread starts at init; search threads start on the first search', async () => {
  // An app that only writes (the zero-code path) never starts the search threads, so it does not wait for them at exit.
  const a = await open('lazy', 2);
  try {
    expect((await a.health()).details?.readThreadsRunning).toBe(1);
    await a.traces!.getTrace('0'.repeat(32));
    expect((await a.health()).details?.readThreadsRunning).toBe(1);
    await a.traces!.findTraces(normalizeTraceQuery({ limit: 10 }, a.traces!.capabilities));
    expect((await a.health()).details?.readThreadsRunning).toBeGreaterThanOrEqual(2);
  } finally {
    await a.close();
  }
}, 60_000);

it('a bad cursor is a QueryError from a read thread too', async () => {
  const a = await open('cursor');
  try {
    await expect(
      a.traces!.findTraces(normalizeTraceQuery({ cursor: 'not-a-cursor!' }, a.traces!.capabilities)),
    ).rejects.toMatchObject({ name: 'QueryError', field: 'cursor' });
  } finally {
    await a.close();
  }
}, 60_000);

/** Nice values of this process's threads, by thread id (Linux /proc). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.set(Number(tid), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return out;
}

// Linux gives each thread a nice value of its own; run where 5 steps below this thread still fit (nice <= 19).
it.runIf(process.platform === 'linux' && getPriority() <= 14)(
  'the write thread and the search threads run 5 nice steps below their parent; the quick-read thread does not',
  async () => {
    const own = getPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()));
    const before = new Set(threadNices().keys());
    const a = await open('nice.db', 1);
    try {
      const span = makeSpan({ traceId: newTraceId(), service: 'nice-test' });
      const w = await a.traces!.write([span]);
      expect(w.ok).toBe(true);
      expect((await a.traces!.findTraces(normalizeTraceQuery({ service: 'nice-test' }))).items).toHaveLength(1);
      expect(await a.traces!.getTrace(span.traceId)).toHaveLength(1);
      const started = [...threadNices()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      // The write thread and the one search thread; nothing else the adapter starts is lowered.
      expect(started.filter((n) => n === own + 5)).toHaveLength(2);
      // The quick-read thread keeps its parent's priority.
      expect(started.filter((n) => n === own).length).toBeGreaterThanOrEqual(1);
    } finally {
      await a.close();
    }
  },
);
