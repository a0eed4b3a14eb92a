-- TimescaleDB mode only: hypertables on the bigint nanosecond columns, native compression settings and the
-- per-minute continuous aggregate of metric points. Chunk interval, compression and retention policies are set by
-- the adapter at start-up from its options (they change with configuration; this file does not).

-- Integer-time hypertables need a "now" in the same unit for retention, compression and refresh policies.
CREATE OR REPLACE FUNCTION rohas_now_ns() RETURNS bigint LANGUAGE sql STABLE
  AS $$ SELECT (extract(epoch FROM now()) * 1000000000)::bigint $$;

SELECT create_hypertable('spans', 'start_ns', chunk_time_interval => 86400000000000, create_default_indexes => false, migrate_data => true);
SELECT create_hypertable('metric_points', 'time_ns', chunk_time_interval => 86400000000000, create_default_indexes => false, migrate_data => true);
SELECT create_hypertable('logs', 'time_ns', chunk_time_interval => 86400000000000, create_default_indexes => false, migrate_data => true);
SELECT set_integer_now_func('spans', 'rohas_now_ns');
SELECT set_integer_now_func('metric_points', 'rohas_now_ns');
SELECT set_integer_now_func('logs', 'rohas_now_ns');

ALTER TABLE spans SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name',
  timescaledb.compress_orderby = 'start_ns DESC, trace_id, span_id');
ALTER TABLE metric_points SET (timescaledb.compress, timescaledb.compress_segmentby = 'name',
  timescaledb.compress_orderby = 'time_ns, seq');
ALTER TABLE logs SET (timescaledb.compress, timescaledb.compress_segmentby = 'service_name',
  timescaledb.compress_orderby = 'time_ns DESC, seq DESC');

-- Per minute, per series (attribute set and resource), the partial aggregates queryMetrics combines into any step
-- that is a whole number of minutes. Real-time (materialized_only = false): minutes after the last refresh are
-- aggregated from the raw table at query time, so fresh points are never missing.
CREATE MATERIALIZED VIEW metric_points_1m
  WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
SELECT time_bucket(60000000000::bigint, time_ns) AS bucket,
       name, service_name, type, unit, attributes, resource_attributes,
       -- Value points (a point without a value counts as 0, as in the reference aggregation).
       count(*) FILTER (WHERE histogram IS NULL)                 AS n,
       sum(coalesce(value, 0)) FILTER (WHERE histogram IS NULL)  AS v_sum,
       min(coalesce(value, 0)) FILTER (WHERE histogram IS NULL)  AS v_min,
       max(coalesce(value, 0)) FILTER (WHERE histogram IS NULL)  AS v_max,
       -- Explicit-bucket histogram points.
       count(histogram)                                          AS hn,
       sum(h_count)                                              AS h_count,
       sum(coalesce(h_sum, 0))                                   AS h_sum,
       min(h_min)                                                AS h_min,
       max(h_max)                                                AS h_max,
       min(time_ns)                                              AS first_ns
FROM metric_points
GROUP BY 1, name, service_name, type, unit, attributes, resource_attributes
WITH NO DATA;
-- No default per-column group indexes (a btree entry of a large jsonb attribute set would fail the refresh);
-- queries always filter on name and a bucket range. Unnamed: it lives in TimescaleDB's internal schema, shared by
-- every rohas schema in the database.
CREATE INDEX ON metric_points_1m (name, bucket);
