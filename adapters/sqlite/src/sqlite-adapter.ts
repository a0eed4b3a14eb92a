import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  type AdapterContext,
  ALL_AGGREGATIONS,
  ATTRIBUTE_OPERATORS,
  type AttributeFilter,
  type Attributes,
  attributesFromJson,
  decodeAnyValue,
  decodeAttributes,
  decodeCursor,
  encodeCursor,
  type InstrumentationScope,
  type LogCursor,
  type LogRecord,
  type LogStore,
  type MetricDescriptor,
  type MetricPoint,
  type MetricStore,
  matchesAllFilters,
  type NormalizedLogQuery,
  type NormalizedMetricQuery,
  type NormalizedTraceQuery,
  type Page,
  type Resource,
  type RetentionResult,
  readOptions,
  type SpanRecord,
  type SpanSummaryInput,
  STATUS_CODES,
  seriesFromPoints,
  summarizeTrace,
  type TelemetryAdapter,
  TelemetryError,
  type TraceCursor,
  type TraceStore,
  type TraceSummary,
} from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { attributeToken, serviceToken } from './attr-hash.js';
import { big, decodeResource, decodeScope, num } from './codec.js';
import { checkIntegrity, prepareLocation, restrictNewFile } from './integrity.js';
import { optionsSchema } from './options.js';
import { readRawPoints } from './raw-points.js';
import { migrate, openDatabase, SqliteWriter, statementCache } from './sqlite-writer.js';
import type { SqliteOptions } from './types.js';
import { InlineWritePort, ThreadWritePort, type WritePort, workerFile } from './write-port.js';

type Database = BetterSqlite3.Database;
type Row = Record<string, unknown>;

const tag = '[rohas-telemetry] [sqlite]';

/** Rows read per step while walking spans newest-first for findTraces. */
const WALK_CHUNK = 512;
/** Up to this many attribute-index candidates, findTraces reads them all instead of walking the time index. */
const CANDIDATE_LIMIT = 5000;
const MAX_INT64 = 9_223_372_036_854_775_807n;
const MIN_INT64 = -9_223_372_036_854_775_808n;

async function loadDriver(): Promise<typeof BetterSqlite3> {
  try {
    return (await import('better-sqlite3')).default;
  } catch (error) {
    throw new TelemetryError(
      `${tag} the better-sqlite3 package is missing or failed to load (it is a native addon built at install). Run: npm install better-sqlite3`,
      { cause: error },
    );
  }
}

/** Resolves the `path` option to a database file. */
export function databaseFile(options: SqliteOptions, baseDir: string): string {
  const p = options.path ?? '.rohas/telemetry';
  if (p === ':memory:') return p;
  const full = isAbsolute(p) ? p : resolve(baseDir, p);
  return /\.(db|sqlite3?)$/i.test(full) ? full : join(full, 'telemetry.db');
}

/** A WHERE clause under construction: fixed SQL fragments, each with its bound parameters. */
function conditions() {
  const where: string[] = [];
  const params: unknown[] = [];
  return {
    where,
    params,
    add(sql: string, ...values: unknown[]) {
      where.push(sql);
      params.push(...values);
    },
  };
}

/**
 * The SQLite adapter: one database file in WAL mode, prepared statements, one transaction per batch. better-sqlite3
 * is synchronous, so writes run in a worker thread with their own connection (see write-port.ts) and queries run
 * on this thread's connection; WAL lets them proceed side by side.
 */
export class SqliteAdapter implements TelemetryAdapter {
  readonly type = 'sqlite';
  readonly file: string;
  traces?: TraceStore;
  metrics?: MetricStore;
  logs?: LogStore;
  private db!: Database;
  private writer!: WritePort;
  private readonly resources = new Map<number, Resource>();
  private readonly scopes = new Map<number, InstrumentationScope>();
  private statements: ((sql: string) => BetterSqlite3.Statement) | undefined;
  /** Filters the `rohas_match` SQL function checks; set for the duration of one synchronous query. */
  private currentFilters: AttributeFilter[] = [];

  private readonly options: SqliteOptions;

  constructor(private readonly context: AdapterContext) {
    this.options = readOptions<SqliteOptions>(context, optionsSchema);
    this.file = databaseFile(this.options, context.baseDir);
    const signals = new Set(context.signals);
    if (signals.has('traces')) this.traces = this.traceStore();
    if (signals.has('metrics')) this.metrics = this.metricStore();
    if (signals.has('logs')) this.logs = this.logStore();
  }

  async init(): Promise<void> {
    const Driver = await loadDriver();
    const location = prepareLocation(this.file);
    const options = this.options;
    const cacheMb = options.cache_size_mb ?? 64;
    this.db = openDatabase(Driver, this.file, cacheMb);
    restrictNewFile(this.file, location.created);
    const probeMs = checkIntegrity(this.db, this.file);
    if (probeMs < 0) this.context.logger.info(`${tag} ${this.file}: over 256 MiB, start-up integrity probe skipped`);
    else if (probeMs > 1000)
      this.context.logger.info(`${tag} ${this.file}: integrity probe took ${Math.round(probeMs)} ms`);
    this.db.function('rohas_match', { deterministic: true }, (attributes: unknown, resourceId: unknown) =>
      matchesAllFilters(
        this.currentFilters,
        decodeAttributes(attributes as string),
        this.resource(num(resourceId)).attributes,
      )
        ? 1
        : 0,
    );
    const applied = migrate(this.db);
    if (applied.length) this.context.logger.info(`${tag} ${this.file}: applied migration(s) ${applied.join(', ')}`);
    const inline = () => new InlineWritePort(new SqliteWriter(this.db, this.context.retention, this.context.signals));
    const worker = workerFile();
    // A :memory: database lives in one connection only, so it is written where it is read.
    if (options.write_thread === false || this.file === ':memory:' || !worker) {
      this.writer = inline();
      return;
    }
    const port = new ThreadWritePort(
      worker,
      { file: this.file, cacheMb, retention: this.context.retention, signals: this.context.signals },
      this.context.logger,
    );
    try {
      await port.start();
      this.writer = port;
    } catch (error) {
      this.context.logger.warn(`${(error as Error).message}; writing on the calling thread instead`);
      this.writer = inline();
    }
  }

  private stmt(sql: string): BetterSqlite3.Statement {
    this.statements ??= statementCache(this.db);
    return this.statements(sql);
  }

  private resource(id: number): Resource {
    let r = this.resources.get(id);
    if (!r) {
      const row = this.stmt('SELECT json FROM resources WHERE id = ?').get(id) as { json: string } | undefined;
      r = row ? decodeResource(row.json) : { attributes: {} };
      this.resources.set(id, r);
    }
    return r;
  }

  private scope(id: number): InstrumentationScope {
    let s = this.scopes.get(id);
    if (!s) {
      const row = this.stmt('SELECT json FROM scopes WHERE id = ?').get(id) as { json: string } | undefined;
      s = row ? decodeScope(row.json) : { name: '' };
      this.scopes.set(id, s);
    }
    return s;
  }

  /** Resource ids whose attributes give `filter.key` a value that the span-attribute index cannot see. */
  private resourceIdsWithKey(key: string): number[] {
    const rows = this.stmt('SELECT id, json FROM resources').all() as Array<{ id: number; json: string }>;
    const out: number[] = [];
    for (const r of rows) {
      const res = this.resources.get(r.id) ?? decodeResource(r.json);
      this.resources.set(r.id, res);
      if (key in res.attributes) out.push(r.id);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------------------------
  private traceStore(): TraceStore {
    return {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['service', 'name', 'duration', 'status', 'time'],
        paging: true,
      },
      write: (spans) => this.writer.write('spans', spans),
      findTraces: async (q) => this.findTraces(q),
      getTrace: async (traceId) => {
        const rows = this.stmt('SELECT * FROM spans WHERE trace_id = ? ORDER BY start_ns, span_id')
          .safeIntegers(true)
          .all(traceId) as Row[];
        return rows.length ? rows.map((r) => this.spanFromRow(r)) : null;
      },
      listServices: async () =>
        this.stmt('SELECT DISTINCT service FROM span_names ORDER BY service').pluck().all() as string[],
      listOperations: async (service) =>
        this.stmt('SELECT name FROM span_names WHERE service = ? ORDER BY name').pluck().all(service) as string[],
    };
  }

  private spanFromRow(r: Row): SpanRecord {
    const span: SpanRecord = {
      traceId: r.trace_id as string,
      spanId: r.span_id as string,
      name: r.name as string,
      kind: num(r.kind) as SpanRecord['kind'],
      startTimeUnixNano: big(r.start_ns),
      endTimeUnixNano: big(r.end_ns),
      status:
        r.status_message != null
          ? { code: num(r.status_code) as 0, message: r.status_message as string }
          : { code: num(r.status_code) as 0 },
      attributes: decodeAttributes(r.attributes as string),
      events: r.events
        ? (JSON.parse(r.events as string) as Array<{ n: string; t: string; a: unknown; d?: number }>).map((e) => ({
            name: e.n,
            timeUnixNano: BigInt(e.t),
            attributes: attributesFromJson(e.a),
            ...(e.d ? { droppedAttributesCount: e.d } : {}),
          }))
        : [],
      links: r.links
        ? (JSON.parse(r.links as string) as Array<{ tr: string; sp: string; ts?: string; a: unknown; d?: number }>).map(
            (l) => ({
              traceId: l.tr,
              spanId: l.sp,
              ...(l.ts ? { traceState: l.ts } : {}),
              attributes: attributesFromJson(l.a),
              ...(l.d ? { droppedAttributesCount: l.d } : {}),
            }),
          )
        : [],
      resource: this.resource(num(r.resource_id)),
      scope: this.scope(num(r.scope_id)),
    };
    if (r.parent_span_id) span.parentSpanId = r.parent_span_id as string;
    if (r.extra) {
      const x = JSON.parse(r.extra as string) as { ts?: string; f?: number; da?: number; de?: number; dl?: number };
      if (x.ts) span.traceState = x.ts;
      if (x.f) span.flags = x.f;
      if (x.da) span.droppedAttributesCount = x.da;
      if (x.de) span.droppedEventsCount = x.de;
      if (x.dl) span.droppedLinksCount = x.dl;
    }
    return span;
  }

  /** SQL conditions (and their parameters) for every span-level condition of a trace query. */
  private spanConditions(q: NormalizedTraceQuery): { where: string[]; params: unknown[]; candidates?: number[] } {
    const { where, params, add } = conditions();
    if (q.service !== undefined) add('s.service = ?', q.service);
    if (q.name !== undefined) add('s.name = ?', q.name);
    if (q.start !== undefined) add('s.start_ns >= ?', q.start);
    if (q.end !== undefined) add('s.start_ns < ?', q.end);
    if (q.minDurationNano !== undefined) add('s.duration_ns >= ?', q.minDurationNano);
    if (q.maxDurationNano !== undefined) add('s.duration_ns <= ?', q.maxDurationNano);
    if (q.status !== undefined) add('s.status_code = ?', STATUS_CODES[q.status]);
    // Equality conditions whose key no resource carries are answered by the attribute index: their tokens (and the
    // service's) form one FTS5 AND query, so the index intersects them. A key some resource carries may take its
    // value from there, which the index cannot see; such a condition gets its own candidate list or resource ids.
    const tokens: string[] = [];
    for (const f of q.attributes) {
      if (f.op !== '=') continue;
      const token = attributeToken(f.key, f.value!);
      if (token === undefined) continue;
      const resourceIds = this.resourceIdsWithKey(f.key);
      if (resourceIds.length === 0) {
        tokens.push(token);
        continue;
      }
      const ids = this.indexCandidates([token]);
      if (ids) {
        add(
          '(s.id IN (SELECT value FROM json_each(?)) OR s.resource_id IN (SELECT value FROM json_each(?)))',
          JSON.stringify(ids),
          JSON.stringify(resourceIds),
        );
      }
    }
    let candidates: number[] | undefined;
    if (tokens.length > 0) {
      if (q.service !== undefined) tokens.push(serviceToken(q.service));
      candidates = this.indexCandidates(tokens);
      if (candidates) add('s.id IN (SELECT value FROM json_each(?))', JSON.stringify(candidates));
    }
    if (q.attributes.length > 0) where.push('rohas_match(s.attributes, s.resource_id) = 1');
    return { where, params, ...(candidates ? { candidates } : {}) };
  }

  /**
   * Span row ids whose index document has every token, or undefined when there are more than CANDIDATE_LIMIT: a
   * common value would cost more to list than the newest-first walk (checked by rohas_match) takes to find matches.
   */
  private indexCandidates(tokens: string[]): number[] | undefined {
    // Tokens are [0-9a-z] made here from hashes, never caller text; quoted as FTS5 strings all the same.
    const query = tokens.map((t) => `"${t}"`).join(' AND ');
    const ids = this.stmt('SELECT rowid FROM span_attr_index WHERE span_attr_index MATCH ? LIMIT ?')
      .pluck()
      .all(query, CANDIDATE_LIMIT + 1) as number[];
    return ids.length > CANDIDATE_LIMIT ? undefined : ids;
  }

  private findTraces(q: NormalizedTraceQuery): Page<TraceSummary> {
    const after = q.cursor ? decodeCursor<TraceCursor>(q.cursor) : undefined;
    const { where, params, candidates } = this.spanConditions(q);
    const cond = where.length ? `${where.join(' AND ')} AND ` : '';
    // Few candidates from the attribute index: read them all by rowid and sort (the unary + keeps SQLite from
    // walking the time index instead). Many: walk the time index newest first and stop at the page size.
    const fromCandidates = candidates !== undefined;
    const order = fromCandidates
      ? '+s.start_ns DESC, s.trace_id DESC, s.id DESC'
      : 's.start_ns DESC, s.trace_id DESC, s.id DESC';
    // Keyset walk: (start, trace id, row id) descending. The plain `start_ns <= ?` lets SQLite use the time index
    // as a range; the row-value comparison makes the position exact.
    const walk = this.stmt(
      `SELECT s.id, s.trace_id, s.start_ns FROM spans s WHERE ${cond} s.start_ns <= ? AND (s.start_ns, s.trace_id, s.id) < (?, ?, ?)
       ORDER BY ${order} LIMIT ${fromCandidates ? -1 : WALK_CHUNK}`,
    ).safeIntegers(true);
    const seenAbove = this.stmt(
      `SELECT 1 FROM spans s WHERE ${cond} s.trace_id = ? AND (s.start_ns > ? OR (s.start_ns = ? AND s.trace_id >= ?)) LIMIT 1`,
    );
    const found: Array<{ t: bigint; id: string }> = [];
    const taken = new Set<string>();
    // From a cursor, start strictly below every span at the cursor's (t, id); otherwise above everything.
    let pos: [bigint, string, bigint] = after ? [after.t, after.id, MIN_INT64] : [MAX_INT64, 'g', MAX_INT64];
    this.currentFilters = q.attributes;
    try {
      while (found.length <= q.limit) {
        const rows = walk.all(...params, pos[0], ...pos) as Array<{ id: bigint; trace_id: string; start_ns: bigint }>;
        for (const r of rows) {
          if (taken.has(r.trace_id)) continue;
          taken.add(r.trace_id);
          // A trace with a matching span above the cursor was on an earlier page.
          if (after && seenAbove.get(...params, r.trace_id, after.t, after.t, after.id)) continue;
          found.push({ t: r.start_ns, id: r.trace_id });
          if (found.length > q.limit) break;
        }
        if (fromCandidates || rows.length < WALK_CHUNK) break;
        const last = rows[rows.length - 1]!;
        pos = [last.start_ns, last.trace_id, last.id];
      }
    } finally {
      this.currentFilters = [];
    }
    const page = found.slice(0, q.limit);
    const items = page.map((f) => this.summary(f.id));
    const lastItem = page[page.length - 1];
    return {
      items,
      ...(found.length > q.limit && lastItem
        ? { nextCursor: encodeCursor({ t: lastItem.t, id: lastItem.id } satisfies TraceCursor) }
        : {}),
    };
  }

  private summary(traceId: string): TraceSummary {
    const rows = this.stmt(
      'SELECT span_id, parent_span_id, service, name, start_ns, end_ns, status_code FROM spans WHERE trace_id = ?',
    )
      .safeIntegers(true)
      .all(traceId) as Row[];
    return summarizeTrace(
      rows.map(
        (r): SpanSummaryInput => ({
          traceId,
          spanId: r.span_id as string,
          ...(r.parent_span_id ? { parentSpanId: r.parent_span_id as string } : {}),
          name: r.name as string,
          startTimeUnixNano: r.start_ns as bigint,
          endTimeUnixNano: r.end_ns as bigint,
          status: { code: num(r.status_code) },
          resource: { attributes: { 'service.name': r.service as string } },
        }),
      ),
    );
  }

  // -------------------------------------------------------------------------------------------------------------------
  private metricStore(): MetricStore {
    return {
      capabilities: {
        aggregations: ALL_AGGREGATIONS,
        attributeOperators: ATTRIBUTE_OPERATORS,
        groupBy: true,
        exemplars: true,
        instrumentTypes: ['counter', 'up_down_counter', 'gauge', 'histogram', 'exponential_histogram'],
      },
      write: (points) => this.writer.write('points', points),
      queryMetrics: async (q) => this.queryMetrics(q),
      readPoints: async (q) =>
        readRawPoints(
          { stmt: (sql) => this.stmt(sql), resource: (id) => this.resource(id), scope: (id) => this.scope(id) },
          q,
        ),
      listMetrics: async () => {
        const rows = this.stmt(
          'SELECT name, description, unit, type FROM metric_series WHERE id IN (SELECT MIN(id) FROM metric_series GROUP BY name) ORDER BY name',
        ).all() as Array<{ name: string; description: string | null; unit: string | null; type: string }>;
        return rows.map((r) => {
          const d: MetricDescriptor = { name: r.name, type: r.type as MetricDescriptor['type'] };
          if (r.description) d.description = r.description;
          if (r.unit) d.unit = r.unit;
          return d;
        });
      },
    };
  }

  private queryMetrics(
    q: NormalizedMetricQuery,
  ): ReturnType<MetricStore['queryMetrics']> extends Promise<infer T> ? T : never {
    const seriesRows = (
      q.service === undefined
        ? this.stmt('SELECT id, name, unit, type, attributes, resource_id FROM metric_series WHERE name = ?').all(
            q.name,
          )
        : this.stmt(
            'SELECT id, name, unit, type, attributes, resource_id FROM metric_series WHERE name = ? AND service = ?',
          ).all(q.name, q.service)
    ) as Array<{
      id: number;
      name: string;
      unit: string | null;
      type: string;
      attributes: string;
      resource_id: number;
    }>;
    const series = new Map<number, { attributes: Attributes; row: (typeof seriesRows)[number] }>();
    for (const row of seriesRows) {
      const attributes = decodeAttributes(row.attributes);
      if (matchesAllFilters(q.attributes, attributes, this.resource(row.resource_id).attributes))
        series.set(row.id, { attributes, row });
    }
    if (series.size === 0) return [];
    const rows = this.stmt(
      `SELECT series_id, time_ns, value, data FROM metric_points
       WHERE series_id IN (SELECT value FROM json_each(?)) AND time_ns >= ? AND time_ns < ? ORDER BY time_ns, id`,
    )
      .safeIntegers(true)
      .all(JSON.stringify([...series.keys()]), q.start, q.end) as Row[];
    const points: MetricPoint[] = rows.map((r) => {
      const s = series.get(num(r.series_id))!;
      const p = {
        name: s.row.name,
        type: s.row.type,
        attributes: s.attributes,
        timeUnixNano: r.time_ns as bigint,
        ...(s.row.unit ? { unit: s.row.unit } : {}),
      } as MetricPoint;
      const data = r.data ? (JSON.parse(r.data as string) as { h?: MetricPoint['histogram']; v?: string }) : undefined;
      if (data?.h) p.histogram = data.h;
      else p.value = data?.v !== undefined ? Number(data.v) : (r.value as number);
      return p;
    });
    return seriesFromPoints(points, q);
  }

  // -------------------------------------------------------------------------------------------------------------------
  private logStore(): LogStore {
    return {
      capabilities: {
        attributeOperators: ATTRIBUTE_OPERATORS,
        filters: ['severity', 'text', 'traceId', 'spanId', 'service', 'time'],
        paging: true,
      },
      write: (records) => this.writer.write('logs', records),
      queryLogs: async (q) => this.queryLogs(q),
    };
  }

  private queryLogs(q: NormalizedLogQuery): Page<LogRecord> {
    const { where, params, add } = conditions();
    if (q.start !== undefined) add('time_ns >= ?', q.start);
    if (q.end !== undefined) add('time_ns < ?', q.end);
    if (q.minSeverity !== undefined) add('severity_number >= ?', q.minSeverity);
    if (q.text !== undefined) add('instr(body_text, ?) > 0', Buffer.from(q.text, 'utf8'));
    if (q.traceId !== undefined) add('trace_id = ?', q.traceId);
    if (q.spanId !== undefined) add('span_id = ?', q.spanId);
    if (q.service !== undefined) add('service = ?', q.service);
    if (q.attributes.length) where.push('rohas_match(attributes, resource_id) = 1');
    const desc = q.order === 'desc';
    if (q.cursor) {
      const c = decodeCursor<LogCursor>(q.cursor);
      where.push(desc ? '(time_ns, id) < (?, ?)' : '(time_ns, id) > (?, ?)');
      params.push(c.t, BigInt(c.s));
    }
    const dir = desc ? 'DESC' : 'ASC';
    const sql = `SELECT * FROM logs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY time_ns ${dir}, id ${dir} LIMIT ?`;
    this.currentFilters = q.attributes;
    let rows: Row[];
    try {
      rows = this.stmt(sql)
        .safeIntegers(true)
        .all(...params, q.limit + 1) as Row[];
    } finally {
      this.currentFilters = [];
    }
    const page = rows.slice(0, q.limit);
    const items = page.map((r) => this.logFromRow(r));
    const last = page[page.length - 1];
    return {
      items,
      ...(rows.length > q.limit && last
        ? { nextCursor: encodeCursor({ t: last.time_ns as bigint, s: String(last.id) } satisfies LogCursor) }
        : {}),
    };
  }

  private logFromRow(r: Row): LogRecord {
    const log: LogRecord = {
      timeUnixNano: r.time_ns as bigint,
      observedTimeUnixNano: r.observed_ns as bigint,
      severityNumber: num(r.severity_number),
      body: decodeAnyValue(r.body as string),
      attributes: decodeAttributes(r.attributes as string),
      resource: this.resource(num(r.resource_id)),
      scope: this.scope(num(r.scope_id)),
    };
    if (r.severity_text != null) log.severityText = r.severity_text as string;
    if (r.trace_id) log.traceId = r.trace_id as string;
    if (r.span_id) log.spanId = r.span_id as string;
    if (r.extra) {
      const x = JSON.parse(r.extra as string) as { f?: number; da?: number; e?: string };
      if (x.f) log.flags = x.f;
      if (x.da) log.droppedAttributesCount = x.da;
      if (x.e) log.eventName = x.e;
    }
    return log;
  }

  // -------------------------------------------------------------------------------------------------------------------
  retention(nowNano: bigint): Promise<RetentionResult> {
    return this.writer.retention(nowNano);
  }

  async health() {
    try {
      const version = this.db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
      return {
        ok: true,
        message: `sqlite ${version.v} at ${this.file}`,
        details: { file: this.file, sqliteVersion: version.v, writes: this.writer?.kind },
      };
    } catch (error) {
      return { ok: false, message: `sqlite at ${this.file}: ${(error as Error).message}` };
    }
  }

  async close(): Promise<void> {
    await this.writer?.close();
    if (!this.db?.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // optimize is advisory; closing matters more.
    }
    this.db.close();
  }

  /** The underlying better-sqlite3 connection, for tools and benchmarks. */
  get connection(): Database {
    return this.db;
  }
}
