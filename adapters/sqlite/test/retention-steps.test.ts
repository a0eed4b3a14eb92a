// The retention sweep runs in small steps on the write thread and answers queued writes between them: a write issued
// during a long sweep completes before the sweep ends, and the sweep's result is the same as one big delete.
// Order and progress are asserted, not time.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TelemetryAdapter } from '@rohas/telemetry';
import { normalizeLogQuery, normalizeMetricQuery, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { DAY, makeLog, makePoint, makeSpan, newTraceId, nowNano, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-sweep-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const OLD_SPANS = 30_000;
const OLD_POINTS = 10_000;
const OLD_LOGS = 10_000;
/** Writes issued one after another while the sweep runs: more than the old 5,000-row chunks could let through. */
const WRITES_DURING = 40;

async function open(name: string, write_thread: boolean): Promise<TelemetryAdapter> {
  const a = await createAdapter({
    options: { type: 'sqlite', path: join(dir, name), write_thread },
    retention: { traces: 1, metrics: 1, logs: 1 },
    signals: ['traces', 'metrics', 'logs'],
    logger: quiet,
    baseDir: dir,
  });
  await a.init();
  return a;
}

/** A store with old spans (one service only old, one old and fresh), old points and logs, and a few fresh ones. */
async function fill(a: TelemetryAdapter, now: bigint) {
  const old = now - 3n * DAY;
  const ok = (r: { ok: boolean }) => expect(r.ok).toBe(true);
  for (let i = 0; i < OLD_SPANS; i += 5000) {
    const traceId = newTraceId();
    const spans = Array.from({ length: 5000 }, (_, j) =>
      makeSpan({
        traceId,
        service: j % 2 ? 'only-old' : 'kept',
        name: j % 2 ? 'old-op' : 'kept-op',
        start: old + BigInt(i + j) * 1000n,
        attributes: { n: i + j, 'http.route': `/r${j % 50}` },
      }),
    );
    ok(await a.traces!.write(spans));
  }
  ok(
    await a.metrics!.write(
      Array.from({ length: OLD_POINTS }, (_, i) =>
        makePoint({ name: 'sweep.gauge', time: old + BigInt(i) * SECOND, attributes: { k: `v${i % 20}` } }),
      ),
    ),
  );
  ok(await a.logs!.write(Array.from({ length: OLD_LOGS }, (_, i) => makeLog({ time: old + BigInt(i) * 1000n }))));
  const fresh = makeSpan({ service: 'kept', name: 'kept-op', start: now - 60n * SECOND });
  ok(await a.traces!.write([fresh]));
  ok(await a.metrics!.write([makePoint({ name: 'sweep.gauge', time: now - SECOND, attributes: { k: 'fresh' } })]));
  ok(await a.logs!.write([makeLog({ time: now - SECOND, body: 'fresh log' })]));
  return fresh;
}

describe('sqlite: the retention sweep in steps', () => {
  it('answers writes issued during a long sweep before the sweep ends, and deletes exactly what one big delete would', async () => {
    const a = await open('thread', true);
    try {
      expect((await a.health()).details?.writes).toBe('thread');
      const now = nowNano();
      const fresh = await fill(a, now);

      let sweepDone = false;
      const sweep = a.retention(now).then((r) => {
        sweepDone = true;
        return r;
      });
      // Writes one after another: each is issued when the previous one is answered. Each one's answer must come
      // between two steps of the sweep, so all of them finish while the sweep still runs.
      const during: string[] = [];
      const doneWhenWritten: boolean[] = [];
      for (let i = 0; i < WRITES_DURING; i++) {
        const s = makeSpan({ service: 'kept', name: `during-${i % 3}`, start: now - 10n * SECOND });
        const r = await a.traces!.write([s]);
        expect(r.ok).toBe(true);
        doneWhenWritten.push(sweepDone);
        during.push(s.traceId);
      }
      expect(doneWhenWritten).toEqual(Array(WRITES_DURING).fill(false));
      const result = await sweep;
      expect(result).toEqual({ traces: OLD_SPANS, metrics: OLD_POINTS, logs: OLD_LOGS });

      // Everything fresh is there, including what was written during the sweep; nothing old is.
      expect(await a.traces!.getTrace(fresh.traceId)).not.toBeNull();
      for (const id of during) expect(await a.traces!.getTrace(id)).not.toBeNull();
      const all = await a.traces!.findTraces(normalizeTraceQuery({ limit: 1000, start: 0n, end: now + DAY }));
      expect(all.items.length).toBe(1 + WRITES_DURING);
      // The side tables: span_names lost the service only old spans had and kept the names written during the sweep.
      expect(await a.traces!.listServices()).toEqual(['kept']);
      expect(await a.traces!.listOperations('kept')).toEqual(['during-0', 'during-1', 'during-2', 'kept-op']);
      const series = await a.metrics!.queryMetrics(
        normalizeMetricQuery({ name: 'sweep.gauge', start: 0n, end: now + DAY, groupBy: ['k'] }),
      );
      expect(series.map((s) => s.labels.k)).toEqual(['fresh']);
      const logs = await a.logs!.queryLogs(normalizeLogQuery({ start: 0n, end: now + DAY, limit: 100 }));
      expect(logs.items.map((l) => l.body)).toEqual(['fresh log']);
      // An attribute search still finds only fresh spans (the FTS rows of deleted spans went with them).
      const byRoute = await a.traces!.findTraces(
        normalizeTraceQuery({ limit: 10, start: 0n, end: now + DAY, attributes: { 'http.route': '/r1' } }),
      );
      expect(byRoute.items).toEqual([]);
    } finally {
      await a.close();
    }
  }, 120_000);

  it('close during a sweep answers it with what was deleted so far; the next sweep finishes the job', async () => {
    const a = await open('close', true);
    const now = nowNano();
    await fill(a, now);
    const partial = a.retention(now);
    // One write round trip: the sweep has started and is between steps.
    expect((await a.traces!.write([makeSpan({ start: now })])).ok).toBe(true);
    await a.close();
    const first = await partial;
    expect(first.traces ?? 0).toBeLessThan(OLD_SPANS);
    const b = await open('close', true);
    try {
      const second = await b.retention(now);
      expect((first.traces ?? 0) + (second.traces ?? 0)).toBe(OLD_SPANS);
      expect((first.logs ?? 0) + (second.logs ?? 0)).toBe(OLD_LOGS);
    } finally {
      await b.close();
    }
  }, 120_000);

  it('inline writes (write_thread = false) sweep in the same steps with the same result', async () => {
    const a = await open('inline', false);
    try {
      const now = nowNano();
      await fill(a, now);
      expect(await a.retention(now)).toEqual({ traces: OLD_SPANS, metrics: OLD_POINTS, logs: OLD_LOGS });
      expect(await a.traces!.listServices()).toEqual(['kept']);
    } finally {
      await a.close();
    }
  }, 120_000);
});
