/*
 * OTLP request -> rohas records. One converter serves both encodings: a protobufjs-decoded message (camelCase fields,
 * 64-bit values as Long, ids as Uint8Array, enums as numbers, unset fields only on the prototype) and a parsed OTLP/JSON
 * body (camelCase keys, ids as hex strings, 64-bit values as decimal strings or numbers, enums as integers or names).
 *
 * A body whose structure is wrong (a string where an object belongs, a non-numeric time) is malformed: the whole
 * request is refused with 400 (OtlpFormatError). An item that is well-formed but not storable (a trace id that is not
 * 16 bytes, an unknown span kind) is rejected on its own and reported as partial success.
 */

export { logsFromRequest } from './convert-logs.js';
export { metricsFromRequest } from './convert-metrics.js';
export { spansFromRequest } from './convert-traces.js';
export { anyValue, type ConvertResult, keyValues, OtlpFormatError } from './readers.js';
