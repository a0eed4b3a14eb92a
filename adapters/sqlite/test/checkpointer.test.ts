// WAL checkpoints leave the write thread: its connection never checkpoints on commit (wal_autocheckpoint = 0), the
// checkpointer thread does (PASSIVE, its own connection), and past a WAL limit the write thread checkpoints itself.
// Real SQLite; sizes and counts are asserted, not time.
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelemetryAdapter } from '@rohas/telemetry';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import type { CheckpointSettings } from '../src/checkpointer.js';
import { migrate, openDatabase } from '../src/connection.js';
import { createAdapter } from '../src/index.js';
import { ThreadWritePort, workerFile } from '../src/write-port.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const BATCHES = 40;
const BATCH = 500;

function collectingLogger() {
  const warnings: string[] = [];
  return { warnings, logger: { debug() {}, info() {}, warn: (m: string) => warnings.push(m), error() {} } };
}

function walSize(file: string): number {
  return statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0;
}

/** A migrated store with the adapter's own connection held open (as the adapter does), and a write thread on it. */
async function writeStream(name: string, checkpoint: CheckpointSettings) {
  const file = join(dir, `${name}.db`);
  const main = openDatabase(Database, file, 8);
  migrate(main);
  const { warnings, logger } = collectingLogger();
  const port = new ThreadWritePort(
    workerFile()!,
    { file, cacheMb: 8, retention: { traces: 0, metrics: 0, logs: 0 }, signals: ['traces'] },
    logger,
    checkpoint,
  );
  await port.start();
  let maxWal = 0;
  try {
    for (let b = 0; b < BATCHES; b++) {
      const traceId = newTraceId();
      const spans = Array.from({ length: BATCH }, (_, i) =>
        makeSpan({ traceId, attributes: { i, b, text: `value ${i} of batch ${b} `.repeat(8) } }),
      );
      expect((await port.write('spans', spans)).ok).toBe(true);
      maxWal = Math.max(maxWal, walSize(file));
      // Give the checkpointer (a thread of its own) a turn now and then, as a stream with gaps would.
      if (b % 5 === 4) await new Promise((resolve) => setTimeout(resolve, 30));
    }
    const rows = (main.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n;
    return { file, maxWal, finalWal: walSize(file), rows, warnings, runs: port.checkpointer?.runs ?? 0 };
  } finally {
    await port.close();
    main.close();
  }
}

it('the write thread alone never checkpoints on commit: with no checkpointer and no limit the WAL holds every write', async () => {
  const r = await writeStream('control', { thread: false, walLimitBytes: 2 ** 40 });
  expect(r.rows).toBe(BATCHES * BATCH);
  expect(r.warnings).toEqual([]);
  // Every commit appended; nothing was copied back, so the WAL only grew.
  expect(r.finalWal).toBe(r.maxWal);
  expect(r.maxWal).toBeGreaterThan(8 * 1024 * 1024);
}, 120_000);

it('the checkpointer thread keeps the WAL bounded while writes stream in', async () => {
  const control = await writeStream('control-2', { thread: false, walLimitBytes: 2 ** 40 });
  const r = await writeStream('checkpointed', { intervalMs: 50, pollMs: 10, growBytes: 1024 * 1024, catchUpMs: 100 });
  expect(r.rows).toBe(BATCHES * BATCH);
  expect(r.runs).toBeGreaterThan(0);
  expect(r.warnings).toEqual([]);
  // The WAL was started over after checkpoints: its file stayed well below what the stream wrote into it.
  expect(r.maxWal).toBeLessThan(control.maxWal / 2);
}, 120_000);

it('the safety net: with no checkpointer the write thread checkpoints past its WAL limit and warns once', async () => {
  const limit = 2 * 1024 * 1024;
  const control = await writeStream('control-3', { thread: false, walLimitBytes: 2 ** 40 });
  const r = await writeStream('safety-net', { thread: false, walLimitBytes: limit });
  expect(r.rows).toBe(BATCHES * BATCH);
  expect(r.runs).toBe(0);
  expect(r.warnings).toHaveLength(1);
  expect(r.warnings[0]).toMatch(/WAL .* passed 2 MiB .* the write thread checkpoints it itself/);
  // Bounded by the limit plus what one batch appends past it (the check runs after each commit).
  const perBatch = control.maxWal / BATCHES;
  expect(r.maxWal).toBeLessThan(limit + 3 * perBatch);
  expect(r.maxWal).toBeLessThan(control.maxWal / 2);
}, 120_000);

async function openAdapter(path: string): Promise<TelemetryAdapter> {
  const a = await createAdapter({
    options: { type: 'sqlite', path, write_thread: true },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger: collectingLogger().logger,
    baseDir: dir,
  });
  await a.init();
  return a;
}

it('close stops the checkpointer and leaves the file checkpointed: no WAL left, every span in the database file', async () => {
  const path = join(dir, 'closed.db');
  const a = await openAdapter(path);
  expect((await a.health()).details?.writes).toBe('thread');
  const traceId = newTraceId();
  for (let b = 0; b < 10; b++) {
    const spans = Array.from({ length: BATCH }, (_, i) => makeSpan({ traceId, attributes: { i, b } }));
    expect((await a.traces!.write(spans)).ok).toBe(true);
  }
  await a.close();
  expect(existsSync(`${path}-wal`) ? statSync(`${path}-wal`).size : 0).toBe(0);
  // Read the file alone (read-only, no WAL to replay): everything is in it.
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect((db.prepare('SELECT count(*) AS n FROM spans').get() as { n: number }).n).toBe(10 * BATCH);
  } finally {
    db.close();
  }
  // Opens again and writes on (a new write thread and checkpointer).
  const again = await openAdapter(path);
  try {
    expect((await again.traces!.write([makeSpan({ traceId })])).ok).toBe(true);
    expect((await again.traces!.getTrace(traceId))!.length).toBe(10 * BATCH + 1);
  } finally {
    await again.close();
  }
}, 120_000);
