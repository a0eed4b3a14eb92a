import { defineConfig } from 'vite';

// The app is served by `rohas-telemetry serve` under /workbench/ (SPA fallback to index.html), so every asset URL is
// absolute under that base. `npm run dev` proxies the query API to a running server (ROHAS_TELEMETRY_URL).
const target = process.env.ROHAS_TELEMETRY_URL ?? 'http://127.0.0.1:4319';

export default defineConfig({
  base: '/workbench/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    target: 'es2022',
    sourcemap: false,
    // One small app: a single JS chunk loads faster than a waterfall of chunks.
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: { '/telemetry': target, '/healthz': target },
  },
});
