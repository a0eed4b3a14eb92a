// A re-written span (same trace and span id, last write wins) takes its old name out of listOperations when no other
// span carries it. A SQLite test, not a suite check: InfluxDB lists tag values of series that outlive their points,
// so "the old name leaves" is not every backend's semantics.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanRecord } from '@rohas/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-rewrite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const hex = (n: number) => randomBytes(n).toString('hex');

function span(traceId: string, spanId: string, name: string, service = 'svc'): SpanRecord {
  const start = BigInt(Date.now()) * 1_000_000n;
  return {
    traceId,
    spanId,
    name,
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_000_000n,
    status: { code: 0 },
    attributes: {},
    events: [],
    links: [],
    resource: { attributes: { 'service.name': service } },
    scope: { name: 'rewrite-test' },
  };
}

for (const write_thread of [false, true]) {
  describe(`sqlite (${write_thread ? 'write thread' : 'inline writes'}): listOperations after a re-write`, () => {
    it('lists the new name and drops the old one unless another span still carries it', async () => {
      const adapter = await createAdapter({
        options: { type: 'sqlite', path: join(dir, String(write_thread)), write_thread },
        retention: { traces: 0, metrics: 0, logs: 0 },
        signals: ['traces'],
        logger: quiet,
        baseDir: dir,
      });
      await adapter.init();
      try {
        const traces = adapter.traces!;
        const [t, a, b] = [hex(16), hex(8), hex(8)];
        expect(await traces.write([span(t, a, 'GET /old'), span(t, b, 'GET /shared')])).toEqual({ ok: true });
        expect(await traces.listOperations('svc')).toEqual(['GET /old', 'GET /shared']);

        // a renamed: its old name has no other span and leaves; b renamed: 'GET /shared' is still carried by c.
        const c = hex(8);
        expect(await traces.write([span(t, c, 'GET /shared')])).toEqual({ ok: true });
        expect(await traces.write([span(t, a, 'GET /new'), span(t, b, 'GET /other')])).toEqual({ ok: true });
        expect(await traces.listOperations('svc')).toEqual(['GET /new', 'GET /other', 'GET /shared']);

        // The dropped name comes back when a span carries it again (the writer's name cache forgot it).
        expect(await traces.write([span(t, hex(8), 'GET /old')])).toEqual({ ok: true });
        expect(await traces.listOperations('svc')).toEqual(['GET /new', 'GET /old', 'GET /other', 'GET /shared']);

        // Moving a span to another service takes the name out of the first service only.
        expect(await traces.write([span(t, a, 'GET /new', 'svc2')])).toEqual({ ok: true });
        expect(await traces.listOperations('svc')).toEqual(['GET /old', 'GET /other', 'GET /shared']);
        expect(await traces.listOperations('svc2')).toEqual(['GET /new']);
      } finally {
        await adapter.close();
      }
    }, 60_000); // opening a store and nine transactions: generous for a machine under load, not a speed check
  });
}
