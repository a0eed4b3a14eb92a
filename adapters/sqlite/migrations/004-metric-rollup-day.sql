-- rohas-telemetry SQLite schema, version 4: the day level of the metric rollup (src/metric-rollup-day.ts).
-- One row per series and UTC day: the count and sum of each of the day's 288 five-minute slots (the same slots as
-- metric_rollup's, copied bit for bit), 16 bytes a slot in one 4,608-byte blob, and `kinds`, the kinds of points ever
-- folded into the row (bit 1 << kind: 2 = numbers only). queryMetrics reads it for sum, avg and count over rows that
-- hold numbers only: a week of one series is 7 rows instead of 168 hour rows of 768 bytes.
-- The write thread maintains it with metric_rollup, in the same transaction. A store that already has rollup rows
-- is converted by the write thread in chunks of series (ids below day_next are converted; 2^63-1 = done); until then
-- queryMetrics reads the hour rows.
CREATE TABLE metric_rollup_day (
  series_id INTEGER NOT NULL,
  day_ns INTEGER NOT NULL,
  kinds INTEGER NOT NULL,
  cs BLOB NOT NULL,
  PRIMARY KEY (series_id, day_ns)
) WITHOUT ROWID;
CREATE INDEX metric_rollup_day_time ON metric_rollup_day (day_ns);
INSERT INTO metric_rollup_state (k, v) VALUES
  ('day_next', CASE WHEN EXISTS (SELECT 1 FROM metric_rollup) THEN 0 ELSE 9223372036854775807 END);
