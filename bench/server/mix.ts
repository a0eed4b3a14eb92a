// Phase 4 of the server benchmark: the Workbench's mix (getTrace, service search, attribute search, error + duration
// search) with 1 client and then with `clients` clients, each for `seconds` while OTLP ingest of new spans runs at
// `ingestRate` spans/s (from `senders` concurrent senders) and /healthz is probed every 50 ms from a process of its own (healthz-probe.mjs). The figure is queries/s of N clients / 1 client (the issue:
// >= 1.6), with getTrace and /healthz p99 and the server process's worst event-loop delay (loop-delay-preload.mjs).

import { spawn } from 'node:child_process';
import { Agent, get } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ServerProcess } from '../support/serve.js';
import { postTraces } from '../support/serve.js';
import { percentile, printTable, ratio } from '../support/stats.js';
import { encodeRange, httpKinds, KINDS } from './data.js';

interface PhaseResult {
  qps: number;
  all: number[];
  perKind: Map<string, number[]>;
  healthz: number[];
  ingested: number;
  failures: number;
  loop: { maxMs: number; p99Ms: number; gcMs: number; gcMaxMs: number };
  /** The server's main-thread CPU over the phase, ms per second (Linux; NaN elsewhere). */
  mainCpuMsPerS: number;
  /** The server's main-thread GC pauses over the phase, ms per second (over the same time as the CPU figure). */
  gcMsPerS: number;
  /** The worst event-loop delay of this process (the query clients') and of the /healthz probe's, ms. */
  clientLoopMaxMs: number;
  probeLoopMaxMs: number;
}

export async function workbenchMix(
  server: ServerProcess,
  o: {
    clients: number;
    seconds: number;
    ingestRate: number;
    batch: number;
    senders: number;
    traceCount: number;
    ingestFrom: number;
  },
): Promise<void> {
  const kinds = httpKinds(o.traceCount);
  let ingestFrom = o.ingestFrom;
  const phase = async (clients: number): Promise<PhaseResult> => {
    const extra = encodeRange(ingestFrom, Math.ceil((o.ingestRate * o.seconds) / o.batch) * o.batch, o.batch);
    ingestFrom += extra.length * o.batch;
    await server.resetLoopDelay();
    const cpuBefore = (await server.loopDelay()).mainThreadCpuMs ?? Number.NaN;
    const end = performance.now() + o.seconds * 1000;
    const perKind = new Map<string, number[]>(KINDS.map((k) => [k, []]));
    const healthz: number[] = [];
    let sent = 0;
    let failures = 0;
    // `senders` requests in flight at most, each body sent at its due time: a slow answer does not slow the rate.
    let next = 0;
    const began = performance.now();
    const ingest = Promise.all(
      Array.from({ length: o.senders }, async () => {
        for (let i = next++; i < extra.length && performance.now() < end; i = next++) {
          const due = began + ((i * o.batch) / o.ingestRate) * 1000;
          if (due > performance.now()) await new Promise((r) => setTimeout(r, due - performance.now()));
          if (performance.now() >= end) break;
          await postTraces(server.url, extra[i]!);
          sent++;
        }
      }),
    );
    // /healthz from a process of its own (healthz-probe.mjs), so its timings hold the server's delay, not this
    // process's: the query clients and ingest senders keep this loop busy.
    const probe = probeHealthz(server.url, o.seconds);
    const ownLoop = monitorEventLoopDelay({ resolution: 10 });
    ownLoop.enable();
    // node:http with one keep-alive connection per client. The load generator shares the cores with the server and
    // its own loop delay is inside every latency it measures: with fetch (undici) that delay was 32–44 ms at 20
    // clients here, with node:http 24–28 ms, and the server was sent more queries per second (round 6).
    const agent = new Agent({ keepAlive: true, maxSockets: clients });
    await Promise.all(
      Array.from({ length: clients }, async (_, c) => {
        for (let i = c; performance.now() < end; i++) {
          const kind = KINDS[i % KINDS.length]!;
          const started = performance.now();
          const status = await getStatus(server.url + kinds[kind](), agent);
          if (status !== 200) failures++;
          perKind.get(kind)!.push(performance.now() - started);
        }
      }),
    );
    agent.destroy();
    const elapsed = (performance.now() - end + o.seconds * 1000) / 1000;
    ownLoop.disable();
    await ingest;
    const probed = await probe;
    healthz.push(...probed.latencies);
    failures += probed.failures;
    const loop = await server.loopDelay();
    const all = [...perKind.values()].flat();
    const mainCpuMsPerS = ((loop.mainThreadCpuMs ?? Number.NaN) - cpuBefore) / elapsed;
    return {
      qps: all.length / elapsed,
      all,
      perKind,
      healthz,
      ingested: (sent * o.batch) / elapsed,
      failures,
      loop,
      mainCpuMsPerS,
      gcMsPerS: loop.gcMs / elapsed,
      clientLoopMaxMs: ownLoop.max / 1e6,
      probeLoopMaxMs: probed.ownLoopMaxMs,
    };
  };
  const one = await phase(1);
  const many = await phase(o.clients);
  const fmt = (v: number[]) => `${percentile(v, 0.5).toFixed(2)} / ${percentile(v, 0.99).toFixed(2)} ms`;
  const n = o.clients;
  printTable(
    `Workbench mix while ingesting ~${o.ingestRate.toLocaleString('en-US')} spans/s: ${n} clients vs 1 client (ratio = ${n}-client / 1-client queries/s)`,
    [
      ['queries/s, 1 client (raw limit)', one.qps.toFixed(1), ''],
      [`queries/s, ${n} clients (issue: ratio >= 1.6)`, many.qps.toFixed(1), ratio(many.qps, one.qps)],
      ['all queries p50 / p99, 1 client', fmt(one.all), ''],
      [`all queries p50 / p99, ${n} clients`, fmt(many.all), ''],
      ...KINDS.flatMap(
        (k): Array<[string, string, string]> => [
          [
            `${k} p50 / p99, 1 client | ${n} clients${k === 'getTrace' ? ' (issue: p99 < 25 ms)' : ''}`,
            `${fmt(one.perKind.get(k)!)} | ${fmt(many.perKind.get(k)!)}`,
            '',
          ],
        ],
      ),
      [
        `/healthz p50 / p99, 1 client | ${n} clients (issue: p99 < 20 ms)`,
        `${fmt(one.healthz)} | ${fmt(many.healthz)}`,
        '',
      ],
      [
        `server event-loop delay max / p99, 1 client | ${n} clients (issue: max < 50 ms)`,
        `${one.loop.maxMs.toFixed(1)} / ${one.loop.p99Ms.toFixed(1)} | ${many.loop.maxMs.toFixed(1)} / ${many.loop.p99Ms.toFixed(1)} ms`,
        '',
      ],
      [
        `the clients' own loop delay max, 1 client | ${n} clients; the /healthz probe's (part of their latencies)`,
        `${one.clientLoopMaxMs.toFixed(1)} | ${many.clientLoopMaxMs.toFixed(1)} ms; ${one.probeLoopMaxMs.toFixed(1)} | ${many.probeLoopMaxMs.toFixed(1)} ms`,
        '',
      ],
      [
        `server main-thread GC pauses, ms per s and longest, 1 client | ${n} clients`,
        `${one.gcMsPerS.toFixed(0)}, ${one.loop.gcMaxMs.toFixed(1)} | ${many.gcMsPerS.toFixed(0)}, ${many.loop.gcMaxMs.toFixed(1)} ms`,
        '',
      ],
      [
        `server main-thread CPU, ms per s, 1 client | ${n} clients (of 1,000: how busy its event loop was)`,
        `${one.mainCpuMsPerS.toFixed(0)} | ${many.mainCpuMsPerS.toFixed(0)}`,
        '',
      ],
      [
        `spans/s ingested, 1 client | ${n} clients (target ${o.ingestRate})`,
        `${Math.round(one.ingested)} | ${Math.round(many.ingested)}`,
        '',
      ],
      ['non-200 answers, 1 client | N clients', `${one.failures} | ${many.failures}`, ''],
    ],
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const qpsRatio = many.qps / one.qps;
  const getTraceP99 = percentile(many.perKind.get('getTrace')!, 0.99);
  const healthzP99 = percentile(many.healthz, 0.99);
  console.log(
    [
      `  issue 13 targets, ${n} clients, ingest ~${o.ingestRate.toLocaleString('en-US')} spans/s:`,
      `queries/s ${n}:1 = ${qpsRatio.toFixed(2)} (>= 1.6: ${verdict(qpsRatio >= 1.6)});`,
      `getTrace p99 ${getTraceP99.toFixed(1)} ms (< 25: ${verdict(getTraceP99 < 25)});`,
      `/healthz p99 ${healthzP99.toFixed(1)} ms (< 20: ${verdict(healthzP99 < 20)});`,
      `server loop delay max ${many.loop.maxMs.toFixed(1)} ms (< 50: ${verdict(many.loop.maxMs < 50)})\n`,
    ].join(' '),
  );
}

/** GET `url` through `agent`, the body read to its end; the status code (0 for a failed request). */
function getStatus(url: string, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    get(url, { agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    }).on('error', () => resolve(0));
  });
}

/** Runs healthz-probe.mjs against `url` for `seconds`; its latencies, failures and its own worst loop delay. */
function probeHealthz(
  url: string,
  seconds: number,
): Promise<{ latencies: number[]; failures: number; ownLoopMaxMs: number }> {
  const child = spawn(
    process.execPath,
    [new URL('./healthz-probe.mjs', import.meta.url).pathname, url, String(seconds)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`[bench] the /healthz probe exited with ${code}`));
    });
  });
}
