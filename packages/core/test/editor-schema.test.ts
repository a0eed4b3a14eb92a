// The editor-facing schemas/config.schema.json is generated (scripts/config-schema.mjs) from the core's schema and each
// built-in adapter's options.schema.json: it must be up to date, list each adapter's keys, and flag a misspelt one.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script of the repository, without type declarations
import { adapterSchemas, buildEditorSchema, EDITOR_SCHEMA } from '../../../scripts/config-schema.mjs';
import { adapterPackage } from '../src/registry.js';

interface AdapterEntry {
  type: string;
  types: string[];
  pkg: string;
  schema: { properties?: Record<string, unknown> };
}

describe('schemas/config.schema.json (for editors)', () => {
  const text = readFileSync(EDITOR_SCHEMA, 'utf8');
  const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(text));
  const errors = (telemetry: Record<string, unknown>) => {
    validate({ telemetry });
    return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  };

  it('is what scripts/config-schema.mjs writes (run `node scripts/config-schema.mjs` when this fails)', () => {
    expect(text).toBe(buildEditorSchema());
  });

  it('names each built-in type with the package the registry loads for it', () => {
    const adapters = adapterSchemas() as AdapterEntry[];
    expect(adapters.map((a) => a.type)).toEqual(
      expect.arrayContaining(['sqlite', 'timescaledb', 'influxdb', 'prometheus']),
    );
    for (const a of adapters) for (const t of a.types) expect(adapterPackage(t), t).toBe(a.pkg);
  });

  it("accepts each adapter's own keys under its type, and the default type's without one", () => {
    expect(errors({ type: 'sqlite', path: 'x', cache_size_mb: 8, read_threads: 1 })).toEqual([]);
    expect(errors({ cache_size_mb: 8 })).toEqual([]);
    expect(errors({ type: 'influxdb', url: 'http://127.0.0.1:8086', bucket: 'b', max_cache_size: 10 })).toEqual([]);
    expect(errors({ type: 'postgres', connection_string: 'postgres://x', retention_days: 3 })).toEqual([]);
    expect(errors({ type: 'custom', custom_dir: 'anything' })).toEqual([]);
  });

  it('flags a misspelt or foreign key for the named type, and a bad value', () => {
    expect(errors({ type: 'sqlite', cache_sise_mb: 8 }).join('\n')).toMatch(/cache_sise_mb/);
    expect(errors({ cache_sise_mb: 8 }).join('\n')).toMatch(/cache_sise_mb/);
    expect(errors({ type: 'influxdb', cache_size_mb: 8 }).join('\n')).toMatch(/cache_size_mb/);
    expect(errors({ type: 'sqlite', cache_size_mb: 'big' }).join('\n')).toMatch(/cache_size_mb must be number/);
    expect(errors({ traces: { type: 'influxdb', bukcet: 'b' } }).join('\n')).toMatch(/traces.*bukcet/);
  });
});
