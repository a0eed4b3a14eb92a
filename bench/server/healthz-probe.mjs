// The /healthz probe of the server benchmark's phase 4, in a process of its own: GET <url>/healthz every
// <interval> ms for <seconds> s over one keep-alive connection, then one JSON line on stdout: { latencies: [ms...],
// failures, ownLoopMaxMs }. In the benchmark's own process the probe's timings would include that process's event-loop
// delay (20 query clients and 4 ingest senders share it), which is not the server's; ownLoopMaxMs shows what is left
// of that here.
//   node server/healthz-probe.mjs <url> <seconds> [interval-ms=50]
import { Agent, get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const [url, seconds, interval = '50'] = process.argv.slice(2);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const once = () =>
  new Promise((resolve) => {
    const started = performance.now();
    get(`${url}/healthz`, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ ms: performance.now() - started, ok: res.statusCode === 200 }));
    }).on('error', () => resolve({ ms: performance.now() - started, ok: false }));
  });
const latencies = [];
let failures = 0;
const end = performance.now() + Number(seconds) * 1000;
while (performance.now() < end) {
  const r = await once();
  latencies.push(r.ms);
  if (!r.ok) failures++;
  await new Promise((r) => setTimeout(r, Number(interval)));
}
loop.disable();
process.stdout.write(`${JSON.stringify({ latencies, failures, ownLoopMaxMs: loop.max / 1e6 })}\n`);
agent.destroy();
