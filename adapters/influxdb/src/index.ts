/**
 * @rohas/telemetry-influxdb — InfluxDB storage for rohas-telemetry (`type = "influxdb"`): the 2.x/Cloud API through
 * @influxdata/influxdb-client (Flux) and the 1.x API (`/write` line protocol, InfluxQL `/query`).
 */
import type { AdapterFactory } from '@rohas/telemetry/adapter';
import { createInfluxDbAdapter } from './adapter.js';

/** The adapter factory the core registry calls for `type = "influxdb"`. */
export const createAdapter: AdapterFactory = (context) => createInfluxDbAdapter(context);

export { createInfluxDbAdapter, resolveOptions } from './adapter.js';
export { quoteIdentifier, serializeParams } from './influxql.js';
export {
  decodeTagValue,
  encodeTagValue,
  escapeKey,
  escapeMeasurement,
  type FieldValue,
  formatLine,
  quoteString,
} from './line-protocol.js';
/** The schema's line encoders (one line per record), e.g. to replay records with another line-protocol writer. */
export { metricLine } from './metric-schema.js';
export { defaults, optionsSchema } from './options.js';
/** Spans need their `trace_bounds` lines too (one per trace of a batch), or findTraces and getTrace will not see them. */
export { logLine, spanLine, traceBoundsLines } from './schema.js';
export type { InfluxDbOptions } from './types.js';
