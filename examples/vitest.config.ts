import { defineProject } from 'vitest/config';

// The `examples` project: each example and the zero-code path run as a user runs them, in a child `node` process
// on the built packages (`npm run build` first), with requests sent in and the stored telemetry read back.
export default defineProject({
  resolve: { conditions: ['@rohas/source'] },
  ssr: { resolve: { conditions: ['@rohas/source'] } },
  test: {
    name: 'examples',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
