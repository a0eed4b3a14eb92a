import { makeSpan, runId } from '@rohas/telemetry-test-suite';
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
