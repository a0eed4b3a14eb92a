-- TimescaleDB mode only: coarser continuous aggregates of metric points, hierarchical on the per-minute one
-- (continuous aggregates on continuous aggregates, TimescaleDB 2.9+): metric_points_5m on metric_points_1m and
-- metric_points_1h on metric_points_5m, with the same partial columns, so queryMetrics reads 1/5 (1/60) of the rows
-- for a step that is a whole number of 5 minutes (hours) on an aligned window. Real-time, as the per-minute one:
-- buckets after a level's last refresh are aggregated at query time from the level below (which is itself real-time
-- down to the raw points). Created empty: on an existing store every bucket is real-time until the refresh policies
-- (set by the adapter at start-up) materialize them.
CREATE MATERIALIZED VIEW metric_points_5m
  WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
SELECT time_bucket(300000000000::bigint, bucket) AS bucket,
       name, service_name, type, unit, attributes, resource_attributes,
       sum(n) AS n, sum(v_sum) AS v_sum, min(v_min) AS v_min, max(v_max) AS v_max,
       sum(hn) AS hn, sum(h_count) AS h_count, sum(h_sum) AS h_sum, min(h_min) AS h_min, max(h_max) AS h_max,
       min(first_ns) AS first_ns
FROM metric_points_1m
GROUP BY 1, name, service_name, type, unit, attributes, resource_attributes
WITH NO DATA;
CREATE INDEX ON metric_points_5m (name, bucket);

CREATE MATERIALIZED VIEW metric_points_1h
  WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
SELECT time_bucket(3600000000000::bigint, bucket) AS bucket,
       name, service_name, type, unit, attributes, resource_attributes,
       sum(n) AS n, sum(v_sum) AS v_sum, min(v_min) AS v_min, max(v_max) AS v_max,
       sum(hn) AS hn, sum(h_count) AS h_count, sum(h_sum) AS h_sum, min(h_min) AS h_min, max(h_max) AS h_max,
       min(first_ns) AS first_ns
FROM metric_points_5m
GROUP BY 1, name, service_name, type, unit, attributes, resource_attributes
WITH NO DATA;
CREATE INDEX ON metric_points_1h (name, bucket);
