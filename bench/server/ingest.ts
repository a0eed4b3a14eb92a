// Phase 2 of the server benchmark: pre-encoded OTLP/HTTP protobuf bodies sent by `concurrency` clients to a fresh
// `rohas-telemetry serve` until every span is committed (its /telemetry/stats says written = sent).
import {
  postTraces,
  type ServerProcess,
  startServerProcess,
  writeSqliteConfig,
  writtenSpans,
} from '../support/serve.js';

export interface IngestResult {
  server: ServerProcess;
  throttled: number;
  resets: number;
  /** Spans committed when the last 200 came. */
  ackedCommitted: number;
  /** Spans/s answered 200. */
  acceptRate: number;
  /** Spans/s committed (end to end). */
  ingestRate: number;
  /** CPU the server's main thread used per 1,000 spans, until all were committed (Linux; NaN elsewhere). */
  mainCpuMsPer1000: number;
}

export async function ingestThroughServer(
  dir: string,
  ack: 'queued' | 'committed',
  o: { bodies: Uint8Array[]; spans: number; concurrency: number },
): Promise<IngestResult> {
  const server = await startServerProcess(writeSqliteConfig(dir, { extra: `\n[telemetry.server]\nack = "${ack}"\n` }));
  let throttled = 0;
  let resets = 0;
  let next = 0;
  const cpuBefore = (await server.loopDelay()).mainThreadCpuMs ?? Number.NaN;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: o.concurrency }, async () => {
      for (let i = next++; i < o.bodies.length; i = next++) {
        const r = await postTraces(server.url, o.bodies[i]!);
        throttled += r.throttled;
        resets += r.resets;
      }
    }),
  );
  const acceptedMs = performance.now() - started;
  const ackedCommitted = await writtenSpans(server.url);
  for (let waited = 0; (await writtenSpans(server.url)) < o.spans; waited += 20) {
    if (waited > 300_000) throw new Error(`[bench] ${ack}: the server committed fewer spans than sent after 300 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const committedMs = performance.now() - started;
  const cpuAfter = (await server.loopDelay()).mainThreadCpuMs ?? Number.NaN;
  return {
    mainCpuMsPer1000: ((cpuAfter - cpuBefore) / o.spans) * 1000,
    server,
    throttled,
    resets,
    ackedCommitted,
    acceptRate: o.spans / (acceptedMs / 1000),
    ingestRate: o.spans / (committedMs / 1000),
  };
}
