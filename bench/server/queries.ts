// Phase 3 of the server benchmark: `clients` concurrent HTTP clients for `seconds` against the server, then the same
// queries one at a time over HTTP and in-process on the adapter (the raw limit: HTTP p50 / direct p50).
import type { TelemetryAdapter } from '@rohas/telemetry';
import { percentile, printTable, ratio } from '../support/stats.js';
import { directKinds, httpKinds, KINDS } from './data.js';

export async function concurrentQueries(
  url: string,
  adapter: TelemetryAdapter,
  o: { clients: number; seconds: number; traceCount: number; stored: number },
): Promise<void> {
  const kinds = httpKinds(o.traceCount);
  const lat = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  const deadline = performance.now() + o.seconds * 1000;
  let failures = 0;
  await Promise.all(
    Array.from({ length: o.clients }, async (_, c) => {
      for (let i = c; performance.now() < deadline; i++) {
        const kind = KINDS[i % KINDS.length]!;
        const started = performance.now();
        const res = await fetch(url + kinds[kind]());
        await res.arrayBuffer();
        if (res.status !== 200) failures++;
        lat.get(kind)!.push(performance.now() - started);
      }
    }),
  );
  // The same HTTP queries one at a time: separates the HTTP/JSON cost from queueing behind other clients.
  const serial = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  for (const kind of KINDS) {
    for (let i = 0; i < 30; i++) {
      const started = performance.now();
      const res = await fetch(url + kinds[kind]());
      await res.arrayBuffer();
      serial.get(kind)!.push(performance.now() - started);
    }
  }
  const directQueries = directKinds(adapter, o.traceCount);
  const direct = new Map<string, number[]>(KINDS.map((k) => [k, []]));
  for (const kind of KINDS) {
    const runs = Math.max(20, Math.min(500, lat.get(kind)!.length));
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await directQueries[kind]();
      direct.get(kind)!.push(performance.now() - started);
    }
  }
  printTable(
    'Query latency, 1 HTTP client at a time (ratio = HTTP p50 / direct p50)',
    KINDS.map((kind) => {
      const h = serial.get(kind)!;
      const d = direct.get(kind)!;
      return [
        `${kind}: HTTP p50 / p99 | direct p50`,
        `${percentile(h, 0.5).toFixed(2)} / ${percentile(h, 0.99).toFixed(2)} ms | ${percentile(d, 0.5).toFixed(2)} ms`,
        ratio(percentile(h, 0.5), percentile(d, 0.5), true),
      ];
    }),
  );
  const allHttp: number[] = [];
  printTable(
    `Query latency, ${o.clients} concurrent HTTP clients over ${o.stored.toLocaleString('en-US')} stored spans (ratio = HTTP p50 / direct p50)`,
    KINDS.map((kind) => {
      const h = lat.get(kind)!;
      const d = direct.get(kind)!;
      allHttp.push(...h);
      return [
        `${kind}: HTTP p50 / p99 (n=${h.length}) | direct p50 / p99`,
        `${percentile(h, 0.5).toFixed(2)} / ${percentile(h, 0.99).toFixed(2)} ms | ${percentile(d, 0.5).toFixed(2)} / ${percentile(d, 0.99).toFixed(2)} ms`,
        ratio(percentile(h, 0.5), percentile(d, 0.5), true),
      ];
    }),
  );
  console.log(
    `  all queries: p50 ${percentile(allHttp, 0.5).toFixed(2)} ms, p99 ${percentile(allHttp, 0.99).toFixed(2)} ms, ${Math.round(allHttp.length / o.seconds)} queries/s, non-200: ${failures}\n`,
  );
}
