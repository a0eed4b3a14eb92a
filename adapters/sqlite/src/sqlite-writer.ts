import {
  encodeAnyValue,
  encodeAttributes,
  type InstrumentationScope,
  type LogRecord,
  logBodyText,
  type MetricPoint,
  type Resource,
  type RetentionResult,
  retentionCutoff,
  type SignalRetention,
  serviceNameOf,
} from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { encodeResource, encodeScope } from './codec.js';
import { statementCache } from './connection.js';
import type { SpanRow, WriterResult } from './internal-types.js';
import { Interner } from './interner.js';
import { RollupWriter } from './metric-rollup.js';
import { type RetentionSignal, RetentionSweep } from './retention-steps.js';
import { tracedTx, type WriteTracer } from './write-trace.js';

export type { WriterResult } from './internal-types.js';

type Database = BetterSqlite3.Database;

/**
 * Everything that writes: span, point and log batches (one immediate transaction each) and the retention sweep.
 * It owns the write connection, so it can run in a worker thread while queries run on the caller's thread.
 */
export class SqliteWriter {
  private readonly stmt: (sql: string) => BetterSqlite3.Statement;
  private readonly resourceIds: Interner;
  private readonly scopeIds: Interner;
  private readonly seriesIds = new Map<string, number>();
  private readonly knownNames = new Set<string>();
  private readonly signals: Set<string>;
  /** The metric rollup (metric-rollup.ts), folded in the points' transaction. */
  private readonly rollup: RollupWriter;
  /** The write thread's diagnostic tracer (write-trace.ts), when ROHAS_SQLITE_TRACE_MS is set. */
  tracer: WriteTracer | undefined;

  constructor(
    private readonly db: Database,
    private readonly retentionDays: SignalRetention,
    signals: string[],
  ) {
    this.signals = new Set(signals);
    this.stmt = statementCache(db);
    this.resourceIds = new Interner(this.stmt, 'resources');
    this.scopeIds = new Interner(this.stmt, 'scopes');
    this.rollup = new RollupWriter(db, this.stmt);
    this.rollup.startBackfill();
  }

  private resourceId(r: Resource): number {
    return this.resourceIds.id(r, encodeResource);
  }

  private scopeId(s: InstrumentationScope): number {
    return this.scopeIds.id(s, encodeScope);
  }

  /** Runs a write transaction; ids interned inside it are forgotten if it rolls back. */
  private writeTx(work: () => void): WriterResult {
    const tracer = this.tracer;
    try {
      if (tracer) tracedTx(this.db, tracer, work);
      else this.db.transaction(work).immediate();
      return { ok: true };
    } catch (error) {
      this.resourceIds.clear();
      this.scopeIds.clear();
      this.seriesIds.clear();
      this.knownNames.clear();
      const e = error as Error & { code?: string };
      const retryable =
        e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED' || e.code === 'SQLITE_FULL' || e.code === 'SQLITE_IOERR';
      return { ok: false, message: e.message, ...(e.code ? { code: e.code } : {}), retryable };
    }
  }

  /** Stores span rows ({@link spanRow}); a stored span is replaced by a second statement (last write wins). */
  writeSpanRows(rows: SpanRow[]): WriterResult {
    const insert = this.stmt(
      `INSERT INTO spans (trace_id, span_id, parent_span_id, service, name, kind, start_ns, end_ns, duration_ns, status_code, status_message,
         attributes, events, links, extra, resource_id, scope_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (trace_id, span_id) DO NOTHING`,
    );
    const replace = this.stmt(
      `UPDATE spans SET parent_span_id = ?, service = ?, name = ?, kind = ?, start_ns = ?, end_ns = ?, duration_ns = ?,
         status_code = ?, status_message = ?, attributes = ?, events = ?, links = ?, extra = ?, resource_id = ?, scope_id = ?
       WHERE trace_id = ? AND span_id = ? RETURNING id`,
    );
    const insertTokens = this.stmt('INSERT INTO span_attr_index (rowid, hashes) VALUES (?, ?)');
    const deleteTokens = this.stmt('DELETE FROM span_attr_index WHERE rowid = ?');
    const insertName = this.stmt('INSERT OR IGNORE INTO span_names (service, name) VALUES (?, ?)');
    const storedName = this.stmt('SELECT service, name FROM spans WHERE trace_id = ? AND span_id = ?');
    // A re-written span's old (service, name) leaves listOperations when no other span carries it.
    const dropName = this.stmt(
      'DELETE FROM span_names WHERE service = ? AND name = ? AND NOT EXISTS (SELECT 1 FROM spans WHERE service = ? AND name = ?)',
    );
    return this.writeTx(() => {
      for (const row of rows) {
        const resourceId = this.resourceIds.idOfJson(row[15]);
        const scopeId = this.scopeIds.idOfJson(row[16]);
        const info = insert.run(
          row[0],
          row[1],
          row[2],
          row[3],
          row[4],
          row[5],
          row[6],
          row[7],
          row[8],
          row[9],
          row[10],
          row[11],
          row[12],
          row[13],
          row[14],
          resourceId,
          scopeId,
        );
        let id: number | bigint = info.lastInsertRowid;
        if (info.changes === 0) {
          const was = storedName.get(row[0], row[1]) as { service: string; name: string };
          const values = [row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9], row[10], row[11], row[12]];
          id = (
            replace.get(...values, row[13], row[14], resourceId, scopeId, row[0], row[1]) as { id: number | bigint }
          ).id;
          deleteTokens.run(id);
          if (was.service !== row[3] || was.name !== row[4]) {
            dropName.run(was.service, was.name, was.service, was.name);
            this.knownNames.delete(`${was.service}\u0000${was.name}`);
          }
        }
        if (this.tracer?.current) {
          const t = performance.now();
          insertTokens.run(id, row[17]);
          this.tracer.current.add('of which FTS', performance.now() - t);
        } else insertTokens.run(id, row[17]);
        const nameKey = `${row[3]}\u0000${row[4]}`;
        if (!this.knownNames.has(nameKey)) {
          insertName.run(row[3], row[4]);
          if (this.knownNames.size > 100_000) this.knownNames.clear();
          this.knownNames.add(nameKey);
        }
      }
    });
  }

  private seriesId(p: MetricPoint): number {
    const attributes = encodeAttributes(p.attributes);
    const resourceId = this.resourceId(p.resource);
    const scopeId = this.scopeId(p.scope);
    const key = `${p.name}\u0000${p.type}\u0000${attributes}\u0000${resourceId}\u0000${scopeId}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      this.stmt(
        `INSERT OR IGNORE INTO metric_series (name, description, unit, type, temporality, is_monotonic, service, attributes, resource_id, scope_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        p.name,
        p.description ?? null,
        p.unit ?? null,
        p.type,
        p.temporality,
        p.isMonotonic === undefined ? null : p.isMonotonic ? 1 : 0,
        serviceNameOf(p.resource),
        attributes,
        resourceId,
        scopeId,
      );
      id = (
        this.stmt(
          'SELECT id FROM metric_series WHERE name = ? AND type = ? AND attributes = ? AND resource_id = ? AND scope_id = ?',
        ).get(p.name, p.type, attributes, resourceId, scopeId) as { id: number }
      ).id;
      if (this.seriesIds.size > 200_000) this.seriesIds.clear();
      this.seriesIds.set(key, id);
    }
    return id;
  }

  writePoints(points: MetricPoint[]): WriterResult {
    const insert = this.stmt(
      'INSERT INTO metric_points (series_id, start_ns, time_ns, value, data) VALUES (?, ?, ?, ?, ?)',
    );
    return this.writeTx(() => {
      this.rollup.begin();
      for (const p of points) {
        const data: Record<string, unknown> = {};
        if (p.histogram) data.h = p.histogram;
        if (p.exponentialHistogram) data.e = p.exponentialHistogram;
        if (p.exemplars?.length) {
          data.x = p.exemplars.map((x) => ({
            t: x.timeUnixNano.toString(),
            v: x.value,
            tr: x.traceId,
            sp: x.spanId,
            a: JSON.parse(encodeAttributes(x.filteredAttributes)),
          }));
        }
        let value: number | null = p.value ?? null;
        if (value !== null && !Number.isFinite(value)) {
          data.v = String(value);
          value = null;
        }
        const seriesId = this.seriesId(p);
        const info = insert.run(
          seriesId,
          p.startTimeUnixNano,
          p.timeUnixNano,
          value,
          Object.keys(data).length ? JSON.stringify(data) : null,
        );
        this.rollup.add(seriesId, info.lastInsertRowid, p, p.value ?? null);
      }
      const flushed = performance.now();
      this.rollup.flush();
      this.tracer?.current?.add('of which rollup flush', performance.now() - flushed);
    });
  }

  writeLogs(records: LogRecord[]): WriterResult {
    const insert = this.stmt(
      `INSERT INTO logs (time_ns, observed_ns, severity_number, severity_text, body, body_text, attributes, trace_id, span_id, extra, service, resource_id, scope_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    return this.writeTx(() => {
      for (const l of records) {
        const extra: Record<string, unknown> = {};
        if (l.flags) extra.f = l.flags;
        if (l.droppedAttributesCount) extra.da = l.droppedAttributesCount;
        if (l.eventName) extra.e = l.eventName;
        insert.run(
          l.timeUnixNano,
          l.observedTimeUnixNano,
          l.severityNumber,
          l.severityText ?? null,
          encodeAnyValue(l.body),
          Buffer.from(logBodyText(l.body), 'utf8'),
          encodeAttributes(l.attributes),
          l.traceId ?? null,
          l.spanId ?? null,
          Object.keys(extra).length ? JSON.stringify(extra) : null,
          serviceNameOf(l.resource),
          this.resourceId(l.resource),
          this.scopeId(l.scope),
        );
      }
    });
  }

  /**
   * The retention sweep as small steps (retention-steps.ts): the caller runs `step()` until it returns true and
   * goes back to its event loop between steps, so writes queued meanwhile run between them.
   */
  startRetention(nowNano: bigint, writeWaiting?: () => boolean): RetentionSweep {
    const r = this.retentionDays;
    const cutoffs: Partial<Record<RetentionSignal, bigint>> = {};
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const cut = this.signals.has(signal) ? retentionCutoff(nowNano, r[signal]) : undefined;
      if (cut !== undefined) cutoffs[signal] = cut;
    }
    const sweep = new RetentionSweep(
      this.db,
      this.stmt,
      cutoffs,
      {
        nameDropped: (service, name) => this.knownNames.delete(`${service}\u0000${name}`),
        seriesDropped: () => this.seriesIds.clear(),
        // The rollup's rows wholly before the cutoff's hour are swept as a table (RETENTION_TABLES); this re-folds the
        // hour that holds the cutoff from the points left, once the points before it are gone.
        signalSwept: (signal, cut) => {
          if (signal === 'metrics') this.rollup.afterRetention(cut);
        },
      },
      undefined,
      undefined,
      writeWaiting,
    );
    sweep.tracer = this.tracer;
    return sweep;
  }

  /** Deletes what is older than each stored signal's retention, one step per turn of the event loop. */
  async retention(nowNano: bigint): Promise<RetentionResult> {
    const sweep = this.startRetention(nowNano);
    while (!sweep.step()) await new Promise((resolve) => setImmediate(resolve));
    return sweep.result;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.pragma('optimize');
    } catch {
      // optimize is advisory; closing matters more.
    }
    this.db.close();
  }
}
