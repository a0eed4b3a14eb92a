-- rohas-telemetry SQLite schema, version 3: the metric rollup (src/metric-rollup.ts).
-- One row per series and hour: 12 five-minute slots, each the exact partial aggregate of the series' points in it
-- (kind, count, sum, min, max, and the last value with its time and point id), packed as 64-byte slots in one blob.
-- The write thread maintains it in the same transaction as the points; queryMetrics reads it when the step is a
-- multiple of five minutes. Points that existed before this migration are folded in by the write thread in short
-- chunks (ids from backfill_next up to backfill_below); until that is done queryMetrics reads the raw points.
CREATE TABLE metric_rollup (
  series_id INTEGER NOT NULL,
  hour_ns INTEGER NOT NULL,
  slots BLOB NOT NULL,
  PRIMARY KEY (series_id, hour_ns)
) WITHOUT ROWID;
CREATE INDEX metric_rollup_hour ON metric_rollup (hour_ns);
CREATE TABLE metric_rollup_state (k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO metric_rollup_state (k, v) VALUES
  ('backfill_below', (SELECT COALESCE(MAX(id), 0) + 1 FROM metric_points)),
  ('backfill_next', (SELECT COALESCE(MIN(id), 1) FROM metric_points));
