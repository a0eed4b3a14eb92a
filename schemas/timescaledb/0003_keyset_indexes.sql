-- Indexes in the exact sort order of the paged reads, so a page with a service filter is one index seek from the
-- cursor at any depth: findTraces pages on (start_ns, trace_id, span_id) newest first, queryLogs on (time_ns, seq).
CREATE INDEX spans_service_start ON spans (service_name, start_ns, trace_id, span_id);
DROP INDEX logs_service_time;
CREATE INDEX logs_service_time_seq ON logs (service_name, time_ns, seq);
