// schemas/query-api/openapi.json and the server agree: every $ref resolves, every documented query parameter is
// accepted, and an undocumented one is refused.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type ServerStorage } from '../src/index.js';
import { openMemory } from './support/storages.js';

const read = (name: string) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../../schemas/query-api/${name}`, import.meta.url)), 'utf8'));
const openapi = read('openapi.json');
const responses = read('responses.schema.json');
let storage: ServerStorage;
beforeAll(async () => {
  storage = await openMemory();
});
afterAll(() => storage.shutdown());

describe('OpenAPI document', () => {
  it('references only definitions that exist', () => {
    const refs = JSON.stringify(openapi).match(/responses\.schema\.json#\/definitions\/\w+/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(responses.definitions, ref).toHaveProperty(ref.split('/').pop()!);
  });

  it('documents exactly the query parameters the server accepts', async () => {
    const { app } = createApp(storage, { logger: { info() {}, warn() {}, error() {} } });
    for (const [template, item] of Object.entries<any>(openapi.paths)) {
      if (!item.get) continue; // POST /api/archive/{traceId}: checked in the Jaeger contract
      const path = template.replace('{service}', 'svc').replace('{traceId}', 'ab'.repeat(16));
      for (const p of item.get.parameters ?? []) {
        if (p.in !== 'query') continue;
        const res = await app.request(`${path}?${p.name}=`);
        const text = await res.text();
        expect(text, `${template} ?${p.name}`).not.toMatch(/unknown query parameter/);
      }
      const res = await app.request(`${path}?undocumented=1`);
      // The Jaeger routes ignore parameters they do not use, as Jaeger does (it reads them with Go's FormValue).
      if (template.startsWith('/api/')) expect(await res.text(), template).not.toMatch(/undocumented/);
      else expect(res.status, template).toBe(400);
    }
  });
});
