import { defineProject } from 'vitest/config';
export default defineProject({
  resolve: { conditions: ['@rohas/source'] },
  ssr: { resolve: { conditions: ['@rohas/source'] } },
  test: { name: 'clickhouse' },
});
