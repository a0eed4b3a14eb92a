/*
 * The store's own requests are not the app's telemetry. An app started with `--import @rohas/telemetry/register`
 * (the app's auto-instrumentations set active: http, undici/fetch, ...) stores into InfluxDB, whose adapter speaks
 * HTTP (fetch) from inside the app's process. The store must end up with the app's spans — including the client
 * span of the app's own fetch, which shows client instrumentation is on — and no span of the adapter's /write,
 * /query or /ping requests (packages/core/src/untraced.ts runs every adapter call under suppressTracing).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, openStorage, SpanKind, type SpanRecord } from '@rohas/telemetry';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv, startApp } from '../../examples/test/support/child.js';
import { backend } from '../src/inject-backends.js';

const here = dirname(fileURLToPath(import.meta.url));
const app = join(here, '..', '..', 'examples', 'zero-code', 'http-server.mjs');

async function get(port: number, path: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  await res.arrayBuffer();
  return res.status;
}

const v1 = backend('influxdb1');
if (v1) {
  describe(`register with InfluxDB (${v1.version}, ${v1.source}): the adapter's own requests are not traced`, () => {
    const database = `${v1.database}_untraced_${randomBytes(4).toString('hex')}`;
    const dir = mkdtempSync(join(tmpdir(), 'rohas-untraced-'));
    afterAll(async () => {
      rmSync(dir, { recursive: true, force: true });
      await fetch(`${v1.url}/query`, {
        method: 'POST',
        body: new URLSearchParams({ q: `DROP DATABASE "${database}"` }),
      });
    });

    it('stores the app spans and its own fetch, and no span of a /write, /query or /ping to the store', async () => {
      const config = join(dir, 'rohas.toml');
      writeFileSync(
        config,
        [
          '[telemetry]',
          'type = "influxdb"',
          `url = "${v1.url}"`,
          `database = "${database}"`,
          'service_name = "untraced-check"',
          // Many small writes while requests are served: every flush and metric export is an HTTP request.
          'metric_export_interval_ms = 300',
          '[telemetry.batch]',
          'flush_interval_ms = 100',
          '',
        ].join('\n'),
      );
      const env = childEnv({ ROHAS_TELEMETRY_CONFIG: config, PORT: '0' });
      // From the workspace: the app's auto-instrumentations set (http, undici, ...) is resolvable, as in a real app.
      const running = await startApp(['--import', '@rohas/telemetry/register', app], { env, cwd: join(here, '..') });
      const paths = ['/users', '/users/1', '/upstream', '/users/2', '/upstream'];
      for (const path of paths) {
        expect(await get(running.port, path)).toBe(200);
        await new Promise((r) => setTimeout(r, 250)); // flushes and metric exports happen in between
      }
      const stopped = await running.stop();
      expect(stopped.code, stopped.stderr).toBe(0);

      const storage = await openStorage(defaultConfig({ type: 'influxdb', url: v1.url, database }), {});
      try {
        const end = BigInt(Date.now() + 60_000) * 1_000_000n;
        const found = await storage.query.findTraces({ start: 0n, end, limit: 1000 });
        const spans: SpanRecord[] = [];
        for (const t of found.items) spans.push(...((await storage.query.getTrace(t.traceId)) ?? []));
        const server = spans.filter((s) => s.kind === SpanKind.SERVER);
        const client = spans.filter((s) => s.kind === SpanKind.CLIENT);
        // The app's own work is all there: 5 requests + 2 nested ones from /upstream; 2 client spans of its fetch.
        expect(server, JSON.stringify(spans.map((s) => s.name))).toHaveLength(7);
        expect(client).toHaveLength(2);
        const storePort = String(new URL(v1.url).port);
        const mentionsStore = (s: SpanRecord) =>
          Object.values(s.attributes).some((v) => typeof v === 'string' && /\/(write|query|ping)\b/.test(v)) ||
          Object.values(s.attributes).some((v) => String(v) === storePort || String(v).includes(`:${storePort}`));
        expect(spans.filter(mentionsStore).map((s) => `${s.kind} ${s.name} ${JSON.stringify(s.attributes)}`)).toEqual(
          [],
        );
        for (const s of client)
          expect(String(s.attributes['server.port'] ?? s.attributes['url.full'])).not.toContain(storePort);
      } finally {
        await storage.shutdown();
      }
    });
  });
}
