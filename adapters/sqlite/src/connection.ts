import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TelemetryError, where } from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';

/** A SQLite connection as the adapter opens it: settings, migrations, prepared statements. */
type Database = BetterSqlite3.Database;

const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
const tag = where('sqlite');

/** Opens a connection with the settings every connection of the adapter uses. */
export function openDatabase(Driver: typeof BetterSqlite3, file: string, cacheMb: number, readonly = false): Database {
  let db: Database;
  try {
    db = new Driver(file, { readonly, fileMustExist: readonly });
  } catch (error) {
    throw new TelemetryError(`${tag} cannot open ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (readonly) {
    // A read connection of a database the adapter has already opened in WAL mode: it only waits and caches.
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
    db.pragma('temp_store = MEMORY');
    // Reads through a memory map (up to SQLite's 2 GB cap): a long metric window reads ~130 MB of rollup rows spread
    // over the file, about twice as fast mapped as through read() calls (bench/volume/metrics-window.ts).
    db.pragma('mmap_size = 2147418112');
    return db;
  }
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a committed transaction survives a process crash (only power loss can take the last ones).
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${Math.round(cacheMb * 1024)}`);
  db.pragma('temp_store = MEMORY');
  return db;
}

/** Applies every migration in `migrations/` not yet recorded, each in one immediate transaction. */
export function migrate(db: Database): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const files = readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d+-.*\.sql$/.test(f))
    .sort();
  const applied: number[] = [];
  for (const file of files) {
    const version = Number.parseInt(file, 10);
    // IMMEDIATE takes the write lock first, so two processes starting at once apply each migration once.
    const run = db.transaction(() => {
      if (db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(version)) return false;
      db.exec(readFileSync(join(MIGRATIONS_DIR, file), 'utf8'));
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        version,
        file,
        new Date().toISOString(),
      );
      return true;
    });
    if (run.immediate()) applied.push(version);
  }
  return applied;
}

/** Prepares each distinct SQL text once per connection. */
export function statementCache(db: Database): (sql: string) => BetterSqlite3.Statement {
  const stmts = new Map<string, BetterSqlite3.Statement>();
  return (sql) => {
    let s = stmts.get(sql);
    if (!s) {
      s = db.prepare(sql);
      stmts.set(sql, s);
    }
    return s;
  };
}
