// A retention sweep step ends after its current round of STEP_BATCH rows when a write is waiting for the write thread
// (write-port.ts counts posted writes in shared memory): a write waits for one round, not a whole step. Real SQLite,
// the adapter's schema, the writer's own sweep; asserted as rows per step, not time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DAY, makeLog, nowNano } from '@rohas/telemetry-test-suite';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, statementCache } from '../src/connection.js';
import { RETENTION_TABLES, RetentionSweep, STEP_BATCH, STEP_MAX_ROWS } from '../src/retention-steps.js';
import { SqliteWriter } from '../src/sqlite-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-yield-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OLD = 2_000;

function store(name: string) {
  const db = openDatabase(Database, join(dir, name), 16);
  migrate(db);
  const writer = new SqliteWriter(db, { traces: 1, metrics: 1, logs: 1 }, ['logs']);
  const now = nowNano();
  const old = now - 3n * DAY;
  const r = writer.writeLogs(Array.from({ length: OLD }, (_, i) => makeLog({ time: old + BigInt(i) })));
  expect(r.ok).toBe(true);
  expect(writer.writeLogs([makeLog({ time: now })]).ok).toBe(true);
  return { db, writer, now };
}

/** The logs' sweep with no time budget (a loaded machine cannot end a step early): rows and rounds decide. */
function logSweep(db: Database.Database, now: bigint, waiting: () => boolean): RetentionSweep {
  const hooks = { nameDropped() {}, seriesDropped() {} };
  const limits = { budgetMs: 1e9, maxRows: STEP_MAX_ROWS };
  return new RetentionSweep(db, statementCache(db), { logs: now - DAY }, hooks, RETENTION_TABLES, limits, waiting);
}

/** Runs a sweep to its end; returns the rows each step deleted. */
function sweepSteps(sweep: RetentionSweep): number[] {
  const perStep: number[] = [];
  let before = 0;
  let done = false;
  while (!done) {
    done = sweep.step();
    perStep.push((sweep.result.logs ?? 0) - before);
    before = sweep.result.logs ?? 0;
  }
  expect(before).toBe(OLD);
  return perStep;
}

describe('sweep steps yield to a waiting write', () => {
  it('with a write waiting, every step deletes one round (STEP_BATCH rows) and the sweep still finishes', () => {
    const { db, writer, now } = store('waiting.db');
    const steps = sweepSteps(writer.startRetention(now, () => true));
    expect(Math.max(...steps)).toBe(STEP_BATCH);
    expect(steps.filter((n) => n > 0)).toHaveLength(OLD / STEP_BATCH);
    expect((db.prepare('SELECT count(*) AS n FROM logs').get() as { n: number }).n).toBe(1);
    writer.close();
  });

  it('with none waiting, a step goes on to its row limit', () => {
    const { db, writer, now } = store('idle.db');
    const steps = sweepSteps(logSweep(db, now, () => false));
    expect(steps.slice(0, OLD / STEP_MAX_ROWS)).toEqual(Array(OLD / STEP_MAX_ROWS).fill(STEP_MAX_ROWS));
    writer.close();
  });

  it('a write arriving mid-sweep ends the step at the next round', () => {
    const { db, writer, now } = store('mid.db');
    let rounds = 0;
    // Nothing waits for the first two rounds of each step, then a write arrives.
    const sweep = logSweep(db, now, () => ++rounds % 3 === 0);
    sweep.step();
    expect(sweep.result.logs).toBe(3 * STEP_BATCH);
    sweep.step();
    expect(sweep.result.logs).toBe(6 * STEP_BATCH);
    writer.close();
  });
});
