// Overhead of the zero-code path: a hello-world node:http server started with `--import @rohas/telemetry/register`
// (spans, span-derived metrics, SQLite store), as a ratio to the same server started plain — the raw limit, measured
// in the same run — and to the ceiling of any OpenTelemetry setup here: the OTel NodeSDK with the same
// instrumentations and no-op exporters (nodesdk-noop.mjs).
//
//   npm run bench:register -w bench     (ROUNDS=3 blocks, CYCLES=4 turns per block, COUNT=1500 requests per turn,
//                                         CONNECTIONS=16, WARMUP=10000 requests per server first)
//
// All servers run at once; the load goes to one at a time, a fixed number of requests per turn, round-robin, so the
// swings of a shared machine fall on every variant alike. Two measures per block: requests per CPU-second of the
// server process (every thread's run time from /proc/PID/task/*/schedstat, in ns: what it would serve on a core of
// its own, steadier when other work competes for the cores) and requests per second. The report is the median block
// and the spread of the blocks.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const CYCLES = Number(process.env.CYCLES ?? 4);
const COUNT = Number(process.env.COUNT ?? 1500);
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 16);
const WARMUP = Number(process.env.WARMUP ?? 10_000); // requests per server before measuring: JIT tier-up
const here = import.meta.dirname;
const store = mkdtempSync(join(tmpdir(), 'rohas-bench-register-'));

interface Variant {
  name: string;
  args: string[];
  env: Record<string, string>;
}
const variants: Variant[] = [
  { name: 'plain', args: [], env: {} },
  // The ceiling of any OpenTelemetry setup here: the OTel NodeSDK, the same instrumentations, no-op exporters.
  { name: 'NodeSDK + no-op exporters (ceiling)', args: ['--import', './nodesdk-noop.mjs'], env: {} },
  // The register path's default since round 5: HTTP server spans from the lean `rohas-http-server`
  // (packages/core/src/lean-http-server.ts), client spans from instrumentation-http (outgoing only) and undici.
  {
    name: 'register (lean http server, default)',
    args: ['--import', '@rohas/telemetry/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'rohas-http-server,http,undici' },
  },
  // The same with instrumentation-http making the server spans too (the register path before round 5; A/B).
  {
    name: 'register (instrumentation-http server spans: http,undici)',
    args: ['--import', '@rohas/telemetry/register'],
    env: { OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,undici' },
  },
  { name: 'register (auto-instrumentations set)', args: ['--import', '@rohas/telemetry/register'], env: {} },
  // Where the cost is: the default path without the span-derived metrics, and without storing spans.
  {
    name: 'register (lean), derive_span_metrics = false',
    args: ['--import', '@rohas/telemetry/register'],
    env: {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'rohas-http-server,http,undici',
      ROHAS_TELEMETRY_DERIVE_SPAN_METRICS: 'false',
    },
  },
  {
    name: 'register (lean), enable_traces = false',
    args: ['--import', '@rohas/telemetry/register'],
    env: {
      OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'rohas-http-server,http,undici',
      ROHAS_TELEMETRY_ENABLE_TRACES: 'false',
    },
  },
];
// VARIANTS=0,1,2,3 runs only those (by index; plain is always run): a shorter A/B.
const only = process.env.VARIANTS?.split(',').map(Number);
if (only) {
  const keep = variants.filter((_, i) => i === 0 || only.includes(i));
  variants.splice(0, variants.length, ...keep);
}

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

/** `count` keep-alive GETs from CONNECTIONS loops; returns the wall time they took, seconds. */
async function load(port: number, count: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  let left = count;
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
      while (left-- > 0) await one();
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  return elapsed;
}

/** CPU seconds the process's live threads have run so far (Linux schedstat, ns; tick-free, unlike /proc/PID/stat). */
function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {} // a thread that ended between the listing and the read
  }
  return ns / 1e9;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const BLOCKS = ROUNDS;
const servers: Array<{ child: ChildProcess; port: number }> = [];
const perBlock = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const perCpu = new Map<string, number[]>(variants.map((v) => [v.name, []]));
// Cores each side used during the turns (server: all its threads; load generator: this process), to show which
// side bounds req/s on a machine with few cores.
const serverCores = new Map<string, number[]>(variants.map((v) => [v.name, []]));
const clientCores = new Map<string, number[]>(variants.map((v) => [v.name, []]));
try {
  for (const v of variants) servers.push(await start(v, 0));
  for (const s of servers) await load(s.port, WARMUP);
  for (let block = 0; block < BLOCKS; block++) {
    const cpu = variants.map(() => 0);
    const wall = variants.map(() => 0);
    const client = variants.map(() => 0);
    for (let cycle = 0; cycle < CYCLES; cycle++)
      for (let i = 0; i < variants.length; i++) {
        const pid = servers[i]!.child.pid!;
        const c0 = cpuSeconds(pid);
        const u0 = process.cpuUsage();
        wall[i]! += await load(servers[i]!.port, COUNT);
        const u = process.cpuUsage(u0);
        client[i]! += (u.user + u.system) / 1e6;
        cpu[i]! += cpuSeconds(pid) - c0;
      }
    for (const [i, v] of variants.entries()) {
      perCpu.get(v.name)!.push((COUNT * CYCLES) / cpu[i]!);
      perBlock.get(v.name)!.push((COUNT * CYCLES) / wall[i]!);
      serverCores.get(v.name)!.push(cpu[i]! / wall[i]!);
      clientCores.get(v.name)!.push(client[i]! / wall[i]!);
    }
  }
} finally {
  for (const s of servers) s.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  rmSync(store, { recursive: true, force: true });
}
const plain = perBlock.get('plain')!;
console.log(
  `bench/register: hello-world node:http, ${CONNECTIONS} keep-alive connections, ${BLOCKS} blocks of ${CYCLES} turns x ${COUNT} requests per variant`,
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
console.log('req/s in the same turns (noisier: the load generator shares the cores):');
for (const v of variants.slice(1)) {
  const ratios = perBlock.get(v.name)!.map((x, b) => x / plain[b]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `${v.name}: ${median(ratios).toFixed(2)} of raw (median block; spread ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)}; blocks ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
}
const ceilingVariant = variants.find((v) => v.name.startsWith('NodeSDK'));
if (ceilingVariant) {
  const ceiling = perCpu.get(ceilingVariant.name)!;
  console.log(`against the ceiling (${ceilingVariant.name}), per CPU-second:`);
  for (const v of variants.filter((x) => x.name.startsWith('register'))) {
    const ratios = perCpu.get(v.name)!.map((x, b) => x / ceiling[b]!);
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `${v.name}: ${median(ratios).toFixed(2)} of the ceiling (median block; spread ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)})`,
    );
  }
}
// The A/B of this round, paired block by block: the lean server instrumentation against instrumentation-http's
// server spans, the rest of the register path alike.
const leanName = 'register (lean http server, default)';
const otelName = 'register (instrumentation-http server spans: http,undici)';
if (perCpu.has(leanName) && perCpu.has(otelName)) {
  for (const [label, m] of [
    ['per CPU-second', perCpu],
    ['req/s', perBlock],
  ] as const) {
    const ratios = m.get(leanName)!.map((x, b) => x / m.get(otelName)![b]!);
    const sorted = [...ratios].sort((a, b) => a - b);
    console.log(
      `A/B lean ÷ instrumentation-http server spans, ${label}: ${median(ratios).toFixed(2)} (median block; spread ${sorted[0]!.toFixed(2)}-${sorted.at(-1)!.toFixed(2)})`,
    );
  }
}
console.log('cores used during the turns, median block (server, all threads / load generator):');
for (const v of variants)
  console.log(
    `${v.name}: ${median(serverCores.get(v.name)!).toFixed(2)} / ${median(clientCores.get(v.name)!).toFixed(2)}`,
  );
// Issue 14's target: requests/s of the register path (its default instrumentations, the default store) >= 0.8 of
// the same server uninstrumented, in one run. Every variant gets the verdict; the first register variant is the one
// the issue asks about.
console.log('target (issue 14): >= 0.80 of uninstrumented req/s (per CPU-second alongside):');
for (const v of variants.slice(1)) {
  const rps = median(perBlock.get(v.name)!.map((x, b) => x / plain[b]!));
  const cpu = median(perCpu.get(v.name)!.map((x, b) => x / plainCpu[b]!));
  console.log(
    `  ${v.name}: req/s ${rps.toFixed(2)} of plain -> ${rps >= 0.8 ? 'MET' : 'NOT MET'}; per CPU-second ${cpu.toFixed(2)} of plain -> ${cpu >= 0.8 ? 'MET' : 'NOT MET'}`,
  );
}
const target = variants.find((v) => v.name.startsWith('register'));
if (target) {
  const rps = median(perBlock.get(target.name)!.map((x, b) => x / plain[b]!));
  console.log(
    `target (issue 14) ${target.name} >= 0.80 of uninstrumented req/s: ${rps.toFixed(2)} -> ${rps >= 0.8 ? 'MET' : 'NOT MET'}`,
  );
}
