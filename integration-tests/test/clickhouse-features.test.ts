import { normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { TABLES } from '@rohas/telemetry-clickhouse';
import { makeSpan, nowNano, runId } from '@rohas/telemetry-test-suite';
import { expect, it } from 'vitest';
import { describeBackend } from '../src/inject-backends.js';
import { chQuery, makeClickHouseAdapter, recordingLogger } from './clickhouse-helpers.js';

describeBackend('clickhouse', 'clickhouse adapter: migrations, credentials, retention TTL, outages', (ch) => {
  it('the provider is a real ClickHouse engine over HTTP that refuses a wrong password', async () => {
    const [row] = await chQuery<{ v: string }>(ch, 'SELECT version() AS v');
    expect(row!.v).toMatch(/^\d+\.\d+/);
    const res = await fetch(`${ch.url}/?query=SELECT%201`, {
      headers: { Authorization: `Basic ${Buffer.from(`${ch.username}:wrong`).toString('base64')}` },
    });
    expect(res.ok).toBe(false);
    expect(await res.text()).toMatch(/AUTHENTICATION_FAILED/);
  });

  it('migrates once when several processes start together on a fresh database, and again idempotently', async () => {
    const database = `rt_mig_${runId()}`;
    const adapters = Array.from({ length: 4 }, () => makeClickHouseAdapter(ch, { database }));
    try {
      await Promise.all(adapters.map((a) => a.init()));
      const again = makeClickHouseAdapter(ch, { database });
      adapters.push(again);
      await again.init();
      const tables = await chQuery<{ name: string }>(
        ch,
        'SELECT name FROM system.tables WHERE database = {db:String} ORDER BY name',
        { db: database },
      );
      expect(tables.map((t) => t.name)).toEqual([
        'otel_logs',
        'otel_metrics_exponential_histogram',
        'otel_metrics_gauge',
        'otel_metrics_histogram',
        'otel_metrics_sum',
        'otel_metrics_summary',
        'otel_traces',
        'otel_traces_trace_id_ts',
        'otel_traces_trace_id_ts_mv',
      ]);
      const span = makeSpan({ service: runId() });
      expect((await adapters[0]!.traces!.write([span])).ok).toBe(true);
      expect((await adapters[3]!.traces!.getTrace(span.traceId))!.length).toBe(1);
    } finally {
      for (const a of adapters) await a.close();
    }
  });

  it('migrates a span table of the last release (no version column) from several processes at once; the last write wins on it', async () => {
    const database = `rt_old_${runId()}`;
    const spec = TABLES.otel_traces!;
    // The last release's otel_traces: ReplacingMergeTree without a version, no RohasVersion column.
    const cols = [...spec.columns, ...spec.added]
      .filter(([n]) => n !== 'RohasVersion')
      .map(([n, t]) => `\`${n}\` ${t}`);
    await chQuery(ch, `CREATE DATABASE ${database}`);
    await chQuery(
      ch,
      `CREATE TABLE ${database}.otel_traces (${[...cols, ...spec.indexes].join(', ')}) ENGINE = ReplacingMergeTree ${spec.keys}`,
    );
    const service = runId();
    const t0 = nowNano();
    const old = makeSpan({ service, name: 'old-release', start: t0 });
    await chQuery(
      ch,
      `INSERT INTO ${database}.otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, Duration) FORMAT JSONEachRow`,
      {},
      JSON.stringify({
        Timestamp: t0.toString(),
        TraceId: old.traceId,
        SpanId: old.spanId,
        SpanName: 'old-release',
        ServiceName: service,
        Duration: '1000',
      }),
    );
    const adapters = Array.from({ length: 4 }, () => makeClickHouseAdapter(ch, { database }));
    try {
      await Promise.all(adapters.map((a) => a.init()));
      const cols = await chQuery<{ name: string; default_expression: string }>(
        ch,
        "SELECT name, default_expression FROM system.columns WHERE database = {db:String} AND table = 'otel_traces' AND name = 'RohasVersion'",
        { db: database },
      );
      expect(cols).toEqual([{ name: 'RohasVersion', default_expression: '0' }]);
      const before = await adapters[1]!.traces!.getTrace(old.traceId);
      expect(before!.map((s) => s.name)).toEqual(['old-release']);
      // Written twice more by two processes, one after the other: the newest copy is what every read sees.
      expect((await adapters[0]!.traces!.write([{ ...old, name: 'second' }])).ok).toBe(true);
      expect((await adapters[2]!.traces!.write([{ ...old, name: 'third' }])).ok).toBe(true);
      const after = await adapters[3]!.traces!.getTrace(old.traceId);
      expect(after!.map((s) => s.name)).toEqual(['third']);
      const find = async (name: string) =>
        (
          await adapters[3]!.traces!.findTraces(
            normalizeTraceQuery({ service, name }, adapters[3]!.traces!.capabilities),
          )
        ).items.map((t) => t.rootSpanName);
      expect(await find('third')).toEqual(['third']);
      expect(await find('second')).toEqual([]);
      expect(await find('old-release')).toEqual([]);
    } finally {
      for (const a of adapters) await a.close();
    }
  });

  it('retention_days becomes the tables’ TTL (with the documented margin) and logs its start once', async () => {
    const database = `rt_ttl_${runId()}`;
    const logger = recordingLogger();
    const a = makeClickHouseAdapter(ch, { database }, { traces: 2, metrics: 5, logs: 1 }, logger);
    try {
      await a.init();
      const engines = await chQuery<{ name: string; engine_full: string }>(
        ch,
        'SELECT name, engine_full FROM system.tables WHERE database = {db:String}',
        { db: database },
      );
      const ttl = (name: string) => engines.find((e) => e.name === name)!.engine_full;
      expect(ttl('otel_traces')).toContain('TTL toDateTime(Timestamp) + toIntervalDay(5)');
      expect(ttl('otel_logs')).toContain('TTL TimestampTime + toIntervalDay(4)');
      expect(ttl('otel_metrics_sum')).toContain('TTL toDateTime(TimeUnix) + toIntervalDay(8)');
      expect(logger.lines.filter((l) => /OpenTelemetry Collector table layout/.test(l.message)).length).toBe(1);
    } finally {
      await a.close();
    }
  });

  it('a wrong password fails init with where it comes from and the server’s reason', async () => {
    const a = makeClickHouseAdapter(ch, { database: `rt_auth_${runId()}`, password: 'not-the-password' });
    try {
      await expect(a.init()).rejects.toThrow(
        /^\[rohas-telemetry\] \[clickhouse\] could not prepare database .*Authentication failed/,
      );
      const h = await a.health();
      expect(typeof h.ok).toBe('boolean');
    } finally {
      await a.close();
    }
  });

  it('a server that is not there: writes fail as retryable (the core keeps the batch), health says unreachable', async () => {
    const a = makeClickHouseAdapter(
      { ...ch, url: 'http://127.0.0.1:1' },
      { database: 'otel', request_timeout_ms: 2000 },
    );
    try {
      const r = await a.traces!.write([makeSpan()]);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.retryable).toBe(true);
        expect(r.error.message).toMatch(/^\[rohas-telemetry\] \[clickhouse\] writing 1 spans failed/);
        expect(r.error.cause).toBeDefined();
      }
      const h = await a.health();
      expect(h.ok).toBe(false);
      expect(h.message).toMatch(/unreachable/);
    } finally {
      await a.close();
    }
  });
});
