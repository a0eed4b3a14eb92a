import { randomBytes } from 'node:crypto';
import { otlpTypes } from '../../src/index.js';

/** A valid ExportTraceServiceRequest as protobufjs input (ids as Buffers, 64-bit values as decimal strings). */
export function traceRequestObject(service: string, spans = 3, traceId = randomBytes(16)) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [
          {
            scope: { name: 'payloads', version: '1' },
            spans: Array.from({ length: spans }, (_, i) => ({
              traceId,
              spanId: randomBytes(8),
              name: `op-${i}`,
              kind: 2,
              startTimeUnixNano: String(now + BigInt(i)),
              endTimeUnixNano: String(now + BigInt(i) + 1_000_000n),
              attributes: [
                { key: 'http.route', value: { stringValue: `/r/${i}` } },
                { key: 'n', value: { intValue: String(i) } },
                { key: 'big', value: { intValue: '9007199254740993' } },
              ],
              events: [
                { timeUnixNano: String(now), name: 'e', attributes: [{ key: 'k', value: { boolValue: true } }] },
              ],
              status: { code: i === 0 ? 2 : 0, message: i === 0 ? 'bad' : '' },
            })),
          },
        ],
      },
    ],
  };
}

export function encodeTraces(obj: unknown): Buffer {
  const t = otlpTypes().traceRequest;
  return Buffer.from(t.encode(t.fromObject(obj as Record<string, unknown>)).finish());
}

/** The same request in OTLP/JSON (hex ids, string int64s). */
export function traceRequestJson(service: string, spans = 3, traceId = randomBytes(16)) {
  const obj = traceRequestObject(service, spans, traceId);
  return JSON.parse(
    JSON.stringify(obj, (k, v) =>
      v && v.type === 'Buffer' && Array.isArray(v.data) ? Buffer.from(v.data).toString('hex') : v,
    ),
  );
}
