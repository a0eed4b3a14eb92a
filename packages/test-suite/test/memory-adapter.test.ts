import { createMemoryAdapter } from '@rohas/telemetry/adapter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConformanceSuite } from '../src/index.js';

// The suite proves itself against the in-memory reference adapter.
runConformanceSuite(
  { describe, it, expect, beforeAll, afterAll },
  {
    name: 'memory',
    createAdapter: ({ retention }) => createMemoryAdapter({ retention }),
    // Each memory adapter is a store of its own.
    createStore: ({ retention }) => createMemoryAdapter({ retention }),
  },
);
