import { mkdirSync } from 'node:fs';
import { appendFile, open, readFile, rename, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import {
  type AdapterContext,
  type AdapterFactory,
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  type AttributeValue,
  anyValueMap,
  asError,
  compareSpans,
  decodeAnyValue,
  encodeRecordPart,
  eventsCodec,
  exemplarsCodec,
  exponentialHistogramCodec,
  histogramCodec,
  instrumentTypeOf,
  type LogRecord,
  linksCodec,
  type MetricDescriptor,
  type MetricPoint,
  pagePoints,
  pointMatches,
  type RetentionResult,
  rawPointMatches,
  readOptions,
  resourceCodec,
  retentionCutoff,
  type SpanRecord,
  scopeCodec,
  searchLogs,
  searchTraces,
  seriesFromPoints,
  serviceNameOf,
  spanKindOf,
  statusCodeOf,
  type TelemetryAdapter,
  TelemetryError,
  temporalityOf,
  toBigInt,
  type WriteResult,
  where,
} from '@rohas/telemetry/adapter';
import { type CustomOptions, optionsSchema } from './options.js';

const W = where('custom');
type Fields = { [key: string]: AttributeValue };
const text = (v: AttributeValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined);
const count = (v: AttributeValue | undefined): number | undefined => (typeof v === 'number' ? v : undefined);

// One record a line: the typed JSON of encodeRecordPart, read back field by field with the kit's typed codecs.

function spanFrom(m: Fields): SpanRecord {
  const status = anyValueMap(m.status);
  const span: SpanRecord = {
    traceId: text(m.traceId) ?? '',
    spanId: text(m.spanId) ?? '',
    name: text(m.name) ?? '',
    kind: spanKindOf(m.kind),
    startTimeUnixNano: toBigInt(m.startTimeUnixNano),
    endTimeUnixNano: toBigInt(m.endTimeUnixNano),
    status: { code: statusCodeOf(status.code) },
    attributes: anyValueMap(m.attributes),
    events: eventsCodec.fromAnyValue(m.events),
    links: linksCodec.fromAnyValue(m.links),
    resource: resourceCodec.fromAnyValue(m.resource),
    scope: scopeCodec.fromAnyValue(m.scope),
  };
  const message = text(status.message);
  if (message !== undefined) span.status.message = message;
  if (text(m.parentSpanId)) span.parentSpanId = text(m.parentSpanId);
  if (text(m.traceState) !== undefined) span.traceState = text(m.traceState);
  for (const k of ['droppedAttributesCount', 'droppedEventsCount', 'droppedLinksCount', 'flags'] as const) {
    const n = count(m[k]);
    if (n !== undefined) span[k] = n;
  }
  return span;
}

function pointFrom(m: Fields): MetricPoint {
  const p: MetricPoint = {
    name: text(m.name) ?? '',
    type: instrumentTypeOf(m.type),
    temporality: temporalityOf(m.temporality),
    attributes: anyValueMap(m.attributes),
    resource: resourceCodec.fromAnyValue(m.resource),
    scope: scopeCodec.fromAnyValue(m.scope),
    startTimeUnixNano: toBigInt(m.startTimeUnixNano),
    timeUnixNano: toBigInt(m.timeUnixNano),
  };
  if (text(m.description) !== undefined) p.description = text(m.description);
  if (text(m.unit) !== undefined) p.unit = text(m.unit);
  if (typeof m.isMonotonic === 'boolean') p.isMonotonic = m.isMonotonic;
  if (count(m.value) !== undefined) p.value = count(m.value);
  if (m.histogram !== undefined) p.histogram = histogramCodec.fromAnyValue(m.histogram);
  if (m.exponentialHistogram !== undefined)
    p.exponentialHistogram = exponentialHistogramCodec.fromAnyValue(m.exponentialHistogram);
  if (m.exemplars !== undefined) p.exemplars = exemplarsCodec.fromAnyValue(m.exemplars);
  return p;
}

function logFrom(m: Fields): LogRecord {
  const log: LogRecord = {
    timeUnixNano: toBigInt(m.timeUnixNano),
    observedTimeUnixNano: toBigInt(m.observedTimeUnixNano),
    severityNumber: count(m.severityNumber) ?? 0,
    body: m.body ?? null,
    attributes: anyValueMap(m.attributes),
    resource: resourceCodec.fromAnyValue(m.resource),
    scope: scopeCodec.fromAnyValue(m.scope),
  };
  for (const k of ['severityText', 'traceId', 'spanId', 'eventName'] as const) {
    const v = text(m[k]);
    if (v !== undefined) log[k] = v;
  }
  for (const k of ['droppedAttributesCount', 'flags'] as const) {
    const n = count(m[k]);
    if (n !== undefined) log[k] = n;
  }
  return log;
}

/** One JSON-lines file: appends are serialized and synced before a write is acknowledged. */
class LineFile<T> {
  private tail: Promise<unknown> = Promise.resolve();
  constructor(
    readonly file: string,
    private readonly decode: (fields: Fields) => T,
  ) {}

  append(records: readonly object[]): Promise<void> {
    const run = this.tail.then(async () => {
      const handle = await open(this.file, 'a');
      try {
        await handle.appendFile(records.map((r) => `${encodeRecordPart(r)}\n`).join(''));
        await handle.datasync();
      } finally {
        await handle.close();
      }
    });
    this.tail = run.catch(() => {});
    return run;
  }

  async read(): Promise<T[]> {
    await this.tail;
    let body: string;
    try {
      body = await readFile(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out: T[] = [];
    for (const line of body.split('\n')) if (line) out.push(this.decode(anyValueMap(decodeAnyValue(line))));
    return out;
  }

  /** Rewrites the file with only `keep` (a temporary file renamed over it, so a crash leaves one whole file). */
  replace(keep: readonly object[]): Promise<void> {
    const run = this.tail.then(async () => {
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, keep.map((r) => `${encodeRecordPart(r)}\n`).join(''));
      await rename(tmp, this.file);
    });
    this.tail = run.catch(() => {});
    return run;
  }
}

/** Spans keyed by trace and span id, the last line written winning (a re-written span replaces the stored one). */
function latestSpans(spans: SpanRecord[]): Map<string, SpanRecord> {
  const byId = new Map<string, SpanRecord>();
  for (const s of spans) byId.set(`${s.traceId}:${s.spanId}`, s);
  return byId;
}

async function stored<T>(what: () => Promise<T>): Promise<WriteResult> {
  try {
    await what();
    return { ok: true };
  } catch (error) {
    return {
      ok: false,
      error: new TelemetryError(`${W} write failed: ${asError(error).message}`, { cause: error }),
      retryable: true,
    };
  }
}

/** The `custom` adapter: every signal as JSON lines in `custom_dir`; queries use the kit's reference semantics. */
export class FileAdapter implements TelemetryAdapter {
  readonly type = 'custom';
  readonly dir: string;
  private readonly spans: LineFile<SpanRecord>;
  private readonly points: LineFile<MetricPoint>;
  private readonly logLines: LineFile<LogRecord>;
  private readonly options: CustomOptions;

  constructor(private readonly context: AdapterContext) {
    this.options = readOptions<CustomOptions>(context, optionsSchema);
    const d = this.options.custom_dir ?? '.rohas/custom';
    this.dir = isAbsolute(d) ? d : resolve(context.baseDir, d);
    this.spans = new LineFile(join(this.dir, 'spans.jsonl'), spanFrom);
    this.points = new LineFile(join(this.dir, 'metrics.jsonl'), pointFrom);
    this.logLines = new LineFile(join(this.dir, 'logs.jsonl'), logFrom);
  }

  readonly traces: TelemetryAdapter['traces'] = {
    capabilities: {
      attributeOperators: ATTRIBUTE_OPERATORS,
      filters: ['service', 'name', 'duration', 'status', 'time'],
      paging: true,
    },
    write: (batch) => stored(() => this.spans.append(batch)),
    findTraces: async (q) => {
      const byTrace = new Map<string, SpanRecord[]>();
      for (const s of latestSpans(await this.spans.read()).values()) {
        const list = byTrace.get(s.traceId);
        if (list) list.push(s);
        else byTrace.set(s.traceId, [s]);
      }
      return searchTraces(byTrace.values(), q);
    },
    getTrace: async (traceId) => {
      const list = [...latestSpans(await this.spans.read()).values()].filter((s) => s.traceId === traceId);
      return list.length ? list.sort(compareSpans) : null;
    },
    listServices: async () => [...new Set((await this.spans.read()).map((s) => serviceNameOf(s.resource)))].sort(),
    listOperations: async (service) =>
      [
        ...new Set((await this.spans.read()).filter((s) => serviceNameOf(s.resource) === service).map((s) => s.name)),
      ].sort(),
  };

  readonly metrics: TelemetryAdapter['metrics'] = {
    capabilities: {
      aggregations: ALL_AGGREGATIONS,
      attributeOperators: ATTRIBUTE_OPERATORS,
      groupBy: true,
      exemplars: true,
      instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
    },
    write: (batch) => stored(() => this.points.append(batch)),
    queryMetrics: async (q) =>
      seriesFromPoints(
        (await this.points.read()).filter((p) => pointMatches(p, q)),
        q,
      ),
    // Stored points as written, in (time, line number) order: the line number is the tie-breaking key.
    readPoints: async (q) =>
      pagePoints(
        (await this.points.read()).flatMap((point, seq) => (rawPointMatches(point, q) ? [{ seq, point }] : [])),
        q,
      ),
    listMetrics: async () => {
      const seen = new Map<string, MetricDescriptor>();
      for (const p of await this.points.read()) {
        if (seen.has(p.name)) continue;
        seen.set(p.name, {
          name: p.name,
          type: p.type,
          ...(p.description ? { description: p.description } : {}),
          ...(p.unit ? { unit: p.unit } : {}),
        });
      }
      return [...seen.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    },
  };

  readonly logs: TelemetryAdapter['logs'] = {
    capabilities: {
      attributeOperators: ATTRIBUTE_OPERATORS,
      filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
      paging: true,
      // searchLogs applies the reference semantics: text ignoring case by Unicode lower-casing.
      ignoreCase: 'unicode',
    },
    write: (batch) => stored(() => this.logLines.append(batch)),
    // The line number is the write sequence that breaks ties between records of the same time.
    queryLogs: async (q) =>
      searchLogs(
        (await this.logLines.read()).map((record, seq) => ({ seq, record })),
        q,
      ),
  };

  async init(): Promise<void> {
    try {
      mkdirSync(this.dir, { recursive: true });
      await appendFile(join(this.dir, '.rohas-custom'), '');
    } catch (error) {
      throw new TelemetryError(`${W} custom_dir ${this.dir} is not writable: ${asError(error).message}`, {
        cause: error,
      });
    }
  }

  async retention(nowNano: bigint): Promise<RetentionResult> {
    const { retention } = this.context;
    const result: RetentionResult = {};
    const tc = retentionCutoff(nowNano, retention.traces);
    if (tc !== undefined) {
      const all = await this.spans.read();
      const kept = [...latestSpans(all).values()].filter((s) => s.startTimeUnixNano >= tc);
      await this.spans.replace(kept);
      result.traces = latestSpans(all).size - kept.length;
    }
    const mc = retentionCutoff(nowNano, retention.metrics);
    if (mc !== undefined) {
      const all = await this.points.read();
      const kept = all.filter((p) => p.timeUnixNano >= mc);
      await this.points.replace(kept);
      result.metrics = all.length - kept.length;
    }
    const lc = retentionCutoff(nowNano, retention.logs);
    if (lc !== undefined) {
      const all = await this.logLines.read();
      const kept = all.filter((l) => l.timeUnixNano >= lc);
      await this.logLines.replace(kept);
      result.logs = all.length - kept.length;
    }
    return result;
  }

  async health() {
    return { ok: true, message: `custom: JSON lines in ${this.dir}` };
  }

  async close(): Promise<void> {}
}

/** The factory registerAdapter('custom', ...) is given. */
export const createAdapter: AdapterFactory = (context) => new FileAdapter(context);
