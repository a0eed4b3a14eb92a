/*
 * `rohas-telemetry export | rohas-telemetry import` is lossless across backends: traces, logs and metric points
 * (counters with their temporality, histograms with buckets and exemplars, resource and scope) go SQLite →
 * PostgreSQL → SQLite, and the three exports are byte-identical. Metrics move as stored points (readPoints), not
 * as resampled series.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfig, openStorage } from '@rohas/telemetry';
import { makeFullLog, makeFullSpan, makePoint, nowNano, runId, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, expect, it } from 'vitest';
import { main } from '../../packages/server/src/cli.js';
import { describeBackend } from '../src/inject-backends.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-export-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error: (m: string) => console.error(m) };

async function cli(...argv: string[]): Promise<string> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  if (code !== 0) throw new Error(`rohas-telemetry ${argv.join(' ')} exited ${code}: ${err.join('\n')}`);
  return out.join('\n');
}

/** Where two exports first differ, as a short excerpt of each (whole lines can be megabytes long). */
function firstDifference(a: string, b: string): string | undefined {
  if (a === b) return undefined;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const line = a.slice(0, i).split('\n').length;
  return `line ${line}, offset ${i}:\n  ${a.slice(Math.max(0, i - 150), i + 100)}\n  ${b.slice(Math.max(0, i - 150), i + 100)}`;
}

describeBackend('postgres', 'export → import → export across backends', (pg) => {
  it('is byte-identical for traces, logs and metric points, SQLite → PostgreSQL → SQLite', async () => {
    const service = runId();
    const sqliteA = join(dir, 'a.toml');
    const sqliteB = join(dir, 'b.toml');
    const postgres = join(dir, 'pg.toml');
    writeFileSync(sqliteA, `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'a')}"\nretention_days = 0\n`);
    writeFileSync(sqliteB, `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'b')}"\nretention_days = 0\n`);
    writeFileSync(
      postgres,
      `[telemetry]\ntype = "postgres"\nconnection_string = "${pg.url}"\nschema = "export_rt_${randomBytes(4).toString('hex')}"\nretention_days = 0\n`,
    );

    // What the source store holds: full spans and logs (every field), a counter, and a histogram with exemplars.
    const t = nowNano() - 60n * SECOND;
    const storage = await openStorage(
      defaultConfig({ type: 'sqlite', path: join(dir, 'a'), retention_days: 0 } as never),
      { logger: quiet },
    );
    const spans = Array.from({ length: 5 }, () => makeFullSpan(service));
    // OTLP carries int64: the fixture's 12,345,678,901,234,567,890n (past int64, which the adapters store) cannot
    // travel through an OTLP file, so these logs carry a bigint past 2^53 that fits int64 instead.
    const logs = Array.from({ length: 5 }, () => {
      const log = makeFullLog(service);
      const body = log.body as { nested: { big: bigint } };
      body.nested.big = 9_007_199_254_740_993n;
      return log;
    });
    const points = [
      makePoint({
        name: `${service}.requests`,
        service,
        time: t,
        value: 7,
        type: 'counter',
        temporality: 'delta',
        attributes: { route: '/a', ok: true },
      }),
      makePoint({
        name: `${service}.requests`,
        service,
        time: t + SECOND,
        value: 9,
        type: 'counter',
        temporality: 'delta',
        attributes: { route: '/b', n: 3 },
      }),
      {
        ...makePoint({
          name: `${service}.latency`,
          service,
          time: t + 2n * SECOND,
          histogram: { count: 6, sum: 41.5, min: 0.5, max: 20, bounds: [1, 10], counts: [1, 3, 2] },
        }),
        exemplars: [
          {
            timeUnixNano: t + SECOND + 17n,
            value: 20,
            traceId: spans[0]!.traceId,
            spanId: spans[0]!.spanId,
            filteredAttributes: { user: 'ada' },
          },
        ],
      },
    ];
    storage.ingestSpans(spans);
    storage.ingestLogs(logs);
    storage.ingestMetrics(points);
    await storage.shutdown();

    const window = ['--start', String(t - 3_600n * SECOND), '--end', String(nowNano() + 3_600n * SECOND)];
    const first = join(dir, 'first.jsonl');
    const second = join(dir, 'second.jsonl');
    const third = join(dir, 'third.jsonl');
    await cli('export', '-c', sqliteA, '--out', first, ...window);
    await cli('import', first, '-c', postgres);
    await cli('export', '-c', postgres, '--out', second, ...window);
    await cli('import', second, '-c', sqliteB);
    await cli('export', '-c', sqliteB, '--out', third, ...window);

    const a = readFileSync(first, 'utf8');
    expect(a).toContain('"exemplars"');
    expect(a).toContain('"explicitBounds"');
    // The counter kept its delta temporality (OTLP JSON: aggregationTemporality 1) rather than a resampled cumulative.
    expect(a).toMatch(/"aggregationTemporality":1/);
    const kinds = a
      .trim()
      .split('\n')
      .map((l) => Object.keys(JSON.parse(l))[0]);
    expect(new Set(kinds)).toEqual(new Set(['resourceSpans', 'resourceLogs', 'resourceMetrics']));
    expect(firstDifference(a, readFileSync(second, 'utf8')), 'SQLite export vs PostgreSQL export').toBeUndefined();
    expect(firstDifference(a, readFileSync(third, 'utf8')), 'first vs third export').toBeUndefined();
  }, 120_000);
});
