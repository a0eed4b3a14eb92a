/** Private types shared by the adapter and its two API backends. */

/** One value read back from InfluxDB: tags are strings, integer fields bigint (or number when safe), time bigint ns. */
export type RowValue = string | number | bigint | boolean | null;
export type Row = Record<string, RowValue>;

export type CompareOp = '=' | '>=' | '<=' | '>' | '<';

/** A candidate-row selection that both InfluxQL and Flux can express. All values are bound, never pasted. */
export interface SelectSpec {
  measurement: string;
  /** Columns (fields and tags) to return; absent = all. */
  columns?: string[];
  /** Tag equality; an array means any of the values. Values are already tag-encoded. */
  tags?: Record<string, string | string[]>;
  /** Field comparisons (integer and string fields of the schema). */
  fields?: Array<{ key: string; op: CompareOp; value: string | bigint }>;
  /** Field equal to any of these values. */
  fieldIn?: { key: string; values: string[] };
  /** Window on the point time: `from` inclusive, `to` exclusive, nanoseconds. */
  from?: bigint;
  to?: bigint;
  /**
   * Point-time order and a cap on the number of points (all series merged). The 1.x API applies both on the server;
   * the 2.x API may ignore them, so callers order and cut what comes back themselves (see keyset-walk.ts).
   */
  order?: 'asc' | 'desc';
  limit?: number;
  /**
   * Only the `n` points with the largest (`top`) or smallest (`bottom`) value of the integer field `key` (InfluxQL
   * TOP/BOTTOM, Flux top/bottom), all series merged; the value comes back under `key`. Ties at the n-th value may be
   * cut anywhere. A backend may return more; callers order and cut (keyset-walk.ts).
   */
  selector?: { fn: 'top' | 'bottom'; key: string; n: number };
}

/** What the adapter needs from an API generation. Writes and queries throw; the adapter turns write errors into results. */
export interface Backend {
  readonly api: 1 | 2;
  /** A short description for health and errors, e.g. `InfluxDB 1.6.7 at http://...`. */
  describe(): string;
  init(): Promise<void>;
  /** Writes pre-encoded lines (nanosecond precision). Throws a {@link WriteFailure}. */
  write(lines: string[]): Promise<void>;
  select(spec: SelectSpec): Promise<Row[]>;
  /**
   * Several selections at once, answers in the same order: the 1.x API sends them as one multi-statement request
   * (a page's trace lookups cost a request, not a round trip each); the 2.x API runs them a few at a time.
   */
  selectMany(specs: SelectSpec[]): Promise<Row[][]>;
  /** Distinct values of a tag, optionally where other tags are equal to given (encoded) values. */
  tagValues(measurement: string, key: string, where?: Record<string, string>): Promise<string[]>;
  /** The first (oldest) value of `field` and its time per combination of the `groupTags` values. */
  firstByTag(
    measurement: string,
    field: string,
    groupTags: string[],
  ): Promise<Array<{ tags: Record<string, string>; time: bigint; value: RowValue }>>;
  /** Points before `before`: counts them where the API allows (else undefined), then deletes them. */
  deleteBefore(measurement: string, countField: string, before: bigint): Promise<number | undefined>;
  /** Applies `days` (0 = forever) as server-side retention; returns what was done, for the start-up report. */
  manageRetention(days: number): Promise<string>;
  /** Describes the server-side retention in force, for the start-up report. */
  describeRetention(): Promise<string>;
  /**
   * Creates the named retention policy with `days` (0 = forever) when the server has none of that name, so a config
   * naming one (the Rohas page's `retention_policy = "30d"`) works on a fresh server; returns what was done, if anything.
   */
  ensureRetentionPolicy(days: number): Promise<string | undefined>;
  ping(): Promise<{ ok: boolean; version?: string; message?: string }>;
  close(): Promise<void>;
}

/** A failed write with whether a retry may succeed. */
export class WriteFailure extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'WriteFailure';
  }
}

/** The measurement names in use. */
export interface Measurements {
  spans: string;
  metrics: string;
  logs: string;
  /** Where each trace's spans are: one point per trace and write batch (schema.ts `traceBoundsLines`). */
  traceBounds: string;
}
