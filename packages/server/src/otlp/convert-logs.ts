import type { LogRecord } from '../core-types.js';
import {
  anyValue,
  asBig,
  asEnum,
  asId,
  asStr,
  asU32,
  type ConvertResult,
  field,
  keyValues,
  note,
  otlpItems,
} from './readers.js';

// OTLP ExportLogsServiceRequest -> LogRecords (the rules shared by every converter are in convert.ts).

const SEVERITY_NAMES: Record<string, number> = { SEVERITY_NUMBER_UNSPECIFIED: 0 };
['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].forEach((name, i) => {
  for (let k = 1; k <= 4; k++) SEVERITY_NAMES[`SEVERITY_NUMBER_${name}${k === 1 ? '' : k}`] = i * 4 + k;
});

/** ExportLogsServiceRequest -> LogRecords. */
export function logsFromRequest(
  request: unknown,
  nowNano: () => bigint = () => BigInt(Date.now()) * 1_000_000n,
): ConvertResult<LogRecord> {
  const result: ConvertResult<LogRecord> = { items: [], rejected: 0, errors: [] };
  for (const { item, path, resource, scope } of otlpItems(request, ['resourceLogs', 'scopeLogs', 'logRecords'])) {
    const traceId = asId(field(item, 'traceId'), 16, `${path}.traceId`);
    const spanId = asId(field(item, 'spanId'), 8, `${path}.spanId`);
    if (traceId === null || spanId === null) {
      note(result, `${path}: traceId must be 16 bytes and spanId 8 bytes (hex in JSON) when present`);
      continue;
    }
    const severityNumber = asEnum(field(item, 'severityNumber'), SEVERITY_NAMES, `${path}.severityNumber`);
    if (severityNumber < 0 || severityNumber > 24) {
      note(result, `${path}: severityNumber must be 0..24`);
      continue;
    }
    let time = asBig(field(item, 'timeUnixNano'), `${path}.timeUnixNano`, false);
    let observed = asBig(field(item, 'observedTimeUnixNano'), `${path}.observedTimeUnixNano`, false);
    // A record without a time would sit at 1970 and never show in a time window: it takes its observed time, and
    // a record with neither takes the time it was received (as the OpenTelemetry log data model suggests).
    if (observed === 0n) observed = time === 0n ? nowNano() : time;
    if (time === 0n) time = observed;
    const record: LogRecord = {
      timeUnixNano: time,
      observedTimeUnixNano: observed,
      severityNumber,
      body: anyValue(field(item, 'body'), `${path}.body`),
      attributes: keyValues(field(item, 'attributes'), `${path}.attributes`),
      resource,
      scope,
    };
    const severityText = asStr(field(item, 'severityText'), `${path}.severityText`);
    if (severityText) record.severityText = severityText;
    const dropped = asU32(field(item, 'droppedAttributesCount'), `${path}.droppedAttributesCount`);
    if (dropped) record.droppedAttributesCount = dropped;
    const flags = asU32(field(item, 'flags'), `${path}.flags`);
    if (flags) record.flags = flags;
    if (traceId) record.traceId = traceId;
    if (spanId) record.spanId = spanId;
    const eventName = asStr(field(item, 'eventName'), `${path}.eventName`);
    if (eventName) record.eventName = eventName;
    result.items.push(record);
  }
  return result;
}
