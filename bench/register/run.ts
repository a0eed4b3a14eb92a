// Overhead of the zero-code path: requests/s of a hello-world node:http server started with
// `--import @rohas/telemetry/register` (spans, span-derived metrics, SQLite store), as a ratio to the same server
// started plain — the raw limit, measured in the same run, in interleaved short slices (see below).
//
//   npm run bench:register -w bench     (ROUNDS=3 blocks, SECONDS=4 of load per variant and block, CONNECTIONS=16)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 4);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const here = import.meta.dirname;
const store = mkdtempSync(join(tmpdir(), 'rohas-bench-register-'));

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
}
const variants: Variant[] = [
  { name: 'plain', args: [], env: {} },
  {
    name: 'register (http + undici)',
    args: ['--import', '@rohas/telemetry/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici' },
  },
  { name: 'register (auto-instrumentations set)', args: ['--import', '@rohas/telemetry/register'], env: {} },
  // Where the cost is: the same http + undici path without the span-derived metrics, and without storing spans.
  {
    name: 'register (http + undici), derive_span_metrics = false',
    args: ['--import', '@rohas/telemetry/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici', ROHAS_TELEMETRY_DERIVE_SPAN_METRICS: 'false' },
  },
  {
    name: 'register (http + undici), enable_traces = false',
    args: ['--import', '@rohas/telemetry/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici', ROHAS_TELEMETRY_ENABLE_TRACES: 'false' },
  },
];

function start(v: Variant, round: number): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...v.env, ROHAS_TELEMETRY_PATH: join(store, `${v.name}-${round}`) };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, [...v.args, join(here, 'hello.mjs')], {
    cwd: here,
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\d+)/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`${v.name} exited with ${code}`)));
  });
}

/** Keep-alive GETs from CONNECTIONS loops for `ms`; returns completed requests per second. */
async function load(port: number, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const until = performance.now() + ms;
  let done = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end();
    });
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < until) {
        await one();
        done++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return done / elapsed;
}

/** CPU seconds a process has used so far, every thread (utime + stime of /proc/PID/stat; Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const BLOCKS = ROUNDS;
const CYCLES = Number(process.env.CYCLES ?? 12); // per block
const SLICE_MS = (SECONDS * 1000) / CYCLES;
// All variants run at once; load goes to one at a time in short slices, round-robin, so a noisy machine's swings fall
// on every variant alike. Each block gives one ratio per variant; the report is the median block and the spread.
const servers: Array<{ child: ChildProcess; port: number }> = [];
const perBlock = new Map<string, number[]>(variants.map((v) => [v.name, []]));
// Requests per CPU-second of the server process: what it would serve on a core of its own. Far steadier than req/s
// when other work competes for the cores.
const perCpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
try {
  for (const v of variants) servers.push(await start(v, 0));
  for (const s of servers) await load(s.port, 1000); // warm-up: JIT, connections, the store's first writes
  for (let block = 0; block < BLOCKS; block++) {
    const rates = variants.map(() => [] as number[]);
    const cpu = variants.map(() => 0);
    const requests = variants.map(() => 0);
    for (let cycle = 0; cycle < CYCLES; cycle++)
      for (let i = 0; i < variants.length; i++) {
        const pid = servers[i]!.child.pid!;
        const c0 = cpuSeconds(pid);
        const rate = await load(servers[i]!.port, SLICE_MS);
        cpu[i]! += cpuSeconds(pid) - c0;
        requests[i]! += (rate * SLICE_MS) / 1000;
        rates[i]!.push(rate);
      }
    for (const [i, v] of variants.entries()) perCpu.get(v.name)!.push(requests[i]! / cpu[i]!);
    const mean = rates.map((r) => r.reduce((a, b) => a + b, 0) / r.length);
    for (const [i, v] of variants.entries()) perBlock.get(v.name)!.push(mean[i]!);
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(store, { recursive: true, force: true });
}
const plain = perBlock.get('plain')!;
console.log(
  `bench/register: hello-world node:http, ${CONNECTIONS} keep-alive connections, ${BLOCKS} blocks of ${CYCLES} x ${SLICE_MS.toFixed(0)} ms slices per variant`,
);
console.log(
  `raw limit (plain server): ${median(plain).toFixed(0)} req/s median block [${plain.map((x) => x.toFixed(0)).join(', ')}]`,
);
const plainCpu = perCpu.get('plain')!;
console.log(
  `raw limit per CPU-second: ${median(plainCpu).toFixed(0)} requests [${plainCpu.map((x) => x.toFixed(0)).join(', ')}]`,
);
for (const v of variants.slice(1)) {
  const ratios = perCpu.get(v.name)!.map((x, b) => x / plainCpu[b]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${v.name}: ${median(ratios).toFixed(2)} of raw per CPU-second (median block; spread ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)})`,
  );
}
console.log('req/s in the same slices (noisier):');
for (const v of variants.slice(1)) {
  const ratios = perBlock.get(v.name)!.map((x, b) => x / plain[b]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${v.name}: ${median(ratios).toFixed(2)} of raw (median block; spread ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)}; blocks ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
}
