import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger } from '@rohas/telemetry';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-custom-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The third-party adapter is held to the same suite as the built-in ones, against real files.
runConformanceSuite(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'custom (JSON lines)',
    createAdapter: ({ retention }) =>
      createAdapter({
        options: { type: 'custom', custom_dir: 'store' },
        retention,
        signals: ['traces', 'metrics', 'logs'],
        logger: consoleLogger,
        baseDir: dir,
      }),
    // A folder of its own per call: the export round trip needs two stores.
    createStore: ({ retention, name }) =>
      createAdapter({
        options: { type: 'custom', custom_dir: name },
        retention,
        signals: ['traces', 'metrics', 'logs'],
        logger: consoleLogger,
        baseDir: dir,
      }),
  },
);
