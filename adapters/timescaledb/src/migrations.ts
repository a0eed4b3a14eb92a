import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { W } from './errors.js';
import type { StorageMode } from './types.js';

/** One versioned migration file: `NNNN_name.sql` (both modes), `NNNN_name.timescaledb.sql`, `NNNN_name.postgres.sql`. */
export interface Migration {
  version: number;
  name: string;
  modes: StorageMode[];
  sql: string;
}

/** Where the SQL files are: the repo's schemas/timescaledb, or a copy shipped inside the package. */
export function migrationsDir(): string {
  const candidates = [
    new URL('../../../schemas/timescaledb/', import.meta.url),
    new URL('../schemas/', import.meta.url),
  ];
  for (const c of candidates) {
    const path = fileURLToPath(c);
    if (existsSync(path)) return path;
  }
  throw new Error(`${W} migration files not found (looked in ${candidates.map((c) => fileURLToPath(c)).join(', ')})`);
}

export async function loadMigrations(dir = migrationsDir()): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => /^\d{4}_[a-z0-9_]+(\.(timescaledb|postgres))?\.sql$/.test(f)).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+?)(?:\.(timescaledb|postgres))?\.sql$/.exec(file)!;
    out.push({
      version: Number(m[1]),
      name: file,
      modes: m[3] ? [m[3] as StorageMode] : ['timescaledb', 'postgres'],
      sql: await readFile(`${dir}/${file}`, 'utf8'),
    });
  }
  const versions = out.map((m) => m.version);
  if (new Set(versions).size !== versions.length)
    throw new Error(`${W} two migration files share a version number in ${dir}`);
  return out;
}

/** A stable 31-bit hash of the schema name, the second key of the migration advisory lock. */
export function lockKey(schema: string): number {
  let h = 0x811c9dc5;
  for (const ch of Buffer.from(schema, 'utf8')) h = Math.imul(h ^ ch, 0x01000193) >>> 0;
  return h & 0x7fffffff;
}
/** First key of the advisory lock: "RTEL". */
export const LOCK_CLASS = 0x5254454c;

export interface MigrateOptions {
  schema: string;
  quotedSchema: string;
  wanted: 'auto' | 'timescaledb' | 'postgres';
  createExtension: boolean;
  log: (message: string, details?: Record<string, unknown>) => void;
  /** Runs under the same lock after migrations, e.g. to set TimescaleDB policies from the options. */
  afterMigrate?: (client: pg.PoolClient, mode: StorageMode) => Promise<void>;
}

async function extensionVersion(client: pg.PoolClient): Promise<string | undefined> {
  const r = await client.query<{ extversion: string }>(
    `SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'`,
  );
  return r.rows[0]?.extversion;
}

/**
 * Decides the storage mode and applies pending migrations, holding a session advisory lock so that processes
 * starting together migrate once. The mode is recorded the first time; later starts keep it.
 */
export async function migrate(
  client: pg.PoolClient,
  o: MigrateOptions,
): Promise<{ mode: StorageMode; timescaleVersion?: string; applied: string[] }> {
  await client.query('SELECT pg_advisory_lock($1::int, $2::int)', [LOCK_CLASS, lockKey(o.schema)]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${o.quotedSchema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${o.quotedSchema}.schema_migrations (
      version int PRIMARY KEY, name text NOT NULL, mode text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${o.quotedSchema}.meta (key text PRIMARY KEY, value text NOT NULL)`);
    const stored = await client.query<{ value: string }>(`SELECT value FROM ${o.quotedSchema}.meta WHERE key = 'mode'`);
    let version = await extensionVersion(client);
    let mode: StorageMode;
    if (stored.rows[0]) {
      mode = stored.rows[0].value as StorageMode;
      if (o.wanted !== 'auto' && o.wanted !== mode) {
        o.log(`schema ${o.schema} was created in ${mode} mode; option mode = ${o.wanted} is ignored`);
      }
    } else {
      if (o.wanted !== 'postgres' && version === undefined && o.createExtension) {
        const available = await client.query(`SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'`);
        if (available.rowCount) {
          try {
            await client.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
            version = await extensionVersion(client);
          } catch (error) {
            o.log(`CREATE EXTENSION timescaledb failed, continuing without it: ${(error as Error).message}`);
          }
        }
      }
      if (o.wanted === 'timescaledb' && version === undefined) {
        throw new Error(
          `${W} mode = "timescaledb" but the timescaledb extension is not installed and could not be created`,
        );
      }
      mode = o.wanted === 'postgres' || version === undefined ? 'postgres' : 'timescaledb';
    }
    if (mode === 'timescaledb' && version === undefined) {
      throw new Error(
        `${W} schema ${o.schema} uses hypertables but the timescaledb extension is not installed in this database`,
      );
    }
    const done = new Set(
      (await client.query<{ version: number }>(`SELECT version FROM ${o.quotedSchema}.schema_migrations`)).rows.map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const m of await loadMigrations()) {
      if (done.has(m.version)) continue;
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL search_path TO ${o.quotedSchema}, public`);
        if (m.modes.includes(mode)) await client.query(m.sql);
        await client.query(
          `INSERT INTO ${o.quotedSchema}.schema_migrations (version, name, mode) VALUES ($1, $2, $3)`,
          [m.version, m.name, mode],
        );
        await client.query(
          `INSERT INTO ${o.quotedSchema}.meta (key, value) VALUES ('mode', $1) ON CONFLICT (key) DO NOTHING`,
          [mode],
        );
        await client.query('COMMIT');
        applied.push(m.name);
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw new Error(`${W} migration ${m.name} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    await o.afterMigrate?.(client, mode);
    return { mode, ...(version ? { timescaleVersion: version } : {}), applied };
  } finally {
    await client.query('SELECT pg_advisory_unlock($1::int, $2::int)', [LOCK_CLASS, lockKey(o.schema)]).catch(() => {});
  }
}
