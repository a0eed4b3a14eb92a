import { serviceNameOf } from '@rohas/telemetry/adapter';
import type { SpanRecord, TelemetryQuery } from '../core-types.js';
import { readTraces } from './bulk-read.js';
import { spanKindName } from './ui-model.js';

/*
 * Service dependencies and operation kinds, derived from stored spans because the core keeps no dependency table or
 * (operation, kind) index.
 *
 * Dependencies follow Jaeger's in-memory store (jaegertracing/jaeger `plugin/storage/memory` `GetDependencies`): for
 * every trace in the window, every span whose parent span is in the trace and belongs to another service adds one call
 * to the edge parent service -> child service. The answer is Jaeger's `model/json` DependencyLink list
 * `[{parent, child, callCount}]`, filtered by `service` as `http_handler.go` filterDependenciesByService does.
 */

export interface DependencyLink {
  parent: string;
  child: string;
  callCount: number;
}

const PAGE = 1000;

/** Every trace with a span starting in [start, end), page by page. */
async function* tracesIn(query: TelemetryQuery, start: bigint, end: bigint): AsyncGenerator<SpanRecord[]> {
  let cursor: string | undefined;
  do {
    const page = await query.findTraces({ start, end, limit: PAGE, cursor });
    for (const { spans } of await readTraces(
      query,
      page.items.map((t) => t.traceId),
    ))
      if (spans) yield spans;
    cursor = page.nextCursor;
  } while (cursor);
}

export function addDependencies(spans: SpanRecord[], edges: Map<string, DependencyLink>): void {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (const s of spans) {
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    if (!parent) continue;
    const from = serviceNameOf(parent.resource);
    const to = serviceNameOf(s.resource);
    if (from === to) continue;
    const key = JSON.stringify([from, to]);
    const edge = edges.get(key);
    if (edge) edge.callCount++;
    else edges.set(key, { parent: from, child: to, callCount: 1 });
  }
}

export async function dependencies(
  query: TelemetryQuery,
  start: bigint,
  end: bigint,
  service?: string,
): Promise<DependencyLink[]> {
  const edges = new Map<string, DependencyLink>();
  for await (const spans of tracesIn(query, start, end)) addDependencies(spans, edges);
  const links = [...edges.values()];
  return service ? links.filter((l) => l.parent === service || l.child === service) : links;
}

/** How many of an operation's newest traces are read to learn its span kinds. */
export const KIND_SAMPLE = 10;

/**
 * `[{name, spanKind}]` of a service as Jaeger's `/api/operations` answers (one entry per name and kind; `spanKind`
 * filters). The kinds come from the newest KIND_SAMPLE traces of each operation: the core's listOperations has names
 * only, so a kind that appears only in older traces is not listed.
 */
export async function operationsWithKind(
  query: TelemetryQuery,
  service: string,
  spanKind: string | undefined,
): Promise<Array<{ name: string; spanKind: string }>> {
  const out: Array<{ name: string; spanKind: string }> = [];
  for (const name of await query.listOperations(service)) {
    const kinds = new Set<string>();
    const page = await query.findTraces({ service, name, limit: KIND_SAMPLE });
    for (const { spans } of await readTraces(
      query,
      page.items.map((t) => t.traceId),
    )) {
      for (const s of spans ?? []) {
        if (s.name === name && serviceNameOf(s.resource) === service) kinds.add(spanKindName(s.kind));
      }
    }
    if (kinds.size === 0) kinds.add('');
    for (const kind of [...kinds].sort()) if (!spanKind || kind === spanKind) out.push({ name, spanKind: kind });
  }
  return out;
}
