-- rohas-telemetry SQLite schema, version 2: indexes in findTraces' exact sort order.
-- findTraces walks spans newest first by (start_ns, trace_id, id); an index entry ends with the rowid (id), so these
-- two serve the walk with no sort step, and a cursor (start, trace id) is a plain range seek at any depth.
DROP INDEX IF EXISTS spans_start;
DROP INDEX IF EXISTS spans_service_start;
CREATE INDEX spans_start_trace ON spans (start_ns, trace_id);
CREATE INDEX spans_service_start_trace ON spans (service, start_ns, trace_id);
