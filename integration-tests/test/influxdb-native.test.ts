/*
 * InfluxDB-specific checks of the adapter against a real influxd (1.x API): hostile text through every part of the
 * schema (measurement, tags, fields, query filters), the points read back by InfluxDB's own `influx` CLI, retention
 * policies managed from retention_days, and write failures reported as results.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { DiagnosticLogger, TelemetryAdapter } from '@rohas/telemetry';
import { normalizeLogQuery, normalizeMetricQuery, normalizeTraceQuery } from '@rohas/telemetry/adapter';
import { createAdapter } from '@rohas/telemetry-influxdb';
import { HOSTILE_STRINGS, makeLog, makePoint, makeSpan, nowNano, runId, SECOND } from '@rohas/telemetry-test-suite';
import { afterAll, describe, expect, it } from 'vitest';
import { backend } from '../src/inject-backends.js';

const run = promisify(execFile);
const v1 = backend('influxdb1');
const KEEP = { traces: 0, metrics: 0, logs: 0 };

function quiet(messages: string[] = []): DiagnosticLogger {
  const push = (m: string) => void messages.push(m);
  return { debug: push, info: push, warn: push, error: push };
}

async function influxQl(
  url: string,
  q: string,
  db?: string,
): Promise<{
  results: Array<{ series?: Array<{ name: string; columns: string[]; values: unknown[][] }>; error?: string }>;
}> {
  const body = new URLSearchParams({ q });
  if (db) body.set('db', db);
  const res = await fetch(`${url}/query`, { method: 'POST', body });
  return (await res.json()) as never;
}

describe.runIf(v1)('influxdb adapter on a real influxd (1.x API)', () => {
  const url = v1!.url;
  const database = `${v1!.database}_native_${randomBytes(4).toString('hex')}`;
  const opened: TelemetryAdapter[] = [];
  const open = async (options: Record<string, unknown> = {}, retention = KEEP, logger = quiet()) => {
    const a = await createAdapter({
      options: { type: 'influxdb', url, database, ...options },
      retention,
      signals: ['traces', 'metrics', 'logs'],
      logger,
      baseDir: process.cwd(),
    });
    await a.init();
    opened.push(a);
    return a;
  };
  afterAll(async () => {
    for (const a of opened) await a.close();
    await influxQl(url, `DROP DATABASE "${database}"`);
  });

  it('stores hostile text in measurement, tags and fields and matches it only literally in every filter', async () => {
    // Measurement names can hold quotes, commas, spaces, equals signs and unicode (line breaks and backslashes are refused: see below).
    const prefix = `it's "q" a,b c=d 🌍 ${runId()}_`;
    const a = await open({ measurement_prefix: prefix });
    const t = nowNano();
    const spans = HOSTILE_STRINGS.map((s, i) =>
      makeSpan({ service: s, name: s, start: t + BigInt(i), attributes: { [`k ${s}`]: s, plain: i } }),
    );
    for (const span of spans) span.status = { code: 2, message: `msg ${span.name}` };
    expect(await a.traces!.write(spans)).toEqual({ ok: true });
    const metricName = (x: string) => `m ${x}`;
    const points = HOSTILE_STRINGS.map((x, i) =>
      makePoint({ name: metricName(x), service: x, time: t + BigInt(i), value: i, attributes: { [x]: x } }),
    );
    expect(await a.metrics!.write(points)).toEqual({ ok: true });
    const logs = HOSTILE_STRINGS.map((x, i) =>
      makeLog({ service: x, time: t + BigInt(i), body: x, attributes: { [x]: x } }),
    );
    expect(await a.logs!.write(logs)).toEqual({ ok: true });

    const measurements = (await influxQl(url, 'SHOW MEASUREMENTS', database)).results[0]!.series![0]!.values.flat();
    expect(measurements).toEqual(expect.arrayContaining([`${prefix}spans`, `${prefix}metrics`, `${prefix}logs`]));

    const services = await a.traces!.listServices();
    expect(services).toEqual([...HOSTILE_STRINGS].sort());
    for (const [i, x] of HOSTILE_STRINGS.entries()) {
      const caps = a.traces!.capabilities;
      const found = await a.traces!.findTraces(
        normalizeTraceQuery({ service: x, name: x, status: 'error', attributes: { [`k ${x}`]: x } }, caps),
      );
      expect(found.items.map((tr) => tr.traceId)).toEqual([spans[i]!.traceId]);
      const none = await a.traces!.findTraces(
        normalizeTraceQuery({ service: x, attributes: { [`k ${x}`]: `${x} ` } }, caps),
      );
      expect(none.items).toEqual([]);
      expect(await a.traces!.listOperations(x)).toEqual([x]);
      const back = (await a.traces!.getTrace(spans[i]!.traceId))![0]!;
      expect(back.name).toBe(x);
      expect(back.status.message).toBe(`msg ${x}`);
      expect(back.attributes[`k ${x}`]).toBe(x);

      const series = await a.metrics!.queryMetrics(
        normalizeMetricQuery(
          { name: metricName(x), service: x, start: t, end: t + SECOND, attributes: { [x]: x }, aggregation: 'last' },
          a.metrics!.capabilities,
        ),
      );
      expect(series.map((r) => [r.name, r.labels, r.points[0]!.value])).toEqual([[metricName(x), { [x]: x }, i]]);

      const page = await a.logs!.queryLogs(
        normalizeLogQuery({ service: x, text: x, attributes: { [x]: x } }, a.logs!.capabilities),
      );
      expect(page.items.map((l) => l.body)).toEqual([x]);
    }
    const listed = (await a.metrics!.listMetrics()).map((d) => d.name);
    expect(listed).toEqual(expect.arrayContaining(HOSTILE_STRINGS.map(metricName)));
  });

  it('keeps attribute keys out of tags: the tag keys are the fixed schema list', async () => {
    const a = await open({ measurement_prefix: `keys_${runId()}_` });
    const t = nowNano();
    const attributes = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`user.key.${i}.${runId()}`, `v${i}`]));
    expect(await a.traces!.write([makeSpan({ service: runId(), start: t, attributes })])).toEqual({ ok: true });
    expect(await a.metrics!.write([makePoint({ name: 'm', time: t, value: 1, attributes })])).toEqual({ ok: true });
    expect(await a.logs!.write([makeLog({ time: t, attributes })])).toEqual({ ok: true });
    const tagKeys = async (m: string) => {
      const r = await influxQl(url, `SHOW TAG KEYS FROM "${m}"`, database);
      return r.results[0]!.series![0]!.values.flat().sort();
    };
    const measurements = (
      await influxQl(url, 'SHOW MEASUREMENTS', database)
    ).results[0]!.series![0]!.values.flat() as string[];
    const prefix = measurements.find((m) => m.startsWith('keys_') && m.endsWith('spans'))!.slice(0, -'spans'.length);
    expect(await tagKeys(`${prefix}spans`)).toEqual(['kind', 'name', 'service', 'status']);
    expect(await tagKeys(`${prefix}metrics`)).toEqual(['metric', 'service', 'sid', 'type']);
    expect(await tagKeys(`${prefix}logs`)).toEqual(['service', 'severity']);
  });

  it('gives every span its own point even when siblings share service, name, status and start nanosecond', async () => {
    const a = await open();
    const service = runId();
    const traceId = makeSpan().traceId;
    const t = nowNano();
    const siblings = Array.from({ length: 300 }, () => makeSpan({ traceId, service, name: 'fan-out', start: t }));
    expect(await a.traces!.write(siblings)).toEqual({ ok: true });
    const count = async () =>
      (await influxQl(url, `SELECT count("span_id") FROM "spans" WHERE "service" = '${service}'`, database)).results[0]!
        .series![0]!.values[0]![1];
    expect(await count()).toBe(300);
    // A retried batch is stored again (every point has its own time); reads keep one copy of each span.
    expect(await a.traces!.write(siblings.slice(0, 100))).toEqual({ ok: true });
    expect(await count()).toBe(400);
    const got = await a.traces!.getTrace(traceId);
    expect(got!.length).toBe(300);
    expect(new Set(got!.map((s) => s.spanId)).size).toBe(300);
    const page = await a.traces!.findTraces(normalizeTraceQuery({ service }, a.traces!.capabilities));
    expect(page.items.map((t) => [t.traceId, t.spanCount])).toEqual([[traceId, 300]]);
  });

  it('keeps two spans of one series and second that the former hash point time put on one point', async () => {
    // Until round 5 a span's sub-second digits were this 30-bit hash of (trace id, span id); two spans of one
    // series and second whose hashes met shared a point and the later replaced the earlier, silently.
    const fnv = (text: string, basis: number) => {
      let h = basis;
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      return h >>> 0;
    };
    const formerSlot = (traceId: string, spanId: string) => {
      const key = `${traceId}:${spanId}`;
      return (fnv(key, 0x811c9dc5) * 0x200000 + (fnv(key, 0x050c5d1f) >>> 11)) % 1_000_000_000;
    };
    const traceId = makeSpan().traceId;
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; !pair; i++) {
      const spanId = i.toString(16).padStart(16, '0');
      const slot = formerSlot(traceId, spanId);
      const other = seen.get(slot);
      if (other) pair = [other, spanId];
      else seen.set(slot, spanId);
    }
    const a = await open();
    const service = runId();
    const t = nowNano();
    const spans = pair.map((spanId, i) => makeSpan({ traceId, spanId, service, name: 'op', start: t + BigInt(i) }));
    // One batch, then each in a batch of its own: both are kept either way.
    expect(await a.traces!.write(spans)).toEqual({ ok: true });
    expect(await a.traces!.write([spans[0]!])).toEqual({ ok: true });
    expect(await a.traces!.write([spans[1]!])).toEqual({ ok: true });
    expect((await a.traces!.getTrace(traceId))!.map((s) => s.spanId).sort()).toEqual([...pair].sort());
  });

  it('writes the tb-tag layout when trace_bucket_chars is set (the default writes none); either reads both', async () => {
    const service = runId();
    const t = nowNano();
    const plain = makeSpan({ service, name: 'plain', start: t });
    expect(await (await open()).traces!.write([plain])).toEqual({ ok: true });
    const a = await open({ trace_bucket_chars: 2 });
    const trace = Array.from({ length: 5 }, (_, i) => makeSpan({ service, name: 'bucketed', start: t + BigInt(i) }));
    for (const s of trace) s.traceId = trace[0]!.traceId;
    expect(await a.traces!.write(trace)).toEqual({ ok: true });
    const tags = await influxQl(
      url,
      `SHOW TAG VALUES FROM "spans" WITH KEY = "tb" WHERE "service" = '${service}'`,
      database,
    );
    expect(tags.results[0]!.series![0]!.values.map((v) => v[1])).toEqual([trace[0]!.traceId.slice(0, 2)]);
    expect((await a.traces!.getTrace(trace[0]!.traceId))!.map((s) => s.name)).toEqual(Array(5).fill('bucketed'));
    expect((await a.traces!.getTrace(plain.traceId))!.map((s) => s.name)).toEqual(['plain']);
    const page = await a.traces!.findTraces(normalizeTraceQuery({ service }, a.traces!.capabilities));
    expect(page.items.map((s) => s.traceId).sort()).toEqual([plain.traceId, trace[0]!.traceId].sort());
    // A store moved back to the default reads the bucketed spans too.
    const b = await open();
    expect((await b.traces!.getTrace(trace[0]!.traceId))!.map((s) => s.name)).toEqual(Array(5).fill('bucketed'));
    expect((await b.traces!.getTrace(plain.traceId))!.map((s) => s.name)).toEqual(['plain']);
  });

  it('returns a span re-written with a changed status once, as its newest write', async () => {
    const a = await open();
    const span = makeSpan({ service: runId(), status: 0 });
    expect(await a.traces!.write([span])).toEqual({ ok: true });
    const changed = { ...structuredClone(span), status: { code: 2 as const, message: 'late error' } };
    expect(await a.traces!.write([changed])).toEqual({ ok: true });
    const got = await a.traces!.getTrace(span.traceId);
    expect(got!.length).toBe(1);
    expect(got![0]!.status).toEqual({ code: 2, message: 'late error' });
    const page = await a.traces!.findTraces(
      normalizeTraceQuery({ service: span.resource.attributes['service.name'] as string }, a.traces!.capabilities),
    );
    expect(page.items.map((t) => [t.traceId, t.spanCount, t.errorCount])).toEqual([[span.traceId, 1, 1]]);
  });

  it('refuses a measurement prefix that line protocol cannot carry, naming the key', async () => {
    for (const prefix of ['a\nb', 'back\\', 'nul\0']) {
      expect(() =>
        createAdapter({
          options: { type: 'influxdb', url, database, measurement_prefix: prefix },
          retention: KEEP,
          signals: ['traces'],
          logger: quiet(),
          baseDir: '.',
        }),
      ).toThrow(/\[rohas-telemetry\] \[influxdb\] measurement_prefix/);
    }
  });

  it("writes points that InfluxDB's own influx CLI reads back", async () => {
    const cli = v1!.influxCli;
    if (!cli) {
      console.warn('[influxdb] the influx CLI (Debian influxdb-client) is not installed: skipping the CLI check');
      return;
    }
    const a = await open();
    const service = runId();
    const t = nowNano();
    const span = makeSpan({ service, name: 'GET /cli', start: t, attributes: { 'http.route': '/cli' } });
    const point = makePoint({ name: `cli_${service}`, service, time: t, value: 42.5, attributes: { route: '/cli' } });
    const log = makeLog({ service, time: t, body: 'hello from the adapter', severity: 17 });
    expect(await a.traces!.write([span])).toEqual({ ok: true });
    expect(await a.metrics!.write([point])).toEqual({ ok: true });
    expect(await a.logs!.write([log])).toEqual({ ok: true });
    const { port, hostname } = new URL(url);
    const influx = async (q: string) =>
      (
        await run(cli, [
          '-host',
          hostname,
          '-port',
          port,
          '-database',
          database,
          '-precision',
          'rfc3339',
          '-format',
          'csv',
          '-execute',
          q,
        ])
      ).stdout;

    const spanOut = await influx(
      `SELECT "service", "name", "trace_id", "start_ns", "duration_ns" FROM "spans" WHERE "trace_id" = '${span.traceId}'`,
    );
    expect(spanOut).toContain(`${service},GET /cli,${span.traceId},${span.startTimeUnixNano},5000000`);

    const metricOut = await influx(
      `SELECT "value" FROM "metrics" WHERE "metric" = 'cli_${service}' AND "service" = '${service}'`,
    );
    // The point time is the record's exact nanosecond time.
    const iso = new Date(Number(t / 1_000_000n)).toISOString().slice(0, 19);
    expect(metricOut).toMatch(new RegExp(`metrics,${iso}\\.${(t % SECOND).toString().padStart(9, '0')}Z,42\\.5`));

    const logOut = await influx(`SELECT "severity_number", "body" FROM "logs" WHERE "service" = '${service}'`);
    expect(logOut).toContain('17,"""hello from the adapter"""');
  });

  it('creates and alters a retention policy from retention_days when manage_retention is on', async () => {
    const rp = `rp_${randomBytes(3).toString('hex')}`;
    const policies = async () =>
      (await influxQl(url, `SHOW RETENTION POLICIES ON "${database}"`)).results[0]!.series![0]!.values.map((v) => [
        v[0],
        v[1],
      ]);
    await open({ retention_policy: rp, manage_retention: true }, { traces: 7, metrics: 30, logs: 3 });
    expect(await policies()).toContainEqual([rp, '720h0m0s']);
    const a = await open({ retention_policy: rp, manage_retention: true }, { traces: 2, metrics: 1, logs: 2 });
    expect(await policies()).toContainEqual([rp, '48h0m0s']);
    // Writes and reads go through that policy.
    const span = makeSpan({ service: runId() });
    expect(await a.traces!.write([span])).toEqual({ ok: true });
    expect((await a.traces!.getTrace(span.traceId))!.length).toBe(1);
    const direct = await influxQl(url, `SELECT count("span_id") FROM "${rp}"."spans"`, database);
    expect(direct.results[0]!.series![0]!.values[0]![1]).toBe(1);
  });

  it("the Rohas page's config works on a fresh server: a named retention policy that is missing is created", async () => {
    // [telemetry] type = "influxdb", retention_policy = "30d", retention_days = 30 — without manage_retention.
    const rp = `rp30d_${randomBytes(3).toString('hex')}`;
    const messages: string[] = [];
    const a = await open({ retention_policy: rp }, { traces: 30, metrics: 30, logs: 30 }, quiet(messages));
    const policies = (await influxQl(url, `SHOW RETENTION POLICIES ON "${database}"`)).results[0]!.series![0]!.values;
    expect(policies.map((v) => [v[0], v[1]])).toContainEqual([rp, '720h0m0s']);
    expect(messages.join('\n')).toMatch(new RegExp(`retention policy ${rp} did not exist .* created it`));
    const span = makeSpan({ service: runId() });
    expect(await a.traces!.write([span])).toEqual({ ok: true });
    expect((await a.traces!.getTrace(span.traceId))!.length).toBe(1);

    // A policy dropped behind the adapter's back: influxd answers 500 "retention policy not found", which would fail
    // the same way forever, so it is reported as not retryable instead of being retried without end.
    await influxQl(url, `DROP RETENTION POLICY "${rp}" ON "${database}"`);
    const r = await a.traces!.write([makeSpan()]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.retryable).toBe(false);
      expect(r.error.message).toMatch(/retention policy not found/);
    }
  });

  it('reports server-side retention at start-up when it does not manage it', async () => {
    const messages: string[] = [];
    await open({}, { traces: 30, metrics: 30, logs: 30 }, quiet(messages));
    expect(messages.join('\n')).toMatch(/server's business.*keeps forever/);
  });

  it('returns write failures as results with retryable set, never throws', async () => {
    const missingDb = await createAdapter({
      options: { type: 'influxdb', url, database: `absent_${randomBytes(3).toString('hex')}`, create_database: false },
      retention: KEEP,
      signals: ['traces'],
      logger: quiet(),
      baseDir: '.',
    });
    const r = await missingDb.traces!.write([makeSpan()]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.retryable).toBe(false);
      expect(r.error.message).toMatch(
        /^\[rohas-telemetry\] \[influxdb\] writing 1 spans .* failed: POST \/write answered 404/,
      );
    }
    const down = await createAdapter({
      options: { type: 'influxdb', url: 'http://127.0.0.1:9', database },
      retention: KEEP,
      signals: ['logs'],
      logger: quiet(),
      baseDir: '.',
    });
    const r2 = await down.logs!.write([makeLog()]);
    expect(r2.ok).toBe(false);
    if (!r2.ok) expect(r2.retryable).toBe(true);
    await expect(down.init()).rejects.toThrow(/\[rohas-telemetry\] \[influxdb\] could not start/);
    const health = await down.health();
    expect(health.ok).toBe(false);
    expect(health.message).toMatch(/^\[rohas-telemetry\] \[influxdb\] \/ping failed/);
  });
});
