import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger } from '@rohas/telemetry';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Writes go through the worker thread by default and on the calling thread with write_thread = false: both are held
// to the whole suite.
for (const write_thread of [true, false]) {
  runConformanceSuite(
    { describe, it, expect, beforeAll, afterAll },
    {
      name: `sqlite (${write_thread ? 'write thread' : 'inline writes'})`,
      createAdapter: ({ retention }) =>
        createAdapter({
          options: { type: 'sqlite', path: join(dir, write_thread ? 'thread' : 'inline'), write_thread },
          retention,
          signals: ['traces', 'metrics', 'logs'],
          logger: consoleLogger,
          baseDir: dir,
        }),
      // A new database file per call: the export round trip needs two stores.
      createStore: ({ retention, name }) =>
        createAdapter({
          options: { type: 'sqlite', path: join(dir, name), write_thread },
          retention,
          signals: ['traces', 'metrics', 'logs'],
          logger: consoleLogger,
          baseDir: dir,
        }),
    },
  );
}
