import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { describe, expect, it } from 'vitest';
import { applyOtelEnvironment } from '../src/env-spec.js';
import { createTelemetry, loadConfig } from '../src/index.js';
import {
  DEFAULT_COUNT_LIMIT,
  limitAttributes,
  limitLogRecord,
  limitSpan,
  limitsFromConfig,
  truncateString,
  truncateValue,
} from '../src/limits.js';
import type { LogRecord } from '../src/model.js';
import { checkSpan } from '../src/validate.js';
import { span } from './fixtures.js';

const silent = { debug() {}, info() {}, warn() {}, error() {} };

function manyAttributes(n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) out[`k${i}`] = i;
  return out;
}

describe('OpenTelemetry limits (limits.ts)', () => {
  it('resolves the specification defaults and precedence (signal key > general key > default)', () => {
    const d = limitsFromConfig({});
    expect(d).toEqual({
      spanAttributeCount: 128,
      spanAttributeValueLength: Number.POSITIVE_INFINITY,
      spanEventCount: 128,
      spanLinkCount: 128,
      eventAttributeCount: 128,
      linkAttributeCount: 128,
      logAttributeCount: 128,
      logAttributeValueLength: Number.POSITIVE_INFINITY,
    });
    const l = limitsFromConfig({
      attribute_count_limit: 10,
      attribute_value_length_limit: 20,
      span_attribute_count_limit: 5,
      logrecord_attribute_value_length_limit: 7,
    });
    expect(l).toMatchObject({
      spanAttributeCount: 5,
      spanAttributeValueLength: 20,
      eventAttributeCount: 10,
      linkAttributeCount: 10,
      logAttributeCount: 10,
      logAttributeValueLength: 7,
      spanEventCount: DEFAULT_COUNT_LIMIT,
    });
  });

  it('maps OTEL_LOGRECORD_* variables to their keys', () => {
    const section: Record<string, unknown> = {};
    applyOtelEnvironment(
      section,
      { OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '3', OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: '9' },
      () => {},
    );
    expect(section).toEqual({ logrecord_attribute_count_limit: 3, logrecord_attribute_value_length_limit: 9 });
  });

  it('keeps the first N attributes and counts the rest as dropped; returns the same object when within limits', () => {
    const attrs = manyAttributes(200);
    const r = limitAttributes(attrs, 128, Number.POSITIVE_INFINITY);
    expect(Object.keys(r.attributes)).toEqual(Object.keys(attrs).slice(0, 128));
    expect(r.dropped).toBe(72);
    const small = { a: 'x', b: 1 };
    expect(limitAttributes(small, 128, 10).attributes).toBe(small);
  });

  it('truncates strings, string arrays and byte arrays, never splitting a surrogate pair; other types are kept', () => {
    expect(truncateString('abcdef', 3)).toBe('abc');
    // '😀' is two UTF-16 units; a cut after its first would leave a lone surrogate, which no backend can store.
    const cut = truncateString('ab😀cd', 3);
    expect(cut).toBe('ab');
    expect(checkSpan(span({ name: cut }))).toBeUndefined();
    expect(truncateValue(['hello', 'hi', 42 as never], 3)).toEqual(['hel', 'hi', 42]);
    expect(truncateValue(123456789, 3)).toBe(123456789);
    expect(truncateValue(true, 0)).toBe(true);
    expect(truncateValue(new Uint8Array([1, 2, 3, 4]), 2)).toEqual(new Uint8Array([1, 2]));
    expect(truncateValue({ nested: 'abcdef' }, 2)).toEqual({ nested: 'ab' });
    const r = limitAttributes({ a: 'long value', b: 'ok' }, 128, 4);
    expect(r).toEqual({ attributes: { a: 'long', b: 'ok' }, dropped: 0 });
  });

  it('limits a span: attributes, events, links and their attributes, adding to the dropped counts it came with', () => {
    const limits = limitsFromConfig({ attribute_count_limit: 2, span_event_count_limit: 1, span_link_count_limit: 1 });
    const link = { traceId: '1'.repeat(32), spanId: '2'.repeat(16), attributes: manyAttributes(3) };
    const s = span({
      attributes: manyAttributes(5),
      droppedAttributesCount: 4,
      events: [
        { name: 'e1', timeUnixNano: 1n, attributes: manyAttributes(4), droppedAttributesCount: 1 },
        { name: 'e2', timeUnixNano: 2n, attributes: {} },
      ],
      droppedEventsCount: 2,
      links: [link, link, link],
    });
    const out = limitSpan(s, limits);
    expect(Object.keys(out.attributes)).toEqual(['k0', 'k1']);
    expect(out.droppedAttributesCount).toBe(4 + 3);
    expect(out.events.map((e) => e.name)).toEqual(['e1']);
    expect(out.droppedEventsCount).toBe(2 + 1);
    expect(out.events[0]!.attributes).toEqual({ k0: 0, k1: 1 });
    expect(out.events[0]!.droppedAttributesCount).toBe(1 + 2);
    expect(out.links).toHaveLength(1);
    expect(out.droppedLinksCount).toBe(2);
    expect(out.links[0]!.droppedAttributesCount).toBe(1);
    // The input is not mutated.
    expect(Object.keys(s.attributes)).toHaveLength(5);
    expect(s.events).toHaveLength(2);
    const ok = span({ attributes: { a: 1 } });
    expect(limitSpan(ok, limitsFromConfig({}))).toBe(ok);
  });

  it('limits a log record (attributes only, never the body)', () => {
    const record: LogRecord = {
      timeUnixNano: 1n,
      observedTimeUnixNano: 1n,
      severityNumber: 9,
      body: 'a body longer than the limit',
      attributes: { a: 'abcdef', b: 1, c: 2 },
      resource: { attributes: {} },
      scope: { name: 's' },
    };
    const out = limitLogRecord(
      record,
      limitsFromConfig({ logrecord_attribute_count_limit: 2, logrecord_attribute_value_length_limit: 3 }),
    );
    expect(out.attributes).toEqual({ a: 'abc', b: 1 });
    expect(out.droppedAttributesCount).toBe(1);
    expect(out.body).toBe(record.body);
  });

  it('createTelemetry applies the span and log record limits of its config in the SDK', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rohas-limits-'));
    writeFileSync(
      join(dir, 'rohas.toml'),
      [
        '[telemetry]',
        'service_name = "limits"',
        'metric_export_interval_ms = 60000',
        'span_attribute_count_limit = 3',
        'attribute_value_length_limit = 5',
        'span_event_count_limit = 2',
        'logrecord_attribute_count_limit = 2',
      ].join('\n'),
    );
    const telemetry = await createTelemetry(loadConfig(join(dir, 'rohas.toml'), { env: {} }), {
      logger: silent,
      registerGlobal: false,
    });
    try {
      const s = telemetry.tracer.startSpan('limited');
      s.setAttributes(manyAttributes(10));
      s.setAttribute('k0', 'a long string');
      for (let i = 0; i < 5; i++) s.addEvent(`e${i}`);
      s.end();
      telemetry.logger.emit({ severityNumber: SeverityNumber.INFO, body: 'b', attributes: { x: 1, y: 2, z: 3 } });
      await telemetry.forceFlush();
      const traceId = s.spanContext().traceId;
      const [stored] = (await telemetry.query.getTrace(traceId))!;
      expect(stored!.attributes).toEqual({ k0: 'a lon', k1: 1, k2: 2 });
      expect(stored!.droppedAttributesCount).toBe(7);
      expect(stored!.events).toHaveLength(2);
      expect(stored!.droppedEventsCount).toBe(3);
      const logs = await telemetry.query.queryLogs({ service: 'limits' });
      expect(logs.items[0]!.attributes).toEqual({ x: 1, y: 2 });
      expect(logs.items[0]!.droppedAttributesCount).toBe(1);
    } finally {
      await telemetry.shutdown();
    }
  });
});
