// Preloaded into `rohas-telemetry serve` by the server benchmark (`node --import` this file): measures the server
// process's own event-loop delay with monitorEventLoopDelay, reset and read by the parent over the IPC channel, so the
// benchmark sees the server's loop without a hook in the server. Does nothing without an IPC channel. The adapter's
// worker threads start without the parent's --import (the SQLite adapter strips it), so only the main loop is measured.
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  process.on('message', (message) => {
    if (message?.loopDelay === 'reset') {
      histogram.reset();
      process.send({ loopDelay: 'reset' });
    } else if (message?.loopDelay === 'read') {
      process.send({
        loopDelay: {
          maxMs: histogram.max / 1e6,
          p99Ms: histogram.percentile(99) / 1e6,
          meanMs: histogram.mean / 1e6,
        },
      });
    }
  });
  // The channel must not keep the server alive after it shuts down.
  process.channel?.unref();
}
