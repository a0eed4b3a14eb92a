import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, openStorage } from '@rohas/telemetry';
import type BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { defaults, optionsSchema, SqliteAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-options-'));
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

async function cacheSizeOf(toml: string): Promise<number> {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(p, toml);
  const storage = await openStorage(loadConfig(p, { env: {} }), { logger: quiet });
  try {
    const adapter = storage.adapterFor('traces');
    expect(adapter).toBeInstanceOf(SqliteAdapter);
    const db = (adapter as unknown as { db: BetterSqlite3.Database }).db;
    return db.pragma('cache_size', { simple: true }) as number;
  } finally {
    await storage.shutdown();
  }
}

describe('sqlite options', () => {
  it('exports its options schema and defaults beside createAdapter', () => {
    expect(Object.keys(optionsSchema.properties).sort()).toEqual(['cache_size_mb', 'path', 'write_thread']);
    expect(defaults).toEqual({ path: '.rohas/telemetry', cache_size_mb: 64, write_thread: true });
  });

  it('applies cache_size_mb to the connection (PRAGMA cache_size), default 64 MiB', async () => {
    expect(await cacheSizeOf(`[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'a')}"\n`)).toBe(-64 * 1024);
    expect(await cacheSizeOf(`[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'b')}"\ncache_size_mb = 16\n`)).toBe(
      -16 * 1024,
    );
  });

  it('applies cache_size_mb written in the deprecated [telemetry.options] table too', async () => {
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const size = await cacheSizeOf(
        `[telemetry]\ntype = "sqlite"\npath = "${join(dir, 'c')}"\n[telemetry.options]\ncache_size_mb = 8\n`,
      );
      expect(size).toBe(-8 * 1024);
      expect(String(stderr.mock.calls[0]?.[0])).toMatch(/\[telemetry\.options\] is deprecated/);
    } finally {
      stderr.mockRestore();
    }
  });
});
