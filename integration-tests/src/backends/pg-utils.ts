import pg from 'pg';

/** Run statements on one short-lived connection, bounded in time; returns the last result's rows. */
export async function pgQuery(
  url: string,
  statements: string[],
  timeoutMs = 10_000,
): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  // A connection error after connect() (server stopped) must not become an unhandled 'error' event.
  client.on('error', () => {});
  await client.connect();
  try {
    let rows: Record<string, unknown>[] = [];
    for (const sql of statements) rows = (await client.query(sql)).rows;
    return rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/** `show server_version`, e.g. `15.18 (Debian 15.18-0+deb12u1)`. */
export async function pgServerVersion(url: string): Promise<string> {
  const rows = await pgQuery(url, ['show server_version']);
  return String(rows[0]?.server_version ?? 'unknown');
}

/** Create the timescaledb extension when missing and return its version, or throw when it cannot be created. */
export async function ensureTimescale(
  url: string,
  timeoutMs = 30_000,
): Promise<{ serverVersion: string; extversion: string }> {
  const rows = await pgQuery(
    url,
    [
      'CREATE EXTENSION IF NOT EXISTS timescaledb',
      "select extversion, current_setting('server_version') as server_version from pg_extension where extname='timescaledb'",
    ],
    timeoutMs,
  );
  const extversion = rows[0]?.extversion;
  if (!extversion) throw new Error('extension timescaledb missing after CREATE EXTENSION');
  return { serverVersion: String(rows[0]?.server_version), extversion: String(extversion) };
}

/** Replace the password in a URL for printing. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
