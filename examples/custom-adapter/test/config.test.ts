import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, createTelemetry, knownAdapterTypes, loadConfig } from '@rohas/telemetry';
import { describe, expect, it } from 'vitest';
import '../src/register.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-custom-config-'));
function file(name: string, toml: string): string {
  const p = join(dir, name);
  writeFileSync(p, toml);
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

describe('a third-party adapter declares its own keys', () => {
  it('registers type = "custom" when its register entry is imported', () => {
    expect(knownAdapterTypes()).toContain('custom');
  });

  it('has custom_dir checked by loadConfig with file, line, key and what is allowed', () => {
    const wrongType = file('wrong-type.toml', '[telemetry]\ntype = "custom"\n\ncustom_dir = 7\n');
    expect(failure(wrongType).message).toBe(
      `[rohas-telemetry] [config] ${wrongType}:4: key telemetry.custom_dir: must be string (Folder of the JSON-lines files, relative to the config file.)`,
    );
    const typo = file('typo.toml', '[telemetry]\ntype = "custom"\ncustom_dri = "x"\n');
    const e = failure(typo);
    expect(e.message).toMatch(
      new RegExp(
        `^\\[rohas-telemetry\\] \\[config\\] ${typo}:3: key telemetry\\.custom_dri: unknown key; .*and for type = "custom": custom_dir$`,
      ),
    );
    expect(e.key).toBe('telemetry.custom_dri');
  });

  it('stores what createTelemetry records in custom_dir, read back through the query API', async () => {
    const p = file('app.toml', '[telemetry]\ntype = "custom"\ncustom_dir = "data"\nservice_name = "shop"\n');
    const telemetry = await createTelemetry(loadConfig(p, { env: {} }), { registerGlobal: false });
    try {
      const span = telemetry.tracer.startSpan('checkout', { attributes: { 'order.items': 3 } });
      span.end();
      await telemetry.forceFlush();
      const page = await telemetry.query.findTraces({ service: 'shop' });
      expect(page.items.map((t) => t.rootSpanName)).toEqual(['checkout']);
      const stored = readFileSync(join(dir, 'data', 'spans.jsonl'), 'utf8');
      expect(stored).toContain('"checkout"');
      expect(stored).toContain('"order.items":3');
    } finally {
      await telemetry.shutdown();
    }
  });
});
