import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@rohas/source'] },
  ssr: { resolve: { conditions: ['@rohas/source'] } },
  test: {
    name: 'workbench',
    include: ['test/**/*.test.ts'],
    // The browser tests build the app, start a real server and drive Chromium: slower than unit tests.
    testTimeout: 60_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
