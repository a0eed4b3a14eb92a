import { SpanKind, type SpanRecord, type TelemetryStorage } from '@rohas/telemetry';
import { openStore } from './child.js';

/** Everything a test reads back from a store a child wrote: spans of every trace, and metric and log helpers. */
export interface ReadBack {
  spans: SpanRecord[];
  serverSpans: SpanRecord[];
  /** Latest cumulative value of a counter per value of one attribute. */
  counter(name: string, by: string): Promise<Record<string, number>>;
  storage: TelemetryStorage;
  close(): Promise<void>;
}

const window = () => ({ start: 0n, end: BigInt(Date.now() + 3_600_000) * 1_000_000n });

export async function readBack(path: string): Promise<ReadBack> {
  const storage = await openStore(path);
  const page = await storage.query.findTraces({ limit: 1000 });
  const spans: SpanRecord[] = [];
  for (const t of page.items) spans.push(...((await storage.query.getTrace(t.traceId)) ?? []));
  return {
    spans,
    serverSpans: spans.filter((s) => s.kind === SpanKind.SERVER),
    storage,
    async counter(name, by) {
      // One series per attribute set (a counter is cumulative: its last point is its total), summed per `by` value.
      const series = await storage.query.queryMetrics({ name, ...window(), aggregation: 'max' });
      const out: Record<string, number> = {};
      for (const s of series) out[String(s.labels[by])] = (out[String(s.labels[by])] ?? 0) + s.points.at(-1)!.value;
      return out;
    },
    close: () => storage.shutdown(),
  };
}

/** Sends GET requests one after another; returns the status codes. */
export async function get(port: number, paths: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const p of paths) {
    const r = await fetch(`http://127.0.0.1:${port}${p}`);
    await r.arrayBuffer();
    out.push(r.status);
  }
  return out;
}
