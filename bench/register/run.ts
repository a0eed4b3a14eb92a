// Overhead of the zero-code path: requests/s of a hello-world node:http server started with
// `--import @rohas/telemetry/register` (spans, span-derived metrics, SQLite store), as a ratio to the same server
// started plain — the raw limit, measured in the same run. Rounds alternate (plain, register, plain, ...) so load
// from elsewhere on the machine falls on both; the median of each is reported.
//
//   npm run bench:register -w bench     (ROUNDS=3 SECONDS=4 CONNECTIONS=16 by default)
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const results = new Map<string, number[]>(variants.map((v) => [v.name, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of variants) {
      const { child, port } = await start(v, round);
      await load(port, 1000); // warm-up: JIT, connections, the store's first writes
      results.get(v.name)!.push(await load(port, SECONDS * 1000));
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
} finally {
  rmSync(store, { recursive: true, force: true });
}
const raw = median(results.get('plain')!);
console.log(
  `bench/register: hello-world node:http, ${CONNECTIONS} keep-alive connections, ${ROUNDS} x ${SECONDS} s rounds`,
);
console.log(
  `raw limit (plain server): ${raw.toFixed(0)} req/s median [${results
    .get('plain')!
    .map((x) => x.toFixed(0))
    .join(', ')}]`,
);
for (const v of variants.slice(1)) {
  const xs = results.get(v.name)!;
  const ratios = xs.map((x) => x / raw);
  console.log(
    `${v.name}: ${(median(xs) / raw).toFixed(2)} of raw (median; rounds ${ratios.map((r) => r.toFixed(2)).join(', ')})`,
  );
}
