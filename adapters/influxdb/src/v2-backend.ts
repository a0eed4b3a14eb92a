/*
 * InfluxDB 2.x / Cloud API through @influxdata/influxdb-client: the write API (chunking, gzip, HTTP handling) and
 * Flux queries. The client's own retry loop is off (maxRetries 0): the core's runtime layer owns retries with
 * backoff and a bounded queue, and two stacked retry loops would re-send log records the core also re-sends.
 */
import {
  canRetryHttpCall,
  type FluxTableMetaData,
  HttpError,
  InfluxDB,
  type ParameterizedQuery,
} from '@influxdata/influxdb-client';
import {
  countBeforeQuery,
  deletePredicate,
  firstByTagQuery,
  parseRfc3339,
  rfc3339,
  selectQuery,
  tagValuesQuery,
} from './flux.js';
import type { Backend, Row, RowValue, SelectSpec } from './internal-types.js';
import { WriteFailure } from './internal-types.js';

export interface V2Settings {
  url: string;
  token: string;
  org: string;
  bucket: string;
  gzipThreshold: number;
  timeoutMs: number;
  batchSize: number;
}

/** Converts one annotated-CSV cell by its column type; integers stay exact (bigint beyond 2^53). */
export function cell(raw: string, dataType: string): RowValue {
  if (raw === '' && dataType !== 'string') return null;
  switch (dataType) {
    case 'long':
    case 'unsignedLong': {
      const n = Number(raw);
      return Number.isSafeInteger(n) ? n : BigInt(raw);
    }
    case 'double':
      return Number(raw);
    case 'boolean':
      return raw === 'true';
    case 'dateTime:RFC3339':
    case 'dateTime:RFC3339Nano':
      return parseRfc3339(raw);
    default:
      return raw;
  }
}

export class V2Backend implements Backend {
  readonly api = 2 as const;
  private readonly client: InfluxDB;
  private version = 'unknown';

  constructor(private readonly s: V2Settings) {
    this.client = new InfluxDB({ url: s.url, token: s.token, timeout: s.timeoutMs });
  }

  describe(): string {
    return `InfluxDB ${this.version} (2.x API) at ${this.s.url}, org ${this.s.org}, bucket ${this.s.bucket}`;
  }

  async init(): Promise<void> {
    const p = await this.ping();
    if (!p.ok) throw new Error(p.message ?? 'InfluxDB did not answer /ping');
    await this.bucket();
  }

  async ping(): Promise<{ ok: boolean; version?: string; message?: string }> {
    try {
      const res = await fetch(`${this.s.url}/ping`, { signal: AbortSignal.timeout(this.s.timeoutMs) });
      this.version = res.headers.get('x-influxdb-version') ?? this.version;
      return res.status === 204
        ? { ok: true, version: this.version }
        : { ok: false, message: `/ping answered ${res.status}` };
    } catch (error) {
      return { ok: false, message: `/ping failed: ${(error as Error).message}` };
    }
  }

  private async api2(path: string, init: RequestInit = {}): Promise<unknown> {
    const res = await fetch(`${this.s.url}${path}`, {
      ...init,
      headers: {
        Authorization: `Token ${this.s.token}`,
        'Content-Type': 'application/json',
        ...(init.headers as Record<string, string>),
      },
      signal: AbortSignal.timeout(this.s.timeoutMs),
    });
    const text = await res.text();
    if (res.status >= 300)
      throw new Error(`${init.method ?? 'GET'} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return text ? JSON.parse(text) : undefined;
  }

  private async bucket(): Promise<{ id: string; retentionRules?: Array<{ type: string; everySeconds: number }> }> {
    const params = new URLSearchParams({ org: this.s.org, name: this.s.bucket });
    const r = (await this.api2(`/api/v2/buckets?${params}`)) as {
      buckets?: Array<{ id: string; retentionRules?: Array<{ type: string; everySeconds: number }> }>;
    };
    const b = r.buckets?.[0];
    if (!b) throw new Error(`bucket ${this.s.bucket} not found in org ${this.s.org}`);
    return b;
  }

  async write(lines: string[]): Promise<void> {
    for (let i = 0; i < lines.length; i += this.s.batchSize) {
      const chunk = lines.slice(i, i + this.s.batchSize);
      // One write API per chunk with a batch size above the chunk: nothing is sent in the background, so close()
      // resolves or rejects with this chunk's outcome.
      const api = this.client.getWriteApi(this.s.org, this.s.bucket, 'ns', {
        batchSize: chunk.length + 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: this.s.gzipThreshold,
        writeFailed: (error: Error) => Promise.reject(error),
      });
      api.writeRecords(chunk);
      try {
        await api.close();
      } catch (error) {
        const retryable =
          error instanceof HttpError ? error.statusCode === 429 || error.statusCode >= 500 : canRetryHttpCall(error);
        throw new WriteFailure(`write API failed: ${(error as Error).message}`, retryable, { cause: error });
      }
    }
  }

  private rows(query: ParameterizedQuery): Promise<Row[]> {
    const out: Row[] = [];
    return new Promise((resolve, reject) => {
      this.client.getQueryApi(this.s.org).queryRows(query, {
        next(values: string[], meta: FluxTableMetaData) {
          const row: Row = {};
          for (const c of meta.columns) {
            if (c.label === 'result' || c.label === 'table' || c.label === '') continue;
            row[c.label === '_time' ? 'time' : c.label] = cell(values[c.index] ?? '', c.dataType);
          }
          out.push(row);
        },
        error: reject,
        complete: () => resolve(out),
      });
    });
  }

  select(spec: SelectSpec): Promise<Row[]> {
    return this.rows(selectQuery(this.s.bucket, spec));
  }

  async selectMany(specs: SelectSpec[]): Promise<Row[][]> {
    // Flux has no multi-statement request here: a few queries in flight.
    const out: Row[][] = new Array(specs.length);
    let next = 0;
    const worker = async () => {
      while (next < specs.length) {
        const i = next++;
        out[i] = await this.select(specs[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, specs.length) }, worker));
    return out;
  }

  async tagValues(measurement: string, key: string, where?: Record<string, string>): Promise<string[]> {
    return (await this.rows(tagValuesQuery(this.s.bucket, measurement, key, where))).map((r) => String(r._value));
  }

  async firstByTag(measurement: string, field: string, groupTags: string[]) {
    const rows = await this.rows(firstByTagQuery(this.s.bucket, measurement, field, groupTags));
    return rows.map((r) => ({
      tags: Object.fromEntries(groupTags.map((t) => [t, String(r[t] ?? '')])),
      time: r.time as bigint,
      value: r._value ?? null,
    }));
  }

  async deleteBefore(measurement: string, countField: string, before: bigint): Promise<number | undefined> {
    const counted = await this.rows(countBeforeQuery(this.s.bucket, measurement, countField, before));
    const n = counted.length ? Number(counted[0]!._value ?? 0) : 0;
    if (n === 0) return 0;
    const params = new URLSearchParams({ org: this.s.org, bucket: this.s.bucket });
    await this.api2(`/api/v2/delete?${params}`, {
      method: 'POST',
      body: JSON.stringify({ start: rfc3339(0n), stop: rfc3339(before - 1n), predicate: deletePredicate(measurement) }),
    });
    return n;
  }

  async manageRetention(days: number): Promise<string> {
    const b = await this.bucket();
    const everySeconds = Math.round(days * 86_400);
    await this.api2(`/api/v2/buckets/${encodeURIComponent(b.id)}`, {
      method: 'PATCH',
      body: JSON.stringify({
        retentionRules: days > 0 ? [{ type: 'expire', everySeconds: Math.max(3600, everySeconds) }] : [],
      }),
    });
    return `bucket ${this.s.bucket} retention set to ${days > 0 ? `${days} days` : 'forever'}`;
  }

  async ensureRetentionPolicy(): Promise<string | undefined> {
    // 2.x keeps retention on the bucket, which init() found or created; there is no separate policy to create.
    return undefined;
  }

  async describeRetention(): Promise<string> {
    const b = await this.bucket();
    const rule = b.retentionRules?.find((r) => r.type === 'expire');
    return `bucket ${this.s.bucket} keeps ${rule && rule.everySeconds > 0 ? `${rule.everySeconds / 86_400} days` : 'forever'}`;
  }

  async close(): Promise<void> {}
}
