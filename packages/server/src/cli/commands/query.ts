import { serviceNameOf } from '@rohas/telemetry/adapter';
import { toJsonValue } from '../../json.js';
import { parseAttr, parseDuration, parseSeverity } from '../../params.js';
import type { ServerStorage } from '../../types.js';
import {
  type Command,
  configFrom,
  EXIT,
  helped,
  isoOf,
  json,
  now,
  parse,
  table,
  time,
  UsageError,
  type Values,
  withStorage,
} from '../support.js';

export const QUERY_HELP = `Usage: rohas-telemetry query traces|logs|metrics [options] [--json]

  query traces  [--service S] [--name N] [--attr K=V]... [--min-duration 10ms] [--max-duration 2s]
                [--status ok|error|unset] [--start T] [--end T] [--limit N] [--cursor C]
  query logs    [--start T] [--end T] [--min-severity WARN|13] [--text S] [--trace-id HEX] [--span-id HEX]
                [--service S] [--attr K=V]... [--limit N] [--order asc|desc] [--cursor C]
  query metrics [--name N [--start T] [--end T] [--step 1m] [--aggregation avg|sum|min|max|count|last|p50|p90|p95|p99]
                [--group-by k1,k2] [--attr K=V]... [--service S]]      (no --name: list metrics)

Times: nanoseconds, ISO-8601, or now-15m. Durations: ns or 250ms, 1.5s, 2m, 1h.
The result goes to stdout (a table, or JSON with --json); the next page's cursor is printed on stderr.`;

const OPTIONS = {
  json: { type: 'boolean' },
  service: { type: 'string' },
  name: { type: 'string' },
  attr: { type: 'string', multiple: true },
  'min-duration': { type: 'string' },
  'max-duration': { type: 'string' },
  status: { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'min-severity': { type: 'string' },
  text: { type: 'string' },
  'trace-id': { type: 'string' },
  'span-id': { type: 'string' },
  order: { type: 'string' },
  step: { type: 'string' },
  aggregation: { type: 'string' },
  'group-by': { type: 'string' },
} as const;

type QueryValues = Values<typeof OPTIONS>;

export const query: Command = async (args, io) => {
  const { values, positionals } = parse(args, OPTIONS, true);
  if (helped(values, io, QUERY_HELP)) return EXIT.OK;
  const [what, ...extra] = positionals;
  if (what === undefined) {
    io.out(QUERY_HELP);
    return EXIT.OK;
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
  if (what !== 'traces' && what !== 'logs' && what !== 'metrics')
    throw new UsageError(`query: unknown kind ${JSON.stringify(what)}; use traces, logs or metrics`);
  const config = configFrom(values.config);
  return withStorage(config, io, async (storage) => {
    if (what === 'traces') await traces(storage, values, io);
    else if (what === 'logs') await logs(storage, values, io);
    else await metrics(storage, values, io);
    return EXIT.OK;
  });
};

const attributesOf = (values: QueryValues) => values.attr?.map((a) => parseAttr(a, '--attr'));
const limitOf = (values: QueryValues) => (values.limit === undefined ? undefined : Number(values.limit));

async function traces(storage: ServerStorage, values: QueryValues, io: Parameters<Command>[1]): Promise<void> {
  const page = await storage.query.findTraces({
    service: values.service,
    name: values.name,
    attributes: attributesOf(values),
    minDurationNano:
      values['min-duration'] === undefined ? undefined : parseDuration(values['min-duration'], '--min-duration'),
    maxDurationNano:
      values['max-duration'] === undefined ? undefined : parseDuration(values['max-duration'], '--max-duration'),
    status: values.status as 'ok' | 'error' | 'unset' | undefined,
    start: time(values.start, '--start'),
    end: time(values.end, '--end'),
    limit: limitOf(values),
    cursor: values.cursor,
  });
  if (values.json) return io.out(json(page));
  io.out(
    table(
      ['TRACE ID', 'START', 'DURATION', 'SERVICE', 'ROOT SPAN', 'SPANS', 'ERRORS'],
      page.items.map((t) => [
        t.traceId,
        isoOf(t.startTimeUnixNano),
        `${Number(t.durationNano) / 1e6} ms`,
        t.rootServiceName,
        t.rootSpanName,
        String(t.spanCount),
        String(t.errorCount),
      ]),
    ),
  );
  if (page.nextCursor) io.err(`more: --cursor ${page.nextCursor}`);
}

async function logs(storage: ServerStorage, values: QueryValues, io: Parameters<Command>[1]): Promise<void> {
  const page = await storage.query.queryLogs({
    start: time(values.start, '--start'),
    end: time(values.end, '--end'),
    minSeverity:
      values['min-severity'] === undefined ? undefined : parseSeverity(values['min-severity'], '--min-severity'),
    text: values.text,
    traceId: values['trace-id']?.toLowerCase(),
    spanId: values['span-id']?.toLowerCase(),
    service: values.service,
    attributes: attributesOf(values),
    limit: limitOf(values),
    cursor: values.cursor,
    order: values.order as 'asc' | 'desc' | undefined,
  });
  if (values.json) return io.out(json(page));
  io.out(
    table(
      ['TIME', 'SEVERITY', 'SERVICE', 'TRACE ID', 'BODY'],
      page.items.map((l) => [
        isoOf(l.timeUnixNano),
        l.severityText ?? String(l.severityNumber),
        serviceNameOf(l.resource),
        l.traceId ?? '',
        typeof l.body === 'string' ? l.body : JSON.stringify(toJsonValue(l.body)),
      ]),
    ),
  );
  if (page.nextCursor) io.err(`more: --cursor ${page.nextCursor}`);
}

async function metrics(storage: ServerStorage, values: QueryValues, io: Parameters<Command>[1]): Promise<void> {
  if (values.name === undefined) {
    const list = await storage.query.listMetrics();
    if (values.json) return io.out(json(list));
    io.out(
      table(
        ['NAME', 'TYPE', 'UNIT', 'DESCRIPTION'],
        list.map((m) => [m.name, m.type, m.unit ?? '', m.description ?? '']),
      ),
    );
    return;
  }
  const end = time(values.end, '--end') ?? now();
  const series = await storage.query.queryMetrics({
    name: values.name,
    start: time(values.start, '--start') ?? end - 3_600_000_000_000n,
    end,
    stepNano: values.step === undefined ? undefined : parseDuration(values.step, '--step'),
    aggregation: values.aggregation as never,
    groupBy: values['group-by'] === undefined ? undefined : values['group-by'].split(',').filter(Boolean),
    attributes: attributesOf(values),
    service: values.service,
  });
  if (values.json) return io.out(json(series));
  const rows: string[][] = [];
  for (const s of series)
    for (const p of s.points)
      rows.push([JSON.stringify(toJsonValue(s.labels)), isoOf(p.timeUnixNano), String(p.value)]);
  io.out(table(['LABELS', 'TIME', 'VALUE'], rows));
}
