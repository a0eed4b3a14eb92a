// What it costs the server's event loop to decode an OTLP body inline vs in a decode thread, by body size: the
// figure behind the receiver's INLINE_MAX_BYTES (packages/server/src/otlp/decode-pool.ts). For each size: the inline
// decode + convert + door checks (the raw cost, all on the loop), and through the decode pool the time until the
// records are back (latency) and the part of it the loop itself was busy (the hop: posting the job, taking the
// records back) — measured as the loop's own CPU time with performance.eventLoopUtilization.
//
//   npm run build -w @rohas/telemetry-server && cd bench && node --conditions=@rohas/source --import tsx server/decode-cost.ts
import { performance } from 'node:perf_hooks';
import { MessageChannel } from 'node:worker_threads';
import { defaultConfig, type SpanRecord } from '@rohas/telemetry';
import { checkRecords, limitsFromConfig } from '@rohas/telemetry/adapter';
import { spanRow } from '../../adapters/sqlite/src/codec.js';
import type { RawBody } from '../../packages/server/src/body.js';
import { decodeAndConvert } from '../../packages/server/src/otlp/decode.js';
import { decodeBody, INLINE_MAX_BYTES } from '../../packages/server/src/otlp/decode-pool.js';
import { encodeTraceRequest } from '../support/otlp.js';
import { percentile, printTable } from '../support/stats.js';
import { span } from './data.js';

const bounds = {
  limits: limitsFromConfig(defaultConfig({ type: 'memory' })),
  maxValues: 1_000_000,
  maxValueBytes: 4 * 1024 * 1024,
};
const ROUNDS = 200;

/** A request of `n` of the server benchmark's spans, one resource (as an SDK sends them). */
function body(n: number): Buffer {
  const resource = span(0).resource;
  const scope = span(0).scope;
  const spans: SpanRecord[] = Array.from({ length: n }, (_, i) => ({ ...span(i), resource, scope }));
  return encodeTraceRequest(spans);
}

function raw(bytes: Buffer): RawBody {
  // A fresh copy each time: the pool transfers (detaches) what it is given.
  return { parts: [new Uint8Array(bytes)], size: bytes.byteLength, contentEncoding: 'identity' };
}

async function main() {
  const rows: Array<[string, string | number, string]> = [];
  // Start the pool's threads before timing.
  const viaThread = { maxDecodedBytes: 1 << 30, inlineMaxBytes: 0 };
  for (let i = 0; i < 20; i++) await decodeBody('traces', 'proto', raw(body(500)), bounds, viaThread);
  for (const n of [1, 5, 20, 100, 500]) {
    const bytes = body(n);
    const inline: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const t = performance.now();
      const r = decodeAndConvert('traces', 'proto', bytes, bounds);
      checkRecords('traces', r.items);
      inline.push(performance.now() - t);
    }
    const latency: number[] = [];
    const busy: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const input = raw(bytes);
      const elu = performance.eventLoopUtilization();
      const t = performance.now();
      // inlineMaxBytes 0: a body of this size is sent to a thread here whatever INLINE_MAX_BYTES says.
      await decodeBody('traces', 'proto', input, bounds, viaThread);
      latency.push(performance.now() - t);
      const used = performance.eventLoopUtilization(elu);
      busy.push(used.active);
    }
    const p50 = (v: number[]) => percentile(v, 0.5);
    rows.push([
      `${n} span(s), ${bytes.byteLength} B: inline p50 (raw limit) | thread latency p50 | loop busy p50`,
      `${p50(inline).toFixed(3)} | ${p50(latency).toFixed(3)} | ${p50(busy).toFixed(3)} ms`,
      `loop busy ÷ inline ${(p50(busy) / p50(inline)).toFixed(2)}`,
    ]);
  }
  printTable(`OTLP decode on the loop vs in a decode thread (INLINE_MAX_BYTES = ${INLINE_MAX_BYTES} B)`, rows);

  // The SQLite write path's share of the loop: encoding span rows here and posting the rows to the write thread
  // (before) vs posting the records and encoding in the thread (now). Posting is the sender's structured clone.
  const { port1, port2 } = new MessageChannel();
  port2.on('message', () => {});
  const records = decodeAndConvert('traces', 'proto', body(500), bounds).items as SpanRecord[];
  const encodeAndPost: number[] = [];
  const postRecords: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    port1.postMessage(records.map(spanRow));
    encodeAndPost.push(performance.now() - t);
    t = performance.now();
    port1.postMessage(records);
    postRecords.push(performance.now() - t);
  }
  port1.close();
  const p50 = (v: number[]) => percentile(v, 0.5);
  printTable('500 spans to the SQLite write thread, event-loop time per batch', [
    ['encode rows here + post the rows (before; raw limit)', `${p50(encodeAndPost).toFixed(3)} ms`, ''],
    [
      'post the records, the write thread encodes (now)',
      `${p50(postRecords).toFixed(3)} ms`,
      (p50(postRecords) / p50(encodeAndPost)).toFixed(2),
    ],
  ]);
  process.exit(0);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
