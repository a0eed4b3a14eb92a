// How long the caller's event loop is held while span batches go to the SQLite write thread. The server posts a batch
// of up to 2,000 spans (the queue's max_batch_size) to the thread several times a second; cloning it holds the loop.
// Since round 6 a batch goes in parts (adapters/sqlite/src/write-port.ts, POST_PART_ITEMS).
//
//   node --conditions=@rohas/source --import tsx sqlite/post-gaps.ts [--batches 30] [--spans 2000]
//        [--baseline /other/checkout/adapters/sqlite/dist/index.js]     (from bench/)
//
// A probe re-arms setImmediate and records the gap between its turns while the batches are written one after the
// other. The raw limit is the same probe over the same time with no writes (the machine's own floor). `--baseline`
// runs the same batches through another build of the adapter, interleaved with this one, for an A/B.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SpanRecord, TelemetryAdapter } from '@rohas/telemetry';
import { createAdapter } from '@rohas/telemetry-sqlite';
import { makeSpan, newTraceId } from '@rohas/telemetry-test-suite';
import { median } from '../support/stats.js';

const { values: args } = parseArgs({
  options: {
    batches: { type: 'string', default: '30' },
    spans: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    baseline: { type: 'string' },
  },
});
const BATCHES = Number(args.batches);
const SPANS = Number(args.spans);
type Create = typeof createAdapter;
const quiet = { info() {}, warn() {}, error() {}, debug() {} };

async function open(create: Create, dir: string): Promise<TelemetryAdapter> {
  const a = await create({
    options: { type: 'sqlite', path: dir, write_thread: true },
    retention: { traces: 0, metrics: 0, logs: 0 },
    signals: ['traces'],
    logger: quiet,
    baseDir: dir,
  });
  await a.init();
  return a;
}

interface Gaps {
  over4: number;
  longest: number;
  ms: number;
}

/** Runs `work` with the probe going; the gaps between the probe's turns. */
async function probed(work: () => Promise<void>): Promise<Gaps> {
  const gaps: number[] = [];
  let last = performance.now();
  let on = true;
  const tick = () => {
    const now = performance.now();
    gaps.push(now - last);
    last = now;
    if (on) setImmediate(tick);
  };
  const t0 = performance.now();
  setImmediate(tick);
  await work();
  on = false;
  const big = gaps.filter((g) => g > 4);
  return { over4: big.length, longest: Math.max(0, ...big), ms: performance.now() - t0 };
}

function batchesOf(): SpanRecord[][] {
  return Array.from({ length: BATCHES }, () => {
    const traceId = newTraceId();
    return Array.from({ length: SPANS }, (_, i) =>
      makeSpan({
        traceId,
        attributes: {
          'http.route': '/api/items/:id',
          'url.path': `/api/items/${i}`,
          'http.response.status_code': 200,
          i,
        },
      }),
    );
  });
}

async function writeAll(create: Create): Promise<Gaps> {
  const dir = mkdtempSync(join(tmpdir(), 'rohas-bench-post-gaps-'));
  const a = await open(create, dir);
  try {
    // Warm up the thread and the JIT with two batches, then make the batches before the probe starts.
    for (const b of batchesOf().slice(0, 2)) await a.traces!.write(b);
    const batches = batchesOf();
    return await probed(async () => {
      for (const b of batches) {
        const r = await a.traces!.write(b);
        if (!r.ok) throw new Error(`[bench] write failed: ${r.error?.message}`);
      }
    });
  } finally {
    await a.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const baseline = args.baseline
  ? ((await import(resolve(args.baseline))) as { createAdapter: Create }).createAdapter
  : undefined;
const runs: { name: string; create: Create; results: Gaps[] }[] = [
  { name: 'this build', create: createAdapter, results: [] },
  ...(baseline ? [{ name: `baseline ${args.baseline}`, create: baseline, results: [] }] : []),
];
const idle: Gaps[] = [];
for (let round = 0; round < Number(args.rounds); round++) {
  for (const r of runs) r.results.push(await writeAll(r.create));
  // The raw limit: the probe alone, as long as this build's writes took.
  const ms = runs[0]!.results.at(-1)!.ms;
  idle.push(await probed(() => new Promise((res) => setTimeout(res, ms))));
}
const floor = median(idle.map((g) => g.longest));
console.log(
  `bench/sqlite post-gaps: ${BATCHES} batches of ${SPANS} spans to the write thread, ${args.rounds} rounds; the event loop's gaps between turns (median of the rounds)`,
);
console.log(
  `raw limit (no writes, same time): longest gap ${floor.toFixed(1)} ms, gaps > 4 ms: ${median(idle.map((g) => g.over4))}`,
);
for (const r of runs) {
  const longest = median(r.results.map((g) => g.longest));
  console.log(
    `${r.name}: longest gap ${longest.toFixed(1)} ms (${(longest / Math.max(floor, 0.1)).toFixed(1)}x raw), gaps > 4 ms: ${median(r.results.map((g) => g.over4))} per ${BATCHES} batches [${r.results.map((g) => g.over4).join(', ')}]`,
  );
}
