import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { LogRecord, MetricPoint, SpanRecord } from './core-types.js';
import { readTraces } from './jaeger/bulk-read.js';
import { logsFromRequest, metricsFromRequest, OtlpFormatError, spansFromRequest } from './otlp/convert.js';
import { logsToOtlpJson, metricsToOtlpJson, spansToOtlpJson } from './otlp/encode.js';
import type { ServerStorage } from './types.js';

/*
 * Moving stored telemetry: read a time window through the query API of any adapter (export, copy) and write OTLP/JSON
 * lines or ingest into another storage (import, copy). The line format is the one the OpenTelemetry Collector's file
 * exporter writes: one ExportTraceServiceRequest / ExportMetricsServiceRequest / ExportLogsServiceRequest per line.
 */

export type SignalName = 'traces' | 'metrics' | 'logs';

export type Batch =
  | { signal: 'traces'; items: SpanRecord[] }
  | { signal: 'metrics'; items: MetricPoint[] }
  | { signal: 'logs'; items: LogRecord[] };

export interface WindowOptions {
  start: bigint;
  end: bigint;
  signals: SignalName[];
  /** Bucket width for metrics (see readWindow); default 60 s. */
  metricStepNano?: bigint;
  warn?: (message: string) => void;
}

const PAGE = 1000;

/**
 * Reads a window of stored telemetry in batches.
 * - traces: every trace with a span starting in the window, whole (all stored spans), through findTraces + getTrace.
 * - logs: every record in the window, oldest first.
 * - metrics: every stored point in the window as written (readPoints), where the backend can read them back raw;
 *   otherwise resampled through queryMetrics (see resampledPoints).
 */
export async function* readWindow(storage: ServerStorage, options: WindowOptions): AsyncGenerator<Batch> {
  const q = storage.query;
  if (options.signals.includes('traces')) {
    let cursor: string | undefined;
    do {
      const page = await q.findTraces({ start: options.start, end: options.end, limit: PAGE, cursor });
      const spans: SpanRecord[] = [];
      // The page's traces are read CHUNK at a time, all reads of a chunk in flight together, in page order.
      for (const { spans: trace } of await readTraces(
        q,
        page.items.map((t) => t.traceId),
      ))
        if (trace) spans.push(...trace);
      if (spans.length > 0) yield { signal: 'traces', items: spans };
      cursor = page.nextCursor;
    } while (cursor);
  }
  if (options.signals.includes('logs')) {
    let cursor: string | undefined;
    do {
      const page = await q.queryLogs({ start: options.start, end: options.end, limit: PAGE, order: 'asc', cursor });
      if (page.items.length > 0) yield { signal: 'logs', items: page.items };
      cursor = page.nextCursor;
    } while (cursor);
  }
  if (options.signals.includes('metrics')) {
    if (await readsRawPoints(storage)) yield* rawPoints(storage, options);
    else yield* resampledPoints(storage, options);
  }
}

/** Whether the metric backend can give back stored points as they are (every storing adapter; not a pull one). */
async function readsRawPoints(storage: ServerStorage): Promise<boolean> {
  if (!storage.query.readPoints) return false;
  try {
    await storage.query.readPoints({ limit: 1 });
    return true;
  } catch (error) {
    if ((error as Error).name === 'QueryError') return false;
    throw error;
  }
}

/** Every stored point in the window, as written: temporality, buckets, exemplars, resource and scope. */
async function* rawPoints(storage: ServerStorage, options: WindowOptions): AsyncGenerator<Batch> {
  let cursor: string | undefined;
  do {
    const page = await storage.query.readPoints!({ start: options.start, end: options.end, limit: PAGE, cursor });
    if (page.items.length > 0) yield { signal: 'metrics', items: page.items };
    cursor = page.nextCursor;
  } while (cursor);
}

/**
 * The fallback for a backend that cannot read raw points back (a pull backend read through a Prometheus server):
 * one point per series and `metricStepNano` bucket (the bucket's last value; for counters, the cumulative value at
 * the bucket's end), without resource attributes; histograms cannot be rebuilt from series and are skipped with a
 * warning.
 */
async function* resampledPoints(storage: ServerStorage, options: WindowOptions): AsyncGenerator<Batch> {
  const q = storage.query;
  const step = options.metricStepNano ?? 60_000_000_000n;
  const skipped: string[] = [];
  for (const metric of await q.listMetrics()) {
    if (metric.type === 'histogram' || metric.type === 'exponential_histogram') {
      skipped.push(metric.name);
      continue;
    }
    // Windows of at most 10,000 buckets each: the core refuses more per query.
    const span = step * 10_000n;
    const points: MetricPoint[] = [];
    for (let from = options.start; from < options.end; from += span) {
      const to = from + span < options.end ? from + span : options.end;
      const series = await q.queryMetrics({
        name: metric.name,
        start: from,
        end: to,
        stepNano: step,
        aggregation: 'last',
      });
      for (const s of series) {
        for (const p of s.points) {
          const point: MetricPoint = {
            name: metric.name,
            type: metric.type,
            temporality: metric.type === 'gauge' ? 'unspecified' : 'cumulative',
            attributes: s.labels,
            resource: { attributes: {} },
            scope: { name: 'rohas-telemetry-export' },
            startTimeUnixNano: p.timeUnixNano,
            timeUnixNano: p.timeUnixNano,
            value: p.value,
          };
          if (metric.type === 'counter' || metric.type === 'up_down_counter')
            point.isMonotonic = metric.type === 'counter';
          if (metric.description) point.description = metric.description;
          if (metric.unit) point.unit = metric.unit;
          points.push(point);
        }
      }
    }
    if (points.length > 0) yield { signal: 'metrics', items: points };
  }
  if (skipped.length > 0) {
    options.warn?.(
      `histogram metrics cannot be read back as raw points from this backend and were skipped: ${skipped.join(', ')}`,
    );
  }
}

/** One OTLP/JSON line for a batch. */
export function batchToOtlpLine(batch: Batch): string {
  const body =
    batch.signal === 'traces'
      ? spansToOtlpJson(batch.items)
      : batch.signal === 'metrics'
        ? metricsToOtlpJson(batch.items)
        : logsToOtlpJson(batch.items);
  return JSON.stringify(body);
}

/** Parses one OTLP/JSON line (an Export*ServiceRequest of any signal, or a file exporter's line) into batches. */
export function batchesFromOtlpLine(line: string, where: string): Batch[] {
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch (error) {
    throw new OtlpFormatError(where, `not JSON: ${(error as Error).message}`);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    throw new OtlpFormatError(where, 'a line must be a JSON object');
  const out: Batch[] = [];
  const m = message as Record<string, unknown>;
  let known = false;
  for (const [key, signal] of [
    ['resourceSpans', 'traces'],
    ['resourceMetrics', 'metrics'],
    ['resourceLogs', 'logs'],
  ] as const) {
    if (!(key in m)) continue;
    known = true;
    const converted =
      signal === 'traces'
        ? spansFromRequest({ [key]: m[key] })
        : signal === 'metrics'
          ? metricsFromRequest({ [key]: m[key] })
          : logsFromRequest({ [key]: m[key] });
    if (converted.rejected > 0)
      throw new OtlpFormatError(where, `${converted.rejected} item(s) refused: ${converted.errors.join('; ')}`);
    if (converted.items.length > 0) out.push({ signal, items: converted.items } as Batch);
  }
  if (!known) throw new OtlpFormatError(where, 'a line must hold resourceSpans, resourceMetrics or resourceLogs');
  return out;
}

/**
 * Reads OTLP/JSON lines from a file or a stream (blank lines are skipped). `onBytes` hears how many bytes were read
 * so far, for progress.
 */
export async function* readOtlpFile(
  source: string | NodeJS.ReadableStream,
  name = typeof source === 'string' ? source : 'stdin',
  onBytes?: (bytes: number) => void,
): AsyncGenerator<Batch> {
  const lines = createInterface({
    input: typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source,
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let n = 0;
  let bytes = 0;
  for await (const line of lines) {
    n++;
    bytes += Buffer.byteLength(line) + 1;
    onBytes?.(bytes);
    if (line.trim() === '') continue;
    yield* batchesFromOtlpLine(line, `${name}:${n}`);
  }
}

const CHUNK = 2000;

/**
 * Ingests a batch into a storage, waiting and retrying while its queue is full (an offline tool should never drop),
 * then counts what the storage refused for other reasons.
 */
export async function ingestBatch(
  storage: ServerStorage,
  batch: Batch,
): Promise<{ written: number; refused: number; reason?: string }> {
  let written = 0;
  let refused = 0;
  let reason: string | undefined;
  for (let i = 0; i < batch.items.length; i += CHUNK) {
    let chunk = batch.items.slice(i, i + CHUNK);
    for (let attempt = 0; chunk.length > 0; attempt++) {
      const r =
        batch.signal === 'traces'
          ? storage.ingestSpans(chunk as SpanRecord[], { rejectWhenFull: true })
          : batch.signal === 'metrics'
            ? storage.ingestMetrics(chunk as MetricPoint[], { rejectWhenFull: true })
            : storage.ingestLogs(chunk as LogRecord[], { rejectWhenFull: true });
      written += r.accepted;
      if (r.reason === 'queue_full' && attempt < 600) {
        // The accepted items are the first ones; wait for the queue to drain and offer the rest again.
        chunk = chunk.slice(r.accepted);
        await storage.forceFlush();
        await new Promise((res) => setTimeout(res, Math.min(r.retryAfterMs ?? 100, 1000)));
        continue;
      }
      refused += r.rejected;
      if (r.reason) reason = r.reason;
      break;
    }
  }
  return { written, refused, reason };
}
