import { defineProject } from 'vitest/config';

// The `integration` project: real servers, started once by the globalSetup and handed to tests with
// provide/inject (see README.md). Server start-up is bounded inside the globalSetup itself.
export default defineProject({
  resolve: { conditions: ['@rohas/source'] },
  ssr: { resolve: { conditions: ['@rohas/source'] } },
  test: {
    name: 'integration',
    include: ['test/**/*.test.ts'],
    globalSetup: ['./src/global-setup.ts'],
    // Real servers answer slower than memory; a conformance suite against PGlite is the slowest.
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
