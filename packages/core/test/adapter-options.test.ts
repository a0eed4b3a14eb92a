import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryAdapter, type OptionsSchema, readOptions } from '../src/adapter/index.js';
import { ConfigError, loadConfig, registerAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-adapter-options-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function failure(path: string): ConfigError {
  try {
    loadConfig(path, { env: {} });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not fail');
}

const vaultSchema: OptionsSchema = {
  type: 'object',
  properties: {
    vault_dir: { type: 'string', minLength: 1, description: 'Where the vault keeps its files.' },
    shards: { type: 'integer', minimum: 1, default: 4, description: 'Files per signal.' },
  },
  required: ['vault_dir'],
};
registerAdapter('vault', (ctx) => createMemoryAdapter(ctx), { optionsSchema: vaultSchema });

afterEach(() => vi.restoreAllMocks());

describe('adapter-owned options in loadConfig', () => {
  it("checks a built-in adapter's key against its package's schema, naming file, line and key", () => {
    const p = file('sqlite-bad.toml', '[telemetry]\ntype = "sqlite"\n\ncache_size_mb = "big"\n');
    const e = failure(p);
    expect(e.message).toBe(
      `[rohas-telemetry] [config] ${p}:4: key telemetry.cache_size_mb: must be number (SQLite page cache per connection in MiB (PRAGMA cache_size).)`,
    );
    expect(e.key).toBe('telemetry.cache_size_mb');
  });

  it("refuses a key that neither the core nor the section's adapter names, listing both", () => {
    const p = file(
      'signal-bad.toml',
      '[telemetry]\ntype = "sqlite"\n\n[telemetry.traces]\ntype = "influxdb"\nurl = "http://127.0.0.1:8086"\nbukcet = "x"\n',
    );
    const e = failure(p);
    expect(e.message).toMatch(
      new RegExp(
        `^\\[rohas-telemetry\\] \\[config\\] ${p}:7: key telemetry\\.traces\\.bukcet: unknown key; allowed keys here: .*enabled.*, and for type = "influxdb": .*bucket.*token`,
      ),
    );
  });

  it("checks a key of a section without its own type against the top-level type's schema", () => {
    const p = file('inherit.toml', '[telemetry]\ntype = "timescaledb"\n\n[telemetry.logs]\npool_size = 0\n');
    expect(failure(p).message).toMatch(/:5: key telemetry\.logs\.pool_size: must be >= 1/);
  });

  it('accepts the keys of a registered adapter and checks them with its schema', () => {
    const ok = loadConfig(file('vault.toml', '[telemetry]\ntype = "vault"\nvault_dir = "v"\n'), { env: {} });
    expect(ok.vault_dir).toBe('v');
    const e = failure(file('vault-bad.toml', '[telemetry]\ntype = "vault"\nvault_dir = "v"\nshards = 0\n'));
    expect(e.message).toMatch(/vault-bad\.toml:4: key telemetry\.shards: must be >= 1 \(Files per signal\.\)/);
    expect(failure(file('vault-x.toml', '[telemetry]\ntype = "vault"\nvault = 1\n')).message).toMatch(
      /:3: key telemetry\.vault: unknown key; .*and for type = "vault": shards, vault_dir/,
    );
  });

  it('folds the deprecated [telemetry.options] table into the section, with a warning on stderr', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const p = file('options.toml', '[telemetry]\ntype = "sqlite"\n\n[telemetry.options]\ncache_size_mb = 16\n');
    const c = loadConfig(p, { env: {} });
    expect(c.cache_size_mb).toBe(16);
    expect(c.options).toBeUndefined();
    expect(String(write.mock.calls[0]?.[0])).toMatch(
      new RegExp(
        `^\\[rohas-telemetry\\] \\[config\\] ${p}:4: \\[telemetry.options\\] is deprecated; write its keys \\(cache_size_mb\\) in \\[telemetry\\] itself`,
      ),
    );
    const bad = file('options-bad.toml', '[telemetry]\ntype = "sqlite"\n[telemetry.options]\ncache_size = 16\n');
    expect(failure(bad).message).toMatch(/key telemetry\.cache_size: unknown key/);
  });

  it('coerces an environment override of an adapter key to the type its schema wants', () => {
    const c = loadConfig(file('env.toml', '[telemetry]\ntype = "sqlite"\n'), {
      env: { ROHAS_TELEMETRY_CACHE_SIZE_MB: '32', ROHAS_TELEMETRY_WRITE_THREAD: 'false' },
    });
    expect(c.cache_size_mb).toBe(32);
    expect(c.write_thread).toBe(false);
  });
});

describe('readOptions', () => {
  const context = (options: Record<string, unknown>) => ({
    options: { type: 'vault', ...options },
    source: 'app.toml',
  });

  it('returns the typed options with the defaults filled in', () => {
    const o = readOptions<{ vault_dir: string; shards: number }>(context({ vault_dir: 'v' }), vaultSchema);
    expect(o).toEqual({ type: 'vault', vault_dir: 'v', shards: 4 });
  });

  it('refuses bad options built in code with an error naming the adapter, file and key', () => {
    expect(() => readOptions(context({ shards: 2 }), vaultSchema)).toThrow(
      '[rohas-telemetry] [vault] app.toml: key vault_dir: is required (Where the vault keeps its files.)',
    );
    expect(() => readOptions(context({ vault_dir: 'v', size: 1 }), vaultSchema)).toThrow(
      /\[vault\] app\.toml: key size: unknown key; type = "vault" takes shards, vault_dir/,
    );
  });
});
