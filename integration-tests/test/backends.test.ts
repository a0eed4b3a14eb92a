// Proves that every backend the run provides is a real server that answers a real query. A backend
// that is absent is skipped loudly (and fails under CI=true, see src/inject-backends.ts).
import { createServer, type Server } from 'node:http';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { backendsStatus, describeBackend } from '../src/inject-backends.js';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 20_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describeBackend('postgres', 'postgres provider', (info) => {
  it('answers SELECT version() with a PostgreSQL server', async () => {
    const rows = await withClient(info.url, async (c) => (await c.query('SELECT version() AS v')).rows);
    console.log(`postgres (${info.source}): ${rows[0].v}`);
    expect(rows[0].v).toMatch(/^PostgreSQL \d+/);
    expect(info.version).toMatch(/^\d+/);
  });

  it('round-trips a parameterised write on a temporary table', async () => {
    const value = `v-${Math.random()}`;
    const got = await withClient(info.url, async (c) => {
      await c.query('CREATE TEMP TABLE t (v text)');
      await c.query('INSERT INTO t VALUES ($1)', [value]);
      return (await c.query('SELECT v FROM t')).rows[0].v;
    });
    expect(got).toBe(value);
  });
});

describeBackend('timescaledb', 'timescaledb provider', (info) => {
  it('has the timescaledb extension and creates a hypertable', async () => {
    // One connection at a time: the local PGlite server serves one client (info.poolSize = 1).
    const ext = await withClient(info.url, async (c) => {
      const row = (await c.query("select extversion from pg_extension where extname='timescaledb'")).rows[0];
      const table = `it_probe_${Math.random().toString(36).slice(2, 10)}`;
      await c.query(`CREATE TABLE ${table} (t timestamptz NOT NULL, v double precision)`);
      await c.query(`SELECT create_hypertable('${table}', by_range('t'))`);
      await c.query(`INSERT INTO ${table} VALUES ($1, $2), ($3, $4)`, [
        new Date(),
        1.5,
        new Date(Date.now() - 86_400_000 * 30),
        2.5,
      ]);
      const hyper = (
        await c.query('SELECT count(*)::int AS n FROM timescaledb_information.hypertables WHERE hypertable_name = $1', [
          table,
        ])
      ).rows[0];
      const chunks = (await c.query(`SELECT count(*)::int AS n FROM show_chunks('${table}')`)).rows[0];
      await c.query(`DROP TABLE ${table}`);
      return { extversion: row?.extversion, hypertables: hyper.n, chunks: chunks.n };
    });
    console.log(
      `timescaledb (${info.source}): select extversion from pg_extension where extname='timescaledb' -> ${ext.extversion}`,
    );
    expect(ext.extversion).toMatch(/^2\.\d+/);
    expect(ext.extversion).toBe(info.extensionVersion);
    expect(ext.hypertables).toBe(1);
    expect(ext.chunks).toBe(2);
    expect(info.poolSize).toBeGreaterThanOrEqual(1);
  });

  it('carries messages larger than one TCP read (a 1 MiB parameter, a 200 KiB statement) and stays up', async () => {
    // pglite-socket alone hands PGlite half a message here and PGlite aborts; the local server frames them.
    const param = 'p'.repeat(1 << 20);
    const literal = 'q'.repeat(200 * 1024);
    const got = await withClient(info.url, async (c) => {
      const a = (await c.query('SELECT length($1::text) AS n', [param])).rows[0].n;
      const b = (await c.query(`SELECT length('${literal}') AS n`)).rows[0].n;
      const big = (await c.query('SELECT repeat($1, 500000) AS s', ['xy'])).rows[0].s.length;
      return { a, b, big };
    });
    expect(got).toEqual({ a: 1 << 20, b: 200 * 1024, big: 1_000_000 });
    const after = await withClient(info.url, async (c) => (await c.query('SELECT 1 AS one')).rows[0].one);
    expect(after).toBe(1);
  });

  it('gives every connection a fresh session, as a real server does', async () => {
    // PGlite is one session shared by its socket clients in turn; the local server resets it per connection.
    const table = `it_session_${Math.random().toString(36).slice(2, 10)}`;
    await withClient(info.url, async (c) => {
      await c.query(`CREATE TABLE ${table} (x int)`);
      await c.query('BEGIN');
      await c.query(`INSERT INTO ${table} VALUES (1)`);
      await c.query('CREATE TEMP TABLE it_leftover (x int)');
      await c.query('SET search_path TO pg_catalog');
      await c.query({ name: 'it_prepared', text: 'SELECT 1' });
      // Disconnects with the transaction still open.
    });
    const seen = await withClient(info.url, async (c) => {
      const row = (
        await c.query(
          `SELECT to_regclass('pg_temp.it_leftover') AS leftover, current_setting('search_path') AS search_path,
                  (SELECT count(*)::int FROM pg_prepared_statements) AS prepared, now() = statement_timestamp() AS fresh_tx,
                  (SELECT count(*)::int FROM public.${table}) AS rows`,
        )
      ).rows[0];
      await c.query(`DROP TABLE public.${table}`);
      return row;
    });
    expect(seen).toEqual({ leftover: null, search_path: '"$user", public', prepared: 0, fresh_tx: true, rows: 0 });
  });
});

describeBackend('influxdb1', 'influxdb1 provider', (info) => {
  const query = async (q: string, db?: string) => {
    const body = new URLSearchParams({ q, ...(db ? { db } : {}) });
    const res = await fetch(`${info.url}/query`, { method: 'POST', body });
    expect(res.status).toBe(200);
    return (await res.json()) as { results: { series?: { values: unknown[][] }[]; error?: string }[] };
  };

  it('answers InfluxQL SHOW DATABASES with the provided database', async () => {
    const json = await query('SHOW DATABASES');
    const names = json.results[0]?.series?.[0]?.values.map((v) => v[0]);
    console.log(`influxdb1 (${info.source}) ${info.version}: databases ${names?.join(', ')}`);
    expect(names).toContain(info.database);
  });

  it('stores a line-protocol point and returns it', async () => {
    const m = `it_probe_${Math.random().toString(36).slice(2, 10)}`;
    const res = await fetch(`${info.url}/write?db=${encodeURIComponent(info.database)}&precision=ms`, {
      method: 'POST',
      body: `${m},k=a v=42 ${Date.now()}`,
    });
    expect(res.status).toBe(204);
    const json = await query(`SELECT v FROM "${m}"`, info.database);
    expect(json.results[0]?.series?.[0]?.values[0]?.[1]).toBe(42);
    await query(`DROP MEASUREMENT "${m}"`, info.database);
  });
});

describeBackend('influxdb2', 'influxdb2 provider', (info) => {
  it('answers /health and lists the provided bucket with the token', async () => {
    const health = (await (await fetch(`${info.url}/health`)).json()) as { status: string; version: string };
    expect(health.status).toBe('pass');
    const res = await fetch(`${info.url}/api/v2/buckets?${new URLSearchParams({ org: info.org, name: info.bucket })}`, {
      headers: { Authorization: `Token ${info.token}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { buckets: { name: string }[] };
    console.log(`influxdb2 (${info.source}) ${health.version}: bucket ${body.buckets[0]?.name}`);
    expect(body.buckets.map((b) => b.name)).toContain(info.bucket);
  });
});

describeBackend('prometheus', 'prometheus provider', (info) => {
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${info.url}${path}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: T }).data;
  };
  let server: Server | undefined;
  afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('answers /api/v1/status/buildinfo', async () => {
    const build = await api<{ version: string }>('/api/v1/status/buildinfo');
    console.log(
      `prometheus (${info.source}): version ${build.version}, scrape targets ${info.scrapeTargets.join(', ')}`,
    );
    expect(build.version).toBe(info.version);
    expect(info.scrapeTargets.length).toBeGreaterThan(0);
  });

  it('scrapes an endpoint started on its probe target within a few seconds', async () => {
    // The probe target is scraped like scrapeTargets but reserved for this test, so it never takes
    // a port an adapter test is about to listen on. With an env-provided server, use the last target.
    const target = backendsStatus()?.prometheusProbeTarget ?? info.scrapeTargets.at(-1);
    expect(target, 'a scrape target to probe').toBeDefined();
    const port = Number(target?.split(':').pop());
    const marker = `rohas_it_probe_${Math.random().toString(36).slice(2, 10)}`;
    server = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(`# TYPE ${marker} gauge\n${marker} 7\n`);
    });
    await new Promise<void>((resolve, reject) => {
      server?.once('error', reject);
      server?.listen(port, '127.0.0.1', resolve);
    });
    const deadline = Date.now() + 20_000;
    let value: string | undefined;
    while (Date.now() < deadline && value === undefined) {
      const data = await api<{ result: { value: [number, string] }[] }>(
        `/api/v1/query?query=${encodeURIComponent(marker)}`,
      );
      value = data.result[0]?.value[1];
      if (value === undefined) await new Promise((r) => setTimeout(r, 500));
    }
    expect(value, `metric ${marker} scraped from ${target}`).toBe('7');
    const targets = await api<{ activeTargets: { scrapeUrl: string; health: string }[] }>(
      '/api/v1/targets?state=active',
    );
    const probe = targets.activeTargets.find((t) => t.scrapeUrl.includes(`:${port}/`));
    expect(probe?.health).toBe('up');
  });
});
