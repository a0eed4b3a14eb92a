-- rohas-telemetry SQLite schema, version 1.
-- Times are nanoseconds since the Unix epoch in INTEGER (int64, exact until 2262).
-- Attribute maps are JSON text made by @rohas/telemetry's encodeAttributes (bigint, bytes and NaN tagged).

CREATE TABLE resources (
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL UNIQUE
);

CREATE TABLE scopes (
  id INTEGER PRIMARY KEY,
  json TEXT NOT NULL UNIQUE
);

CREATE TABLE spans (
  id INTEGER PRIMARY KEY,
  trace_id TEXT NOT NULL,
  span_id TEXT NOT NULL,
  parent_span_id TEXT,
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  kind INTEGER NOT NULL,
  start_ns INTEGER NOT NULL,
  end_ns INTEGER NOT NULL,
  duration_ns INTEGER NOT NULL,
  status_code INTEGER NOT NULL,
  status_message TEXT,
  attributes TEXT NOT NULL,
  events TEXT,
  links TEXT,
  extra TEXT,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  scope_id INTEGER NOT NULL REFERENCES scopes(id),
  UNIQUE (trace_id, span_id)
);
CREATE INDEX spans_start ON spans (start_ns);
CREATE INDEX spans_service_start ON spans (service, start_ns);

-- Attribute equality index: each span's row (rowid = spans.id) lists a token per scalar attribute, a 53-bit hash
-- of (key, typed value) in base 36, and one for its service, so service and attribute conditions intersect here. FTS5 buffers and merges its index in segments, which made indexing about
-- seven times cheaper than one B-tree row per attribute (random keys) in bench/sqlite. Lookups verify the real
-- value, so a hash collision costs time, never a wrong result.
CREATE VIRTUAL TABLE span_attr_index USING fts5(
  hashes, content = '', contentless_delete = 1, detail = none, tokenize = 'ascii'
);

CREATE TABLE metric_series (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  unit TEXT,
  type TEXT NOT NULL,
  temporality TEXT NOT NULL,
  is_monotonic INTEGER,
  service TEXT NOT NULL,
  attributes TEXT NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  scope_id INTEGER NOT NULL REFERENCES scopes(id),
  UNIQUE (name, type, attributes, resource_id, scope_id)
);
CREATE INDEX metric_series_service ON metric_series (service, name);

CREATE TABLE metric_points (
  id INTEGER PRIMARY KEY,
  series_id INTEGER NOT NULL REFERENCES metric_series(id),
  start_ns INTEGER NOT NULL,
  time_ns INTEGER NOT NULL,
  value REAL,
  -- histogram / exponential histogram / exemplars / non-finite value, as JSON
  data TEXT
);
CREATE INDEX metric_points_series_time ON metric_points (series_id, time_ns);
CREATE INDEX metric_points_time ON metric_points (time_ns);

CREATE TABLE logs (
  id INTEGER PRIMARY KEY,
  time_ns INTEGER NOT NULL,
  observed_ns INTEGER NOT NULL,
  severity_number INTEGER NOT NULL,
  severity_text TEXT,
  body TEXT NOT NULL,
  -- what the text filter searches, as UTF-8 bytes so NUL characters match too
  body_text BLOB NOT NULL,
  attributes TEXT NOT NULL,
  trace_id TEXT,
  span_id TEXT,
  extra TEXT,
  service TEXT NOT NULL,
  resource_id INTEGER NOT NULL REFERENCES resources(id),
  scope_id INTEGER NOT NULL REFERENCES scopes(id)
);
CREATE INDEX logs_time ON logs (time_ns, id);
CREATE INDEX logs_service_time ON logs (service, time_ns, id);
CREATE INDEX logs_trace ON logs (trace_id) WHERE trace_id IS NOT NULL;

-- Distinct (service, span name) pairs, so listServices / listOperations need not scan the spans.
CREATE TABLE span_names (
  service TEXT NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (service, name)
) WITHOUT ROWID;
