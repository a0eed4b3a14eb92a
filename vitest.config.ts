import { defineConfig } from 'vitest/config';

// One vitest run covers every package; each package is a project so `--project NAME` runs one.
// The `@rohas/source` condition makes workspace packages resolve to their TypeScript sources, so tests need no build.
export default defineConfig({
  resolve: { conditions: ['@rohas/source'] },
  ssr: { resolve: { conditions: ['@rohas/source'] } },
  test: {
    projects: ['packages/*', 'adapters/*', 'integration-tests', 'examples'],
    // The JSON report lets .ci/run print one plain "N passed, N failed" line at the end.
    reporters: ['default', ['json', { outputFile: 'test-output/vitest-report.json' }]],
  },
});
