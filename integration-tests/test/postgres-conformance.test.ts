import type { TraceQuery } from '@rohas/telemetry';
import { createMemoryAdapter, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { makeSpan, newTraceId, nowNano, runConformanceSuite, runId } from '@rohas/telemetry-test-suite';
import { loadMigrations } from '@rohas/telemetry-timescaledb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { admin, makeAdapter, recordingLogger } from './timescaledb-helpers.js';

// The timescaledb adapter on plain PostgreSQL 15 (no extension): plain tables, the adapter's own retention sweep.
describeBackend('postgres', 'timescaledb adapter on plain PostgreSQL', (pg) => {
  const schema = `rt_conf_${process.pid}`;
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `timescaledb adapter, plain PostgreSQL ${pg.version}`,
      createAdapter: ({ retention }) => makeAdapter(pg.url, { schema, pool_size: 4 }, retention),
      // A schema of its own per call: the export round trip needs two stores.
      createStore: ({ retention, name }) =>
        makeAdapter(pg.url, { schema: `${schema}_${name}`, pool_size: 4 }, retention),
    },
  );

  // The other ingest path (INSERT ... unnest()), the one PGlite gets, on the same server.
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `timescaledb adapter, plain PostgreSQL ${pg.version}, ingest = unnest`,
      createAdapter: ({ retention }) =>
        makeAdapter(pg.url, { schema: `${schema}_unnest`, pool_size: 4, ingest: 'unnest' }, retention),
      createStore: ({ retention, name }) =>
        makeAdapter(pg.url, { schema: `${schema}_u_${name}`, pool_size: 4, ingest: 'unnest' }, retention),
    },
  );

  it('concurrent writers of the same spans store each once (the unique-violation fallback), and a moved span once', async () => {
    const a = makeAdapter(pg.url, { schema, pool_size: 4 });
    await a.init();
    try {
      const service = runId();
      const traceId = newTraceId();
      const spans = Array.from({ length: 200 }, (_, i) =>
        makeSpan({ traceId, service, name: `s${i}`, start: nowNano() + BigInt(i) }),
      );
      const results = await Promise.all(
        Array.from({ length: 4 }, () => a.traces!.write(spans.map((s) => structuredClone(s)))),
      );
      expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
      expect((await a.traces!.getTrace(traceId))!.length).toBe(200);
      // The same span id written again with another start time replaces the stored copy.
      const moved = {
        ...spans[0]!,
        startTimeUnixNano: spans[0]!.startTimeUnixNano - 3_600_000_000_000n,
        name: 'moved',
      };
      expect((await a.traces!.write([moved])).ok).toBe(true);
      const got = (await a.traces!.getTrace(traceId))!;
      expect(got.length).toBe(200);
      expect(got[0]).toEqual(moved);
    } finally {
      await a.close();
    }
  });

  it('findTraces over more spans than its first index-order pass (5,000) pages exactly as the reference', async () => {
    const big = `rt_big_${runId()}`;
    const a = makeAdapter(pg.url, { schema: big, pool_size: 2 });
    await a.init();
    try {
      const t0 = nowNano() - 3_600_000_000_000n;
      const services = [runId(), runId()];
      const spans = [];
      for (let t = 0; t < 1200; t++) {
        const traceId = newTraceId();
        for (let i = 0; i < 10; i++) {
          spans.push(
            makeSpan({
              traceId,
              service: services[(t + i) % 2],
              name: `op${i}`,
              start: t0 + BigInt(t * 1000 + i * 7) * 1_000_000n,
              attributes: { common: (t + i) % 2 === 0, rare: t % 97 === 3 && i === 5 ? 'yes' : 'no', n: t % 10 },
            }),
          );
        }
      }
      for (let i = 0; i < spans.length; i += 2000)
        expect((await a.traces!.write(spans.slice(i, i + 2000))).ok).toBe(true);
      const ref = createMemoryAdapter();
      await ref.traces!.write(spans);
      const queries: TraceQuery[] = [
        { attributes: { common: true } },
        { attributes: { rare: 'yes' } },
        { service: services[1], attributes: { n: 4 } },
        { attributes: [{ key: 'rare', op: 'wildcard', value: 'y*' }] },
        { attributes: [{ key: 'n', op: '!=', value: 0 }], name: 'op3' },
      ];
      for (const q of queries) {
        for (const limit of [7, 100]) {
          const got: string[] = [];
          const want: string[] = [];
          let cursor: string | undefined;
          let refCursor: string | undefined;
          for (let page = 0; page < 400; page++) {
            const r = await a.traces!.findTraces(
              normalizeTraceQuery({ ...q, limit, ...(cursor ? { cursor } : {}) }, a.traces!.capabilities),
            );
            const e = await ref.traces!.findTraces(
              normalizeTraceQuery({ ...q, limit, ...(refCursor ? { cursor: refCursor } : {}) }),
            );
            expect(r.items).toEqual(e.items);
            got.push(...r.items.map((x) => x.traceId));
            want.push(...e.items.map((x) => x.traceId));
            cursor = r.nextCursor;
            refCursor = e.nextCursor;
            expect(Boolean(cursor)).toBe(Boolean(refCursor));
            if (!cursor) break;
          }
          expect(got).toEqual(want);
        }
      }
    } finally {
      await a.close();
      await admin(pg.url, [`DROP SCHEMA IF EXISTS "${big}" CASCADE`]);
    }
  }, 120_000);

  it('applies migrations once when several processes start together, and not again on restart', async () => {
    const fresh = `rt_mig_${runId()}`;
    const adapters = Array.from({ length: 4 }, () => makeAdapter(pg.url, { schema: fresh, pool_size: 1 }));
    try {
      await Promise.all(adapters.map((a) => a.init()));
      const again = makeAdapter(pg.url, { schema: fresh, pool_size: 1 });
      adapters.push(again);
      await again.init();
      const rows = await admin<{ version: number; mode: string }>(pg.url, [
        `SELECT version, mode FROM "${fresh}".schema_migrations ORDER BY version`,
      ]);
      expect(rows.map((r) => r.version)).toEqual((await loadMigrations()).map((m) => m.version));
      expect(new Set(rows.map((r) => r.mode))).toEqual(new Set(['postgres']));
    } finally {
      for (const a of adapters) await a.close();
      await admin(pg.url, [`DROP SCHEMA IF EXISTS "${fresh}" CASCADE`]);
    }
  });

  it('runs in plain mode and says so once', async () => {
    const logger = recordingLogger();
    const a = makeAdapter(pg.url, { schema: `${schema}_mode` }, undefined, logger);
    await a.init();
    try {
      const h = await a.health();
      expect(h.ok).toBe(true);
      expect(h.details?.mode).toBe('postgres');
      // The server's own version, as doctor and migrate print it (was "PostgreSQL undefined").
      expect(h.message).toMatch(/^PostgreSQL \d+\.\d+.* \(plain tables\), schema /);
      const modeLines = logger.lines.filter((l) => /mode/.test(l.message));
      expect(modeLines.length).toBe(1);
      expect(modeLines[0]!.message).toMatch(/plain PostgreSQL mode/);
    } finally {
      await a.close();
    }
  });
});
