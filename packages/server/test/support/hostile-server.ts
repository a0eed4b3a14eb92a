// A server over SQLite in its own process, for test/hostile-requests.test.ts: it measures its own event loop
// (perf_hooks.monitorEventLoopDelay) and RSS between a "watch" and a "stop" message on the IPC channel, so the
// figures are the server's alone, not the test runner's (which builds the hostile payloads).
// Usage: node --import tsx --conditions=@rohas/source hostile-server.ts <sqlite file>   (with an IPC channel)
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { defaultConfig, openStorage } from '@rohas/telemetry';
import { startServer } from '../../src/index.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const storage = await openStorage(defaultConfig({ type: 'sqlite', path: process.argv[2]!, retention_days: 0 }), {
  logger: silent,
});
const server = await startServer({
  storage,
  port: 0,
  logger: { info() {}, warn: console.error, error: console.error },
  maxBodyBytes: 64 * 1024 * 1024,
});

const histogram = monitorEventLoopDelay({ resolution: 10 });
let maxRss = 0;
let rssTimer: NodeJS.Timeout | undefined;

process.on('message', async (m: string) => {
  if (m === 'watch') {
    histogram.reset();
    histogram.enable();
    maxRss = process.memoryUsage.rss();
    rssTimer = setInterval(() => {
      maxRss = Math.max(maxRss, process.memoryUsage.rss());
    }, 20);
    process.send!({ watching: true, rssMb: maxRss / 2 ** 20 });
  } else if (m === 'stop') {
    histogram.disable();
    clearInterval(rssTimer);
    maxRss = Math.max(maxRss, process.memoryUsage.rss());
    process.send!({
      maxDelayMs: histogram.max / 1e6,
      p99DelayMs: histogram.percentile(99) / 1e6,
      maxRssMb: maxRss / 2 ** 20,
    });
  } else if (m === 'close') {
    await server.close();
    await storage.shutdown();
    process.send!({ closed: true }, () => process.exit(0));
  }
});
process.send!({ url: server.url, rssMb: process.memoryUsage.rss() / 2 ** 20 });
