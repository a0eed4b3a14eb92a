import { serviceNameOf } from '@rohas/telemetry/adapter';
import type { SpanRecord, TelemetryQuery } from '../core-types.js';
import { ParamError, parseDuration } from '../params.js';
import { traceChunks } from './bulk-read.js';
import { type JaegerParams, paramError } from './response.js';
import { type JaegerTag, logFields, processTags, spanTags } from './ui-model.js';

/*
 * Jaeger's trace search, with Jaeger's semantics:
 * - parameters as jaegertracing/jaeger `cmd/query/app/query_parser.go` parses them: `tag=key:value` (repeatable) and
 *   `tags={"k":"v"}`, `limit` (default 100), `start`/`end` in microseconds (default: the last 48 hours),
 *   `minDuration`/`maxDuration` as Go durations, `maxDuration < minDuration` is an error, `lookback` is the UI's and
 *   ignored;
 * - matching as Jaeger's storages match (`plugin/storage/memory` `validSpan`/`findKeyValueMatch`): a trace is found
 *   when ONE of its spans has the service, the operation, a duration and a start in range, and every tag, where a tag
 *   is looked up in the span's tags (with the ones the server adds: span.kind, error, otel.status_code,
 *   otel.scope.name...), its process (resource) tags and its log (event) fields, and compared as strings — so
 *   `http.status_code=200` finds an integer attribute 200, as it does in Jaeger.
 * The core's findTraces narrows the candidates (service, operation, duration, window, and status when a tag names it);
 * the tags are then checked here on each candidate trace, page after page, until `limit` traces match. The traces of a
 * page are read in chunks, every read of a chunk in flight together (bulk-read.ts).
 */

const DEFAULT_LIMIT = 100;
/** The Jaeger UI's own maximum for "Limit Results". */
export const MAX_LIMIT = 1500;
const DEFAULT_LOOKBACK_NS = 48n * 3_600_000_000_000n;
const PAGE = 1000;

export interface JaegerSearch {
  service: string;
  operation?: string;
  tags: Map<string, string>;
  start: bigint;
  end: bigint;
  minDuration?: bigint;
  maxDuration?: bigint;
  limit: number;
}

function duration(p: JaegerParams, name: string): bigint | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  try {
    return parseDuration(v, name);
  } catch {
    throw paramError(name, `${JSON.stringify(v)} is not a duration (e.g. 1.5ms, 250us, 2s, 1h30m)`);
  }
}

export function parseTags(simple: string[], json: string[]): Map<string, string> {
  const tags = new Map<string, string>();
  for (const t of simple) {
    const colon = t.indexOf(':');
    if (colon < 0) throw paramError('tag', `malformed 'tag' parameter, expecting key:value, received: ${t}`);
    tags.set(t.slice(0, colon), t.slice(colon + 1));
  }
  for (const text of json) {
    let obj: unknown;
    try {
      obj = JSON.parse(text);
    } catch (error) {
      throw paramError('tags', `malformed 'tags' parameter, cannot unmarshal JSON: ${(error as Error).message}`);
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj))
      throw paramError('tags', "malformed 'tags' parameter, expecting a JSON object of key/value strings");
    for (const [k, v] of Object.entries(obj)) tags.set(k, typeof v === 'string' ? v : JSON.stringify(v));
  }
  return tags;
}

export function parseSearch(p: JaegerParams, now: bigint): JaegerSearch {
  const service = p.string('service');
  const startUs = p.integer('start');
  const endUs = p.integer('end');
  const tags = parseTags(p.all('tag'), p.all('tags'));
  let limit = DEFAULT_LIMIT;
  const rawLimit = p.string('limit');
  if (rawLimit !== undefined) {
    if (!/^\d{1,10}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_LIMIT)
      throw paramError('limit', `limit must be an integer from 1 to ${MAX_LIMIT}, got ${JSON.stringify(rawLimit)}`);
    limit = Number(rawLimit);
  }
  const minDuration = duration(p, 'minDuration');
  const maxDuration = duration(p, 'maxDuration');
  // Jaeger's validateQuery errors carry no "unable to parse" prefix.
  if (!service) throw new ParamError('service', "parameter 'service' is required");
  if (minDuration && maxDuration && maxDuration < minDuration)
    throw new ParamError('maxDuration', "'maxDuration' should be greater than 'minDuration'");
  const end = endUs !== undefined ? endUs * 1000n : now;
  const start = startUs !== undefined ? startUs * 1000n : now - DEFAULT_LOOKBACK_NS;
  return {
    service,
    operation: p.string('operation'),
    tags,
    start,
    end,
    minDuration: minDuration || undefined,
    maxDuration: maxDuration || undefined,
    limit,
  };
}

/** Jaeger's `KeyValue.AsString()` for the tags we render: strings as they are, the rest in their JSON text. */
const asString = (t: JaegerTag) => (typeof t.value === 'string' ? t.value : String(t.value));

function spanMatches(s: SpanRecord, q: JaegerSearch): boolean {
  if (serviceNameOf(s.resource) !== q.service) return false;
  if (q.operation !== undefined && s.name !== q.operation) return false;
  const d = s.endTimeUnixNano - s.startTimeUnixNano;
  if (q.minDuration !== undefined && d < q.minDuration) return false;
  if (q.maxDuration !== undefined && d > q.maxDuration) return false;
  if (s.startTimeUnixNano < q.start || s.startTimeUnixNano > q.end) return false;
  if (q.tags.size === 0) return true;
  const kvs = [...spanTags(s), ...processTags(s), ...logFields(s).flat()];
  for (const [key, value] of q.tags) {
    if (!kvs.some((kv) => kv.key === key && asString(kv) === value)) return false;
  }
  return true;
}

/** The status a tag condition implies, so findTraces can narrow on it (`error=true`, `otel.status_code=ERROR|OK`). */
function statusOf(tags: Map<string, string>): 'error' | 'ok' | undefined {
  if (tags.get('error') === 'true' || tags.get('otel.status_code') === 'ERROR') return 'error';
  if (tags.get('otel.status_code') === 'OK') return 'ok';
  return undefined;
}

/** The traces that match, newest first, at most `q.limit`. */
export async function searchTraces(query: TelemetryQuery, q: JaegerSearch): Promise<SpanRecord[][]> {
  const found: SpanRecord[][] = [];
  let cursor: string | undefined;
  do {
    const page = await query.findTraces({
      service: q.service,
      name: q.operation,
      minDurationNano: q.minDuration,
      maxDurationNano: q.maxDuration,
      status: statusOf(q.tags),
      start: q.start,
      end: q.end + 1n, // Jaeger's end is inclusive, the core's exclusive
      limit: q.tags.size === 0 ? Math.min(PAGE, q.limit - found.length) : PAGE,
      cursor,
    });
    for await (const chunk of traceChunks(
      query,
      page.items.map((t) => t.traceId),
    )) {
      for (const { spans } of chunk) {
        if (spans?.some((s) => spanMatches(s, q))) found.push(spans);
        if (found.length >= q.limit) return found;
      }
    }
    cursor = page.nextCursor;
  } while (cursor);
  return found;
}
