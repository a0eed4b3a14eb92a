// The write thread's diagnostic tracer (ROHAS_SQLITE_TRACE_MS, write-trace.ts) on a real SQLite file: it reads the WAL
// index right (frames written, frames a checkpoint copied), tells a checkpoint run inside COMMIT from one that did not
// run, logs a unit's phases only past its threshold, and the adapter's write thread logs batches through it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { tracedTx, traceThresholdMs, WalIndex, WriteTracer } from '../src/write-trace.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-trace-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function walDb(name: string, autocheckpoint: number) {
  const file = join(dir, name);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma(`wal_autocheckpoint = ${autocheckpoint}`);
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
  return { db, file };
}

const insert100 = (db: Database.Database) => () => {
  const s = db.prepare('INSERT INTO t (v) VALUES (randomblob(3000))');
  for (let i = 0; i < 100; i++) s.run();
};

describe('write tracer', () => {
  it('reads the threshold from the environment, off when unset or not a number', () => {
    expect(traceThresholdMs({})).toBeUndefined();
    expect(traceThresholdMs({ ROHAS_SQLITE_TRACE_MS: '' })).toBeUndefined();
    expect(traceThresholdMs({ ROHAS_SQLITE_TRACE_MS: 'soon' })).toBeUndefined();
    expect(traceThresholdMs({ ROHAS_SQLITE_TRACE_MS: '50' })).toBe(50);
  });

  it('reads the WAL index: frames grow with commits, a checkpoint raises the copied count', () => {
    const { db, file } = walDb('index.db', 0);
    const wal = new WalIndex(file);
    const before = wal.read()!;
    db.transaction(insert100(db)).immediate();
    const written = wal.read()!;
    expect(written.frames).toBeGreaterThan(before.frames + 50); // 100 rows of 3 KB: ~75+ pages
    expect(written.backfilled).toBe(before.backfilled);
    db.pragma('wal_checkpoint(PASSIVE)');
    const copied = wal.read()!;
    expect(copied.backfilled).toBe(copied.frames);
    wal.close();
    db.close();
  });

  it('names a checkpoint that ran inside COMMIT, and only then', () => {
    for (const [autocheckpoint, expectCheckpoint] of [
      [10, true],
      [0, false],
    ] as const) {
      const { db, file } = walDb(`commit-${autocheckpoint}.db`, autocheckpoint);
      const lines: string[] = [];
      const tracer = new WriteTracer(file, 0, (line) => lines.push(line));
      tracer.begin();
      tracedTx(db, tracer, insert100(db));
      tracer.end('batch');
      tracer.close();
      db.close();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/batch: [\d.]+ ms \(queued 0\.0, ran [\d.]+: BEGIN [\d.]+, statements [\d.]+, COMMIT/);
      if (expectCheckpoint) expect(lines[0]).toMatch(/checkpoint in COMMIT: \d+ frames copied/);
      else expect(lines[0]).not.toMatch(/checkpoint/);
    }
  });

  it('logs nothing under its threshold', () => {
    const { db, file } = walDb('quiet.db', 0);
    const lines: string[] = [];
    const tracer = new WriteTracer(file, 60_000, (line) => lines.push(line));
    tracer.begin();
    tracedTx(db, tracer, insert100(db));
    tracer.end('batch');
    tracer.close();
    db.close();
    expect(lines).toEqual([]);
  });

  it("the adapter's write thread logs its batches and sweep steps to stderr when ROHAS_SQLITE_TRACE_MS is set", () => {
    // A child process, so the variable reaches the thread the way a user sets it.
    const child = spawnSync(
      process.execPath,
      [join(import.meta.dirname, 'trace-child.mjs'), join(dir, 'child.db'), '--trace'],
      { env: { ...process.env, ROHAS_SQLITE_TRACE_MS: '0' }, encoding: 'utf8', timeout: 60_000 },
    );
    expect(child.status, child.stderr).toBe(0);
    expect(child.stderr).toMatch(/\[sqlite\] \[trace\] .* spans #\d+ \(50\): [\d.]+ ms \(queued [\d.-]+, ran .*encode/);
    expect(child.stderr).toMatch(/\[sqlite\] \[trace\] .* sweep step \d+: .*of which spans/);
    const untraced = spawnSync(process.execPath, [join(import.meta.dirname, 'trace-child.mjs'), join(dir, 'off.db')], {
      env: { ...process.env, ROHAS_SQLITE_TRACE_MS: '' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(untraced.status, untraced.stderr).toBe(0);
    expect(untraced.stderr).not.toMatch(/\[trace\]/);
  }, 120_000);
});
