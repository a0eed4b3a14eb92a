import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consoleLogger } from '@rohas/telemetry';
import { runConformanceSuite } from '@rohas/telemetry-test-suite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdapter } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'rohas-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runConformanceSuite(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'sqlite',
    createAdapter: ({ retention }) =>
      createAdapter({
        options: { type: 'sqlite', path: dir },
        retention,
        signals: ['traces', 'metrics', 'logs'],
        logger: consoleLogger,
        baseDir: dir,
      }),
  },
);
