import type { Shared } from './internal-types.js';

/** `db`.`table`: what reads and writes name (the Distributed table in cluster mode). */
export const table = (sh: Shared, name: string): string => `${sh.db}.${quoteIdent(name)}`;

/** The table holding the rows: `<name>_local` in cluster mode (DDL, deletes), else the table itself. */
export const localTable = (sh: Shared, name: string): string =>
  `${sh.db}.${quoteIdent(sh.cluster ? `${name}_local` : name)}`;

export function quoteIdent(name: string): string {
  return `\`${name.replace(/\\/g, '\\\\').replace(/`/g, '\\`')}\``;
}

const EPOCH_OFFSET = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
let lastStamp = 0n;
/**
 * Nanoseconds since the epoch, strictly increasing in this process: the version of a span write (last write wins)
 * and the store order of metric points. Processes agree as far as their clocks do.
 */
export function nextStamp(): bigint {
  const now = EPOCH_OFFSET + process.hrtime.bigint();
  lastStamp = now > lastStamp ? now : lastStamp + 1n;
  return lastStamp;
}

/** Bound parameters of one query: `add(value, type)` returns the `{pN:Type}` placeholder. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private n = 0;
  add(value: unknown, type: string): string {
    const name = `p${this.n++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

/** Runs a SELECT and returns its rows (64-bit integers as strings; inf, -inf, nan as quoted text). */
export async function rows<T>(sh: Shared, query: string, params?: Params): Promise<T[]> {
  const rs = await sh.client.query({
    query,
    format: 'JSONEachRow',
    ...(params ? { query_params: params.values } : {}),
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, output_format_json_quote_denormals: 1 },
  });
  return rs.json<T>();
}

/** Inserts rows with JSONEachRow (times and 64-bit integers as decimal strings, so they stay exact). */
export async function insertRows(sh: Shared, name: string, values: unknown[]): Promise<void> {
  if (values.length === 0) return;
  await sh.client.insert({
    table: table(sh, name),
    values,
    format: 'JSONEachRow',
    clickhouse_settings: { ...sh.insertSettings, input_format_skip_unknown_fields: 0 },
  });
}

/** Lightweight DELETE of old rows, on every shard's local table in cluster mode; returns how many went. */
export async function deleteOlder(sh: Shared, name: string, column: string, cutoffNano: bigint): Promise<number> {
  const p = new Params();
  const cond = `${column} < fromUnixTimestamp64Nano(${p.add(cutoffNano.toString(), 'Int64')})`;
  const [c] = await rows<{ n: string }>(sh, `SELECT count() AS n FROM ${table(sh, name)} WHERE ${cond}`, p);
  const n = Number(c?.n ?? 0);
  if (n > 0) {
    await sh.client.command({
      query: `DELETE FROM ${localTable(sh, name)} ${sh.onCluster} WHERE ${cond}`,
      query_params: p.values,
      clickhouse_settings: { lightweight_deletes_sync: '2' },
    });
  }
  return n;
}
