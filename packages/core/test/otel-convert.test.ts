import { SpanKind } from '@opentelemetry/api';
import { BasicTracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { spanFromReadable } from '../src/otel-convert.js';

describe('spanFromReadable', () => {
  it('copies every attribute with its type; arrays are copies, not the SDK span’s own', () => {
    const ended: ReadableSpan[] = [];
    const provider = new BasicTracerProvider({
      spanProcessors: [
        { onStart() {}, onEnd: (s) => ended.push(s), forceFlush: async () => {}, shutdown: async () => {} },
      ],
    });
    const attributes = {
      'http.method': 'GET',
      'http.status_code': 200,
      ratio: 0.25,
      ok: true,
      off: false,
      empty: '',
      tags: ['a', 'b'],
      codes: [1, 2],
    };
    const span = provider.getTracer('t').startSpan('GET /', { kind: SpanKind.SERVER, attributes });
    span.addEvent('e', { 'event.n': 3 });
    span.end();
    const record = spanFromReadable(ended[0]!);
    expect(record.attributes).toEqual(attributes);
    expect(Object.keys(record.attributes)).toEqual(Object.keys(attributes));
    expect(record.attributes.tags).not.toBe(ended[0]!.attributes.tags);
    expect(record.events[0]!.attributes).toEqual({ 'event.n': 3 });
    expect(record.kind).toBe(2); // SERVER in OTLP numbering
    expect(typeof record.startTimeUnixNano).toBe('bigint');
  });
});
