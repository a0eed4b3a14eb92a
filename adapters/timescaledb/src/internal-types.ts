import type { DiagnosticLogger } from '@rohas/telemetry/adapter';
import type pg from 'pg';
import type { StorageMode } from './types.js';

/** What every store of one adapter shares. */
export interface Shared {
  pool: pg.Pool;
  /** The quoted schema name, ready to prefix table names. */
  schema: string;
  mode: StorageMode;
  ingest: 'copy' | 'unnest';
  useContinuousAggregate: boolean;
  logger: DiagnosticLogger;
  /** Counters shown by health(), and used by tests to prove which query path ran. */
  stats: {
    continuousAggregateQueries: number;
    rawMetricQueries: number;
    /** Reads of each continuous aggregate level by queryMetrics (one query may read several). */
    aggregateLevelReads: { '1h': number; '5m': number; '1m': number };
  };
}

/** A SQL condition and whether rows passing it still need the exact check in JavaScript. */
export interface SqlFilter {
  sql: string;
  /** True when SQL can only narrow (regex, or strings that hold escaped characters): rows are re-checked in JS. */
  needsJs: boolean;
}
