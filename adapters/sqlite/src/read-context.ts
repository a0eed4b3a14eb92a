import {
  type AttributeFilter,
  decodeAttributes,
  foldCase,
  type InstrumentationScope,
  matchesAllFilters,
  type Resource,
} from '@rohas/telemetry/adapter';
import type BetterSqlite3 from 'better-sqlite3';
import { decodeResource, decodeScope, num } from './codec.js';
import { statementCache } from './connection.js';

export type Database = BetterSqlite3.Database;
export type Row = Record<string, unknown>;

/**
 * What every read of the adapter needs from one connection: its prepared statements, the resource and scope rows
 * (immutable once written, so cached by id), and the attribute filters the `rohas_match` SQL function checks. One
 * exists per read connection: the adapter's own, or one in each read thread.
 */
export class ReadContext {
  private readonly resources = new Map<number, Resource>();
  private readonly scopes = new Map<number, InstrumentationScope>();
  private readonly statements: (sql: string) => BetterSqlite3.Statement;
  /** Filters `rohas_match` checks; set for the duration of one synchronous query only. */
  private currentFilters: AttributeFilter[] = [];

  constructor(readonly db: Database) {
    this.statements = statementCache(db);
    db.function('rohas_match', { deterministic: true }, (attributes: unknown, resourceId: unknown) =>
      matchesAllFilters(
        this.currentFilters,
        decodeAttributes(attributes as string),
        this.resource(num(resourceId)).attributes,
      )
        ? 1
        : 0,
    );
    // A log body's text lower-cased as the reference does (SQLite's own lower() folds A–Z only), for ignoreCase.
    db.function('rohas_lower', { deterministic: true }, (text: unknown) =>
      Buffer.from(foldCase(Buffer.isBuffer(text) ? text.toString('utf8') : String(text)), 'utf8'),
    );
  }

  stmt(sql: string): BetterSqlite3.Statement {
    return this.statements(sql);
  }

  /** Runs `fn` with `rohas_match` checking `filters`. */
  withFilters<T>(filters: AttributeFilter[], fn: () => T): T {
    // rohas_match reads resources while a query runs, when the connection cannot run another statement: so every
    // resource it may meet is loaded first (new ones only; a resource row never changes).
    if (filters.length > 0) this.loadResources();
    this.currentFilters = filters;
    try {
      return fn();
    } finally {
      this.currentFilters = [];
    }
  }

  private lastResourceId = 0;

  /** Caches the resource rows written since the last call. */
  loadResources(): void {
    const rows = this.stmt('SELECT id, json FROM resources WHERE id > ? ORDER BY id').all(
      this.lastResourceId,
    ) as Array<{
      id: number;
      json: string;
    }>;
    for (const r of rows) if (!this.resources.has(r.id)) this.resources.set(r.id, decodeResource(r.json));
    if (rows.length) this.lastResourceId = rows[rows.length - 1]!.id;
  }

  resource(id: number): Resource {
    let r = this.resources.get(id);
    if (!r) {
      const row = this.stmt('SELECT json FROM resources WHERE id = ?').get(id) as { json: string } | undefined;
      r = row ? decodeResource(row.json) : { attributes: {} };
      this.resources.set(id, r);
    }
    return r;
  }

  scope(id: number): InstrumentationScope {
    let s = this.scopes.get(id);
    if (!s) {
      const row = this.stmt('SELECT json FROM scopes WHERE id = ?').get(id) as { json: string } | undefined;
      s = row ? decodeScope(row.json) : { name: '' };
      this.scopes.set(id, s);
    }
    return s;
  }

  /** Resource ids whose attributes give `key` a value that the span-attribute index cannot see. */
  resourceIdsWithKey(key: string): number[] {
    const rows = this.stmt('SELECT id, json FROM resources').all() as Array<{ id: number; json: string }>;
    const out: number[] = [];
    for (const r of rows) {
      const res = this.resources.get(r.id) ?? decodeResource(r.json);
      this.resources.set(r.id, res);
      if (key in res.attributes) out.push(r.id);
    }
    return out;
  }
}

/** A WHERE clause under construction: fixed SQL fragments, each with its bound parameters. */
export function conditions() {
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
