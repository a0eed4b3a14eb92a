import { spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTelemetry, defaultConfig, type Telemetry } from '@rohas/telemetry';
import { makeSpan, runId } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPgBinDir } from '../src/backends/postgres.js';
import { freePort } from '../src/backends/process-utils.js';
import { admin, makeAdapter, recordingLogger } from './timescaledb-helpers.js';

/*
 * A PostgreSQL outage while an app writes: this file starts its own throwaway PostgreSQL 15 (the shared one must not
 * be stopped under other test files), stops it for 10 s in the middle of a stream of spans made with the
 * OpenTelemetry API through createTelemetry, starts it again, and checks that every span is stored.
 */

const binDir = findPgBinDir(process.env);

function postgresUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === 'postgres') return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error('running as root and there is no postgres user for initdb');
}

/** A PostgreSQL server this file owns: initdb once, then pg_ctl start / stop at will. */
class OwnPostgres {
  private readonly dir = mkdtempSync(join(tmpdir(), 'rohas-pg-outage-'));
  private readonly data = join(this.dir, 'data');
  private readonly user = postgresUser();
  port = 0;
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }
  private run(tool: string, args: string[]): void {
    const r = spawnSync(join(binDir!, tool), args, {
      uid: this.user?.uid,
      gid: this.user?.gid,
      cwd: this.dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error}`);
  }
  async init(): Promise<void> {
    mkdirSync(join(this.dir, 'sock'));
    if (this.user) {
      chownSync(this.dir, this.user.uid, this.user.gid);
      chownSync(join(this.dir, 'sock'), this.user.uid, this.user.gid);
    }
    this.run('initdb', ['-D', this.data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
    this.port = await freePort();
    this.start();
  }
  start(): void {
    const opts = `-p ${this.port} -k ${join(this.dir, 'sock')} -c listen_addresses=127.0.0.1 -c fsync=off`;
    this.run('pg_ctl', ['start', '-D', this.data, '-l', join(this.dir, 'postgres.log'), '-w', '-t', '60', '-o', opts]);
  }
  stop(): void {
    this.run('pg_ctl', ['stop', '-D', this.data, '-m', 'fast', '-w', '-t', '30']);
  }
  destroy(): void {
    try {
      this.stop();
    } catch {}
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!binDir)('timescaledb adapter: a 10 s PostgreSQL outage', () => {
  const pg = new OwnPostgres();
  beforeAll(() => pg.init(), 120_000);
  afterAll(() => pg.destroy(), 60_000);

  it('a write during the outage fails as retryable, without a crash, and the next one after it works', async () => {
    const adapter = makeAdapter(pg.url, { schema: 'direct', pool_size: 2, connect_timeout_ms: 1000 });
    await adapter.init();
    const before = makeSpan({ service: runId() });
    expect((await adapter.traces!.write([before])).ok).toBe(true);
    pg.stop();
    try {
      const during = await adapter.traces!.write([makeSpan({ service: runId() })]);
      expect(during.ok).toBe(false);
      if (!during.ok) {
        expect(during.retryable).toBe(true);
        expect(during.error.message).toMatch(/^\[rohas-telemetry\] \[timescaledb\] writing 1 spans failed/);
      }
      expect(
        (
          await adapter.logs!.write([
            {
              timeUnixNano: 1n,
              observedTimeUnixNano: 1n,
              severityNumber: 9,
              body: 'x',
              attributes: {},
              resource: { attributes: {} },
              scope: { name: 's' },
            },
          ])
        ).ok,
      ).toBe(false);
      expect((await adapter.health()).ok).toBe(false);
    } finally {
      pg.start();
    }
    const after = makeSpan({ service: runId() });
    expect((await adapter.traces!.write([after])).ok).toBe(true);
    expect(await adapter.traces!.getTrace(before.traceId)).not.toBeNull();
    expect(await adapter.traces!.getTrace(after.traceId)).not.toBeNull();
    await adapter.close();
  }, 120_000);

  it('spans made through createTelemetry before, during and after the outage are all stored', async () => {
    const service = `outage-${runId()}`;
    const logger = recordingLogger();
    const telemetry: Telemetry = await createTelemetry(
      defaultConfig({
        type: 'timescaledb',
        connection_string: pg.url,
        schema: 'app',
        pool_size: 2,
        connect_timeout_ms: 1000,
        service_name: service,
        enable_metrics: false,
        enable_logs: false,
        retention_interval_ms: 0,
        batch: {
          max_batch_size: 100,
          flush_interval_ms: 100,
          max_queue_size: 100_000,
          retry_initial_ms: 100,
          retry_max_ms: 1000,
          shutdown_timeout_ms: 30_000,
        },
      }),
      { registerGlobal: false, logger },
    );
    const traceIds: string[] = [];
    const t0 = Date.now();
    let stopped = false;
    let restarted = false;
    let i = 0;
    // 15 s of spans, 20 a second; PostgreSQL is down from 2 s to 12 s.
    while (Date.now() - t0 < 15_000) {
      const span = telemetry.tracer.startSpan('tick', { attributes: { seq: i++ } });
      traceIds.push(span.spanContext().traceId);
      span.end();
      const t = Date.now() - t0;
      if (!stopped && t > 2_000) {
        pg.stop();
        stopped = true;
      }
      if (!restarted && t > 12_000) {
        pg.start();
        restarted = true;
      }
      await sleep(50);
    }
    await telemetry.forceFlush();
    const stats = telemetry.stats();
    expect(stats.traces?.retries).toBeGreaterThan(0);
    expect(stats.traces?.dropped).toBe(0);
    expect(stats.traces?.failed).toBe(0);
    expect(stats.traces?.written).toBe(traceIds.length);
    await telemetry.shutdown();

    const rows = await admin<{ n: string; d: string }>(pg.url, [
      ['SELECT count(*) AS n, count(DISTINCT trace_id) AS d FROM app.spans WHERE service_name = $1', [service]],
    ]);
    expect(Number(rows[0]!.n)).toBe(traceIds.length);
    expect(Number(rows[0]!.d)).toBe(traceIds.length);
    // Spans from before, during and after the outage.
    const stored = new Set(
      (
        await admin<{ trace_id: string }>(pg.url, [
          ['SELECT trace_id FROM app.spans WHERE service_name = $1', [service]],
        ])
      ).map((r) => r.trace_id),
    );
    expect(traceIds.every((id) => stored.has(id))).toBe(true);
    expect(traceIds.length).toBeGreaterThan(200);
  }, 120_000);
});
