import type { ClickHouseClient } from '@clickhouse/client';
import type { DiagnosticLogger } from '@rohas/telemetry/adapter';

/** What the three stores of one adapter share: the client and how table names are written. */
export interface Shared {
  client: ClickHouseClient;
  /** The database, quoted. */
  db: string;
  /** `ON CLUSTER \`name\`` or empty. */
  onCluster: string;
  cluster: string | undefined;
  /** Settings every insert carries (async_insert when asked). */
  insertSettings: Record<string, 0 | 1>;
  logger: DiagnosticLogger;
}

/** One SQL condition with its bound parameters (names are unique per query). */
export interface Condition {
  sql: string;
}
