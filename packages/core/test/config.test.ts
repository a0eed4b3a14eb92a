import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createMemoryAdapter } from '../src/adapter/index.js';
import { ConfigError, loadConfig, registerAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-config-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
function failure(path: string, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(path, { env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('loadConfig did not fail');
}

describe('loadConfig', () => {
  it('accepts every key of the Rohas reference exactly as written', () => {
    const p = file(
      'reference.toml',
      `
[project]
name = "app"   # other sections of rohas.toml are not ours

[telemetry]
type = "sqlite"
path = ".rohas/telemetry"
retention_days = 30
max_cache_size = 1000
enable_metrics = true
enable_logs = true
enable_traces = true
endpoint = "http://localhost:9090"
url = "http://localhost:8086"
database = "rohas"
retention_policy = "30d"
connection_string = "postgresql://user:pass@localhost/rohas"
`,
    );
    const c = loadConfig(p, { env: {} });
    expect(c.type).toBe('sqlite');
    expect(c.retention_days).toBe(30);
    expect(c.max_cache_size).toBe(1000);
    expect(c.retention_policy).toBe('30d');
    expect(c.connection_string).toBe('postgresql://user:pass@localhost/rohas');
    expect(c.baseDir).toBe(dir);
    expect(c.source).toBe(p);
  });

  it('fills defaults when the file has no [telemetry] section', () => {
    const c = loadConfig(file('empty.toml', ''), { env: {} });
    expect(c).toMatchObject({
      type: 'sqlite',
      retention_days: 30,
      max_cache_size: 1000,
      enable_traces: true,
      sampling_ratio: 1,
      max_series_per_metric: 10000,
    });
    expect(c.batch.max_queue_size).toBe(200000);
  });

  it('reads per-signal sections with their own type, options and retention', () => {
    const c = loadConfig(
      file(
        'signals.toml',
        `
[telemetry]
type = "prometheus"
port = 9464
[telemetry.traces]
type = "sqlite"
path = "traces-db"
retention_days = 7
[telemetry.logs]
enabled = false
`,
      ),
      { env: {} },
    );
    expect(c.traces).toEqual({ type: 'sqlite', path: 'traces-db', retention_days: 7 });
    expect(c.logs).toEqual({ enabled: false });
  });

  it('interpolates ${ENV} and ${ENV:-default}', () => {
    const c = loadConfig(
      file(
        'env.toml',
        `
[telemetry]
type = "timescaledb"
connection_string = "postgresql://\${PGUSER}:\${PGPASS:-secret}@localhost/rohas"
`,
      ),
      { env: { PGUSER: 'alice' } },
    );
    expect(c.connection_string).toBe('postgresql://alice:secret@localhost/rohas');
  });

  it('names the key of a missing environment variable', () => {
    const e = failure(file('missing-env.toml', '[telemetry]\nurl = "${NOPE}"\n'));
    expect(e.message).toMatch(/missing-env\.toml: key telemetry\.url uses \$\{NOPE\}/);
  });

  it('applies OTEL_* and ROHAS_TELEMETRY_* overrides with the schema types', () => {
    const c = loadConfig(file('overrides.toml', '[telemetry]\nretention_days = 30\n'), {
      env: {
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=prod,team=pay%20ments',
        ROHAS_TELEMETRY_RETENTION_DAYS: '7',
        ROHAS_TELEMETRY_ENABLE_LOGS: 'false',
        ROHAS_TELEMETRY_TRACES__TYPE: 'memory',
      },
    });
    expect(c.service_name).toBe('checkout');
    expect(c.resource_attributes).toEqual({ 'deployment.environment': 'prod', team: 'pay ments' });
    expect(c.retention_days).toBe(7);
    expect(c.enable_logs).toBe(false);
    expect(c.traces?.type).toBe('memory');
  });

  it('rejects an unknown type, naming file, line, key and the allowed types', () => {
    const e = failure(file('bad-type.toml', '[telemetry]\n\ntype = "mongodb"\n'));
    expect(e.message).toMatch(
      /bad-type\.toml:3: key telemetry\.type is "mongodb"; allowed: .*influxdb.*prometheus.*sqlite.*timescaledb/,
    );
    expect(e.key).toBe('telemetry.type');
  });

  it('explains rocksdb, the Rohas engine default', () => {
    expect(failure(file('rocks.toml', '[telemetry]\ntype = "rocksdb"\n')).message).toMatch(
      /embedded default is sqlite/,
    );
  });

  it('rejects a value of the wrong type', () => {
    const e = failure(file('bad-value.toml', '[telemetry]\nmax_cache_size = "lots"\n'));
    expect(e.message).toMatch(/bad-value\.toml:2: key telemetry\.max_cache_size: must be integer/);
  });

  it('rejects a negative retention', () => {
    const e = failure(file('negative.toml', '[telemetry]\nretention_days = -1\n'));
    expect(e.message).toMatch(
      /negative\.toml:2: key telemetry\.retention_days: must be >= 0 \(Days to keep data; 0 keeps forever/,
    );
  });

  it('rejects an unknown key and lists the allowed ones', () => {
    const e = failure(file('unknown.toml', '[telemetry]\ntype = "sqlite"\nretension_days = 3\n'));
    expect(e.message).toMatch(
      /unknown\.toml:3: key telemetry\.retension_days: unknown key; allowed keys here: .*retention_days/,
    );
  });

  it('rejects an unknown key in a per-signal section', () => {
    const e = failure(file('unknown-signal.toml', '[telemetry.traces]\nkind = "x"\n'));
    expect(e.message).toMatch(/key telemetry\.traces\.kind: unknown key/);
  });

  it('reports broken TOML with line and column', () => {
    const e = failure(file('broken.toml', '[telemetry]\ntype = "sqlite\n'));
    expect(e.message).toMatch(/broken\.toml:2:\d+: not valid TOML/);
    expect(e.cause).toBeDefined();
  });

  it('fails clearly on a missing file', () => {
    expect(failure(join(dir, 'nope.toml')).message).toMatch(/nope\.toml: no such file/);
  });

  it('accepts a type registered before loading', () => {
    registerAdapter('custom-store', (ctx) => createMemoryAdapter(ctx));
    expect(loadConfig(file('custom.toml', '[telemetry]\ntype = "custom-store"\n'), { env: {} }).type).toBe(
      'custom-store',
    );
  });
});

describe('rohas.toml.example', () => {
  it('loads, and shows the defaults loadConfig applies', () => {
    const example = loadConfig(join(import.meta.dirname, '../../../rohas.toml.example'), { env: {} });
    const defaults = loadConfig(file('defaults.toml', ''), { env: {} });
    for (const key of [
      'type',
      'path',
      'retention_days',
      'max_cache_size',
      'enable_traces',
      'enable_metrics',
      'enable_logs',
      'sampling_ratio',
      'metric_export_interval_ms',
      'max_series_per_metric',
      'retention_interval_ms',
      'batch',
    ] as const) {
      if (key === 'path') continue; // the example shows sqlite's default path, which the adapter applies
      expect(example[key], key).toEqual(defaults[key]);
    }
    expect(example.path).toBe('.rohas/telemetry');
  });
});
