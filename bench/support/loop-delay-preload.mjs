// Preloaded into `rohas-telemetry serve` by the server benchmark (`node --import` this file): measures the server
// process's own event-loop delay with monitorEventLoopDelay, reset and read by the parent over the IPC channel, so the
// benchmark sees the server's loop without a hook in the server. Does nothing without an IPC channel. The adapter's
// worker threads start without the parent's --import (the SQLite adapter strips it), so only the main loop is measured.
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/**
 * CPU time used by the main thread alone (not the worker threads), ms, from /proc (Linux; undefined elsewhere): a
 * figure that does not grow when other processes take the cores, unlike the loop's delay.
 */
function mainThreadCpuMs() {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime (fields 14 and 15 of stat(5), counted from the state field = 3), in clock ticks of 10 ms.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

if (process.send) {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  // The main thread's garbage-collection pauses since the last reset (each pause holds the loop).
  let gcMs = 0;
  let gcMaxMs = 0;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcMs += e.duration;
      gcMaxMs = Math.max(gcMaxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (message) => {
    if (message?.loopDelay === 'reset') {
      histogram.reset();
      gcMs = 0;
      gcMaxMs = 0;
      process.send({ loopDelay: 'reset' });
    } else if (message?.loopDelay === 'read') {
      process.send({
        loopDelay: {
          maxMs: histogram.max / 1e6,
          p99Ms: histogram.percentile(99) / 1e6,
          meanMs: histogram.mean / 1e6,
          mainThreadCpuMs: mainThreadCpuMs(),
          gcMs,
          gcMaxMs,
        },
      });
    }
  });
  // The channel must not keep the server alive after it shuts down.
  process.channel?.unref();
}
