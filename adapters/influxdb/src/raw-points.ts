/**
 * The raw point read (`MetricStore.readPoints`) over the metrics measurement. InfluxDB keys a point by its series
 * (measurement + tags) and time, so (time, series key) orders points uniquely. A page asks the server for `limit + 1`
 * rows in time order (the window and the metric/service tags pushed down); when that cut a timestamp in two, the
 * rows at the last timestamp are read whole, so ties are never split by the server's unspecified tie order.
 */
import {
  decodeCursor,
  encodeCursor,
  type MetricPoint,
  matchesAllFilters,
  type NormalizedRawPointQuery,
  type Page,
  type PointCursor,
} from '@rohas/telemetry/adapter';
import type { Backend, Row, SelectSpec } from './internal-types.js';
import { encodeTagValue } from './line-protocol.js';
import { metricFromRow, toBigInt } from './schema.js';

const seriesKey = (r: Row) => `${r.metric ?? ''}\u0000${r.service ?? ''}\u0000${r.sid ?? ''}\u0000${r.type ?? ''}`;

export async function readRawPoints(
  backend: Backend,
  measurement: string,
  q: NormalizedRawPointQuery,
): Promise<Page<MetricPoint>> {
  const after = q.cursor ? decodeCursor<PointCursor>(q.cursor) : undefined;
  const tags: SelectSpec['tags'] = {};
  if (q.names.length > 0) tags.metric = q.names.map(encodeTagValue);
  if (q.service !== undefined) tags.service = encodeTagValue(q.service);
  let from = after ? after.t : q.start;
  for (;;) {
    const spec: SelectSpec = { measurement, tags, limit: q.limit + 1 };
    if (from !== undefined) spec.from = from;
    if (q.end !== undefined) spec.to = q.end;
    let rows = await backend.select(spec);
    const cut = rows.length > q.limit;
    if (cut) {
      let tmax = 0n;
      for (const r of rows) {
        const t = toBigInt(r.time);
        if (t > tmax) tmax = t;
      }
      const whole = await backend.select({ measurement, tags, from: tmax, to: tmax + 1n });
      rows = rows.filter((r) => toBigInt(r.time) < tmax).concat(whole);
      // Every row read lies at the cursor's own timestamp and before it: go on after that timestamp.
      if (after && tmax === after.t && rows.every((r) => seriesKey(r) <= String(after.s))) {
        from = tmax + 1n;
        continue;
      }
    }
    const keyed = rows
      .map((r) => ({ t: toBigInt(r.time), k: seriesKey(r), r }))
      .filter((x) => !after || x.t > after.t || (x.t === after.t && x.k > String(after.s)))
      .sort((a, b) => (a.t !== b.t ? (a.t < b.t ? -1 : 1) : a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    const page = keyed.slice(0, q.limit);
    const items: MetricPoint[] = [];
    for (const x of page) {
      const p = metricFromRow(x.r);
      if (matchesAllFilters(q.attributes, p.attributes, p.resource.attributes)) items.push(p);
    }
    const last = page[page.length - 1];
    const more = keyed.length > q.limit || cut;
    return {
      items,
      ...(more && last ? { nextCursor: encodeCursor({ t: last.t, s: last.k } satisfies PointCursor) } : {}),
    };
  }
}
