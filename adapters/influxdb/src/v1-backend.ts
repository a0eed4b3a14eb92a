/*
 * InfluxDB 1.x API: line protocol POST /write and InfluxQL /query with bound parameters. Also the 1.x-compatible
 * API of InfluxDB 2.x and 3.x. Plain fetch (Node's undici) is enough for two endpoints; responses are parsed with
 * lossless-json because influxd answers 64-bit integers (nanosecond times) as bare JSON numbers.
 */
import { gzipSync } from 'node:zlib';
import { isSafeNumber, parse } from 'lossless-json';
import { type ParamValue, quoteIdentifier, serializeParams, WhereBuilder } from './influxql.js';
import type { Backend, Row, RowValue, SelectSpec } from './internal-types.js';
import { WriteFailure } from './internal-types.js';

export interface V1Settings {
  url: string;
  database: string;
  retentionPolicy?: string;
  username?: string;
  password?: string;
  token?: string;
  createDatabase: boolean;
  gzipThreshold: number;
  timeoutMs: number;
  writeConcurrency: number;
}

interface QueryResult {
  statement_id?: number;
  error?: string;
  series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values: RowValue[][] }>;
}

/** Lines per HTTP request and bytes per request; influxd's default max-body-size is 25 MB. */
const MAX_LINES = 5_000;
const MAX_BYTES = 8 * 1024 * 1024;
/** SELECT statements sent in one /query request by selectMany. */
const STATEMENTS_PER_REQUEST = 200;

const parseNumber = (text: string): number | bigint => {
  if (isSafeNumber(text)) return Number(text);
  return /^-?\d+$/.test(text) ? BigInt(text) : Number(text);
};

export class V1Backend implements Backend {
  readonly api = 1 as const;
  private readonly headers: Record<string, string> = {};
  private version = 'unknown';

  constructor(private readonly s: V1Settings) {
    if (s.token) this.headers.Authorization = `Token ${s.token}`;
    else if (s.username !== undefined) {
      this.headers.Authorization = `Basic ${Buffer.from(`${s.username}:${s.password ?? ''}`).toString('base64')}`;
    }
  }

  describe(): string {
    return `InfluxDB ${this.version} (1.x API) at ${this.s.url}, database ${this.s.database}${this.s.retentionPolicy ? `, retention policy ${this.s.retentionPolicy}` : ''}`;
  }

  async init(): Promise<void> {
    const p = await this.ping();
    if (!p.ok) throw new Error(p.message ?? 'influxd did not answer /ping');
    const dbs = await this.statement('SHOW DATABASES', {}, false);
    const names = (dbs.series?.[0]?.values ?? []).map((v) => v[0]);
    if (!names.includes(this.s.database)) {
      if (!this.s.createDatabase)
        throw new Error(`database ${this.s.database} does not exist and create_database is false`);
      await this.statement(`CREATE DATABASE ${quoteIdentifier(this.s.database)}`, {}, false, 'POST');
    }
  }

  async ping(): Promise<{ ok: boolean; version?: string; message?: string }> {
    try {
      const res = await fetch(`${this.s.url}/ping`, {
        headers: this.headers,
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
      this.version = res.headers.get('x-influxdb-version') ?? this.version;
      return res.status === 204
        ? { ok: true, version: this.version }
        : { ok: false, message: `/ping answered ${res.status}` };
    } catch (error) {
      return { ok: false, message: `/ping failed: ${(error as Error).message}` };
    }
  }

  async write(lines: string[]): Promise<void> {
    // Split into requests by line count and size; send up to writeConcurrency at once.
    const batches: string[] = [];
    let current: string[] = [];
    let bytes = 0;
    for (const line of lines) {
      if (current.length > 0 && (current.length >= MAX_LINES || bytes + line.length > MAX_BYTES)) {
        batches.push(current.join('\n'));
        current = [];
        bytes = 0;
      }
      current.push(line);
      bytes += line.length + 1;
    }
    if (current.length) batches.push(current.join('\n'));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.post(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.s.writeConcurrency, batches.length) }, worker));
  }

  private async post(body: string): Promise<void> {
    const params = new URLSearchParams({ db: this.s.database, precision: 'ns' });
    if (this.s.retentionPolicy) params.set('rp', this.s.retentionPolicy);
    const headers: Record<string, string> = { ...this.headers, 'Content-Type': 'text/plain; charset=utf-8' };
    let payload: string | Buffer = body;
    if (this.s.gzipThreshold > 0 && body.length >= this.s.gzipThreshold) {
      payload = gzipSync(body);
      headers['Content-Encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = await fetch(`${this.s.url}/write?${params}`, {
        method: 'POST',
        body: payload,
        headers,
        signal: AbortSignal.timeout(this.s.timeoutMs),
      });
    } catch (error) {
      throw new WriteFailure(`POST /write failed: ${(error as Error).message}`, true, { cause: error });
    }
    if (res.status === 204) {
      await res.arrayBuffer().catch(() => undefined);
      return;
    }
    const text = await res.text().catch(() => '');
    // 4xx: the request itself is wrong (parse error, partial write, auth, missing database) and would fail again.
    // influxd 1.x answers a missing database or retention policy with a 500 "... not found": that too fails again
    // the same way however often it is retried, so it is not retryable either.
    const missing = /(database|retention policy) not found/i.test(text);
    throw new WriteFailure(
      `POST /write answered ${res.status}: ${text.slice(0, 500)}`,
      !missing && (res.status === 429 || res.status >= 500),
    );
  }

  /** Runs one statement and returns its result; throws on HTTP or statement errors. */
  private async statement(
    q: string,
    params: Record<string, ParamValue>,
    useDb = true,
    method: 'GET' | 'POST' = 'POST',
  ): Promise<QueryResult> {
    const results = await this.query(q, params, useDb, method);
    return results[0] ?? {};
  }

  private async query(
    q: string,
    params: Record<string, ParamValue>,
    useDb = true,
    method: 'GET' | 'POST' = 'POST',
  ): Promise<QueryResult[]> {
    const form = new URLSearchParams({ q, epoch: 'ns', chunked: 'true', chunk_size: '10000' });
    if (useDb) form.set('db', this.s.database);
    if (useDb && this.s.retentionPolicy) form.set('rp', this.s.retentionPolicy);
    if (Object.keys(params).length) form.set('params', serializeParams(params));
    // SELECT and SHOW also work with GET; POST keeps long parameter lists out of the URL. Writes (CREATE, DELETE) need POST.
    const init: RequestInit = { method, headers: { ...this.headers }, signal: AbortSignal.timeout(this.s.timeoutMs) };
    let url = `${this.s.url}/query`;
    if (method === 'GET') url += `?${form}`;
    else {
      init.body = form;
    }
    const res = await fetch(url, init);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`/query answered ${res.status}: ${text.slice(0, 500)} (query: ${q})`);
    // Chunked responses are one JSON document per line; a series may continue across chunks.
    const merged = new Map<number, QueryResult>();
    for (const line of text.split('\n')) {
      if (!line.trim()) continue;
      const doc = parse(line, undefined, parseNumber) as { results?: QueryResult[]; error?: string };
      if (doc.error) throw new Error(`/query failed: ${doc.error} (query: ${q})`);
      for (const r of doc.results ?? []) {
        if (r.error) throw new Error(`/query failed: ${r.error} (query: ${q})`);
        const id = r.statement_id ?? 0;
        const m = merged.get(id);
        if (!m) merged.set(id, { ...r, series: [...(r.series ?? [])] });
        else m.series!.push(...(r.series ?? []));
      }
    }
    return [...merged.values()];
  }

  private static rows(result: QueryResult, selected?: string): Row[] {
    const out: Row[] = [];
    for (const s of result.series ?? []) {
      // A TOP/BOTTOM answer names its value column after the function: give it back the field's name.
      const columns = selected ? s.columns.map((c) => (c === 'top' || c === 'bottom' ? selected : c)) : s.columns;
      for (const values of s.values ?? []) {
        const row: Row = { ...(s.tags ?? {}) };
        columns.forEach((c, i) => {
          row[c] = values[i] ?? null;
        });
        out.push(row);
      }
    }
    return out;
  }

  /** One SELECT statement of `spec`; `prefix` names its parameters. */
  private static selectStatement(spec: SelectSpec, prefix = 'p'): { q: string; params: Record<string, ParamValue> } {
    const w = new WhereBuilder(prefix);
    for (const [k, v] of Object.entries(spec.tags ?? {})) {
      if (Array.isArray(v)) w.anyOf(k, v);
      else w.add(k, '=', v);
    }
    for (const f of spec.fields ?? []) w.add(f.key, f.op, f.value);
    if (spec.fieldIn) w.anyOf(spec.fieldIn.key, spec.fieldIn.values);
    if (spec.from !== undefined) w.add('time', '>=', spec.from);
    if (spec.to !== undefined) w.add('time', '<', spec.to);
    let columns = spec.columns ? spec.columns.map(quoteIdentifier).join(', ') : '*';
    if (spec.selector) {
      // TOP/BOTTOM with the other columns as auxiliary fields; N is a whole number the adapter computes.
      const { fn, key, n } = spec.selector;
      const aux = (spec.columns ?? []).filter((c) => c !== key).map(quoteIdentifier);
      columns = [`${fn.toUpperCase()}(${quoteIdentifier(key)}, ${Math.max(1, Math.floor(n))})`, ...aux].join(', ');
    }
    const from = w.param({ identifier: spec.measurement });
    let tail = '';
    if (spec.order === 'desc') tail += ' ORDER BY time DESC';
    // A whole number the adapter computes, never caller text; InfluxQL takes no parameter for LIMIT.
    if (spec.limit !== undefined) tail += ` LIMIT ${Math.max(1, Math.floor(spec.limit))}`;
    return { q: `SELECT ${columns} FROM ${from}${w}${tail}`, params: w.params };
  }

  async select(spec: SelectSpec): Promise<Row[]> {
    const { q, params } = V1Backend.selectStatement(spec);
    return V1Backend.rows(await this.statement(q, params), spec.selector?.key);
  }

  async selectMany(specs: SelectSpec[]): Promise<Row[][]> {
    // Statements of one request run one after the other on the server; two requests in flight use a second core.
    const out: Row[][] = new Array(specs.length);
    const groups: number[][] = [];
    const per = Math.min(STATEMENTS_PER_REQUEST, Math.max(1, Math.ceil(specs.length / 2)));
    for (let i = 0; i < specs.length; i += per)
      groups.push(Array.from({ length: Math.min(per, specs.length - i) }, (_, k) => i + k));
    let next = 0;
    const worker = async () => {
      while (next < groups.length) {
        const group = groups[next++]!;
        const params: Record<string, ParamValue> = {};
        const text: string[] = [];
        group.forEach((index, k) => {
          const s = V1Backend.selectStatement(specs[index]!, `s${k}p`);
          text.push(s.q);
          Object.assign(params, s.params);
        });
        const results = await this.query(text.join('; '), params);
        const byId = new Map(results.map((r) => [r.statement_id ?? 0, r]));
        group.forEach((index, k) => {
          const r = byId.get(k);
          out[index] = r ? V1Backend.rows(r, specs[index]!.selector?.key) : [];
        });
      }
    };
    await Promise.all(Array.from({ length: Math.min(2, groups.length) }, worker));
    return out;
  }

  async tagValues(measurement: string, key: string, where?: Record<string, string>): Promise<string[]> {
    const w = new WhereBuilder();
    for (const [k, v] of Object.entries(where ?? {})) w.add(k, '=', v);
    const from = w.param({ identifier: measurement });
    const r = await this.statement(`SHOW TAG VALUES FROM ${from} WITH KEY = ${quoteIdentifier(key)}${w}`, w.params);
    return V1Backend.rows(r).map((row) => String(row.value));
  }

  async firstByTag(
    measurement: string,
    field: string,
    groupTags: string[],
  ): Promise<Array<{ tags: Record<string, string>; time: bigint; value: RowValue }>> {
    const w = new WhereBuilder();
    const from = w.param({ identifier: measurement });
    const r = await this.statement(
      `SELECT first(${quoteIdentifier(field)}) FROM ${from} GROUP BY ${groupTags.map(quoteIdentifier).join(', ')}`,
      w.params,
    );
    const out: Array<{ tags: Record<string, string>; time: bigint; value: RowValue }> = [];
    for (const s of r.series ?? []) {
      const row = s.values[0];
      if (!row) continue;
      out.push({
        tags: s.tags ?? {},
        time: BigInt(row[s.columns.indexOf('time')] as number | bigint),
        value: row[s.columns.indexOf('first')] ?? null,
      });
    }
    return out;
  }

  async deleteBefore(measurement: string, countField: string, before: bigint): Promise<number | undefined> {
    const c = new WhereBuilder();
    const cf = c.param({ identifier: measurement });
    c.add('time', '<', before);
    const counted = V1Backend.rows(
      await this.statement(`SELECT count(${quoteIdentifier(countField)}) FROM ${cf}${c}`, c.params),
    );
    const n = counted.length ? Number(counted[0]!.count ?? 0) : 0;
    if (n === 0) return 0;
    const d = new WhereBuilder();
    const df = d.param({ identifier: measurement });
    d.add('time', '<', before);
    await this.statement(`DELETE FROM ${df}${d}`, d.params);
    return n;
  }

  async manageRetention(days: number): Promise<string> {
    const rp = this.s.retentionPolicy;
    if (!rp)
      return 'manage_retention needs retention_policy: the adapter does not alter the database default policy it was not given';
    const existing = await this.retentionPolicies();
    const on = this.policyClause(rp, days);
    if (existing.some((p) => p.name === rp)) await this.statement(`ALTER RETENTION POLICY ${on}`, {}, false);
    else await this.statement(`CREATE RETENTION POLICY ${on} REPLICATION 1`, {}, false);
    return `retention policy ${rp} on ${this.s.database} set to ${V1Backend.duration(days)}`;
  }

  async ensureRetentionPolicy(days: number): Promise<string | undefined> {
    const rp = this.s.retentionPolicy;
    if (!rp || (await this.retentionPolicies()).some((p) => p.name === rp)) return undefined;
    await this.statement(`CREATE RETENTION POLICY ${this.policyClause(rp, days)} REPLICATION 1`, {}, false);
    return `retention policy ${rp} did not exist on ${this.s.database}: created it with duration ${V1Backend.duration(days)} (from retention_days)`;
  }

  private static duration(days: number): string {
    return days > 0 ? `${Math.max(1, Math.round(days * 24))}h` : 'INF';
  }

  private policyClause(rp: string, days: number): string {
    return `${quoteIdentifier(rp)} ON ${quoteIdentifier(this.s.database)} DURATION ${V1Backend.duration(days)}`;
  }

  private async retentionPolicies(): Promise<Array<{ name: string; duration: string; default: boolean }>> {
    const r = await this.statement(`SHOW RETENTION POLICIES ON ${quoteIdentifier(this.s.database)}`, {}, false);
    return V1Backend.rows(r).map((row) => ({
      name: String(row.name),
      duration: String(row.duration),
      default: row.default === true,
    }));
  }

  async describeRetention(): Promise<string> {
    const policies = await this.retentionPolicies();
    const p = this.s.retentionPolicy
      ? policies.find((x) => x.name === this.s.retentionPolicy)
      : policies.find((x) => x.default);
    if (!p) return `retention policy ${this.s.retentionPolicy ?? '(default)'} not found on ${this.s.database}`;
    return `retention policy ${p.name} on ${this.s.database} keeps ${p.duration === '0s' ? 'forever' : p.duration}`;
  }

  async close(): Promise<void> {}
}
