// What both Jaeger contracts (v1 and v3) set up: one storage from the factory, the Jaeger dataset stored in it, and
// the server's app over it, opened once per describe block.
import { afterAll, beforeAll, expect } from 'vitest';
import { createApp, type ServerStorage } from '../../src/index.js';
import { type JaegerDataset, jaegerDataset } from './jaeger-data.js';
import type { StorageFactory } from './storages.js';

/**
 * Registers the describe block's setup and teardown; `ready` gets the stored dataset once it is flushed. Returns the
 * app's request function (usable inside the block's tests).
 */
export function jaegerAppOver(
  factory: StorageFactory,
  traces: number,
  ready: (d: JaegerDataset) => void,
): (path: string, init?: RequestInit) => Promise<Response> {
  let storage: ServerStorage;
  let cleanup: () => Promise<void>;
  let app: ReturnType<typeof createApp>['app'];
  beforeAll(async () => {
    ({ storage, cleanup } = await factory.open());
    app = createApp(storage, { logger: { info() {}, warn() {}, error() {} } }).app;
    const d = jaegerDataset(traces);
    expect(storage.ingestSpans(d.spans).accepted).toBe(d.spans.length);
    await storage.forceFlush();
    ready(d);
  });
  afterAll(() => cleanup());
  return async (path, init) => app.request(path, init);
}
