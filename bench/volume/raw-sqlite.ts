// The raw limit of each read path on SQLite: the same rows read by a prepared better-sqlite3 statement on a
// read-only connection of the same file (no adapter, no decoding, no thread hop), timed in the same run.
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface RawReads {
  getTrace(traceId: string): number;
  tracePage(limit: number, service?: string): number;
  services(): number;
  /** Points of one metric in [start, end), averaged per (group value, bucket) as queryMetrics does. */
  metric(name: string, groupKey: string, start: bigint, end: bigint, step: bigint): number;
  logsByTrace(traceId: string, limit: number): number;
  logsByText(text: string, limit: number): number;
  logsBySeverity(min: number, limit: number): number;
  close(): void;
}

export function openRawReads(dir: string): RawReads {
  const db = new Database(join(dir, 'telemetry.db'), { readonly: true });
  db.defaultSafeIntegers(true);
  const getTrace = db.prepare('SELECT * FROM spans WHERE trace_id = ?');
  const page = db.prepare(
    'SELECT trace_id, max(start_ns) AS t FROM (SELECT trace_id, start_ns FROM spans ORDER BY start_ns DESC, trace_id DESC LIMIT ?) GROUP BY trace_id',
  );
  const pageService = db.prepare(
    'SELECT trace_id, max(start_ns) AS t FROM (SELECT trace_id, start_ns FROM spans WHERE service = ? ORDER BY start_ns DESC, trace_id DESC LIMIT ?) GROUP BY trace_id',
  );
  const services = db.prepare('SELECT DISTINCT service FROM span_names');
  const metric = (groupKey: string) =>
    db.prepare(
      `SELECT json_extract(s.attributes, '$."${groupKey.replaceAll('"', '')}"') AS g, (p.time_ns - ?) / ? AS b, avg(p.value) AS v
         FROM metric_points p JOIN metric_series s ON s.id = p.series_id
        WHERE s.name = ? AND p.time_ns >= ? AND p.time_ns < ? GROUP BY g, b`,
    );
  const metricStatements = new Map<string, Database.Statement>();
  const byTrace = db.prepare('SELECT * FROM logs WHERE trace_id = ? ORDER BY time_ns DESC, id DESC LIMIT ?');
  const byText = db.prepare('SELECT * FROM logs WHERE instr(body_text, ?) > 0 ORDER BY time_ns DESC, id DESC LIMIT ?');
  const bySeverity = db.prepare('SELECT * FROM logs WHERE severity_number >= ? ORDER BY time_ns DESC, id DESC LIMIT ?');
  const time = (fn: () => unknown) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  return {
    getTrace: (id) => time(() => getTrace.all(id)),
    // A trace page of `limit` spans' traces: the index walk a keyset page starts from.
    tracePage: (limit, service) => time(() => (service ? pageService.all(service, limit) : page.all(limit))),
    services: () => time(() => services.all()),
    metric: (name, groupKey, start, end, step) => {
      const st = metricStatements.get(groupKey) ?? metric(groupKey);
      metricStatements.set(groupKey, st);
      return time(() => st.all(start, step, name, start, end));
    },
    logsByTrace: (id, limit) => time(() => byTrace.all(id, limit)),
    logsByText: (text, limit) => time(() => byText.all(Buffer.from(text), limit)),
    logsBySeverity: (min, limit) => time(() => bySeverity.all(min, limit)),
    close: () => db.close(),
  };
}
