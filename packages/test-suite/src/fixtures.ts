import { randomBytes } from 'node:crypto';
import type { Attributes, LogRecord, MetricPoint, SpanRecord } from '@rohas/telemetry/adapter';

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');
export const newTraceId = (): string => randomHex(16);
export const newSpanId = (): string => randomHex(8);
/** A unique token per test, so runs sharing one database never see each other's data. */
export const runId = (): string => `t${randomHex(6)}`;

export const MS = 1_000_000n;
export const SECOND = 1_000_000_000n;
export const DAY = 86_400n * SECOND;

/** "Now" in nanoseconds, with sub-microsecond digits so truncation to µs or ms shows up. */
export function nowNano(): bigint {
  return BigInt(Date.now()) * MS + 123_457n;
}

/** Strings that break naive SQL, InfluxQL, Flux, LIKE, regex and line-protocol handling. */
export const HOSTILE_STRINGS = [
  "'; DROP TABLE spans; --",
  'quote " double',
  "it's",
  'back\\slash\\',
  'nul\0byte',
  'new\nline\r\ttab',
  'per%cent_under',
  'regex.*[meta](chars)^$|+?{}',
  'comma,equals=space tag',
  '${interpolate} `tick` $1 :param',
  'unicode héllo 🌍 世界 \u202e',
  '/* comment */ -- x',
];

export interface SpanInput {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  service?: string;
  start?: bigint;
  durationNano?: bigint;
  status?: 0 | 1 | 2;
  attributes?: Attributes;
  resourceAttributes?: Attributes;
}

export function makeSpan(input: SpanInput = {}): SpanRecord {
  const start = input.start ?? nowNano();
  const span: SpanRecord = {
    traceId: input.traceId ?? newTraceId(),
    spanId: input.spanId ?? newSpanId(),
    name: input.name ?? 'GET /users',
    kind: 2,
    startTimeUnixNano: start,
    endTimeUnixNano: start + (input.durationNano ?? 5n * MS),
    status: { code: input.status ?? 0 },
    attributes: input.attributes ?? {},
    events: [],
    links: [],
    resource: { attributes: { 'service.name': input.service ?? 'svc', ...input.resourceAttributes } },
    scope: { name: 'conformance', version: '1.0.0' },
  };
  if (input.parentSpanId) span.parentSpanId = input.parentSpanId;
  return span;
}

/** A span with every field set and every attribute type, to prove lossless round-trips. */
export function makeFullSpan(service: string): SpanRecord {
  const traceId = newTraceId();
  const start = nowNano();
  return {
    traceId,
    spanId: newSpanId(),
    parentSpanId: newSpanId(),
    traceState: 'vendor=abc,other=1',
    name: 'full span ✓',
    kind: 3,
    startTimeUnixNano: start,
    endTimeUnixNano: start + 1_234_567_891n,
    status: { code: 2, message: 'boom: "quoted"' },
    attributes: {
      str: 'value',
      empty: '',
      unicode: 'héllo 🌍 世界',
      int: 42,
      negative: -7,
      double: 3.25,
      tiny: 1e-300,
      'big.int': 9_007_199_254_740_993n,
      'bool.true': true,
      'bool.false': false,
      'str.array': ['a', 'b', ''],
      'num.array': [1, 2.5, -3],
      'bool.array': [true, false],
      bytes: new Uint8Array([0, 1, 2, 254, 255]),
      long: 'x'.repeat(64 * 1024),
      'http.status_code': 200,
    },
    droppedAttributesCount: 3,
    events: [
      {
        name: 'exception',
        timeUnixNano: start + 1n,
        attributes: { 'exception.message': 'bad', n: 1 },
        droppedAttributesCount: 1,
      },
      { name: 'second', timeUnixNano: start + 999_999_999n, attributes: {} },
    ],
    droppedEventsCount: 2,
    links: [
      {
        traceId: newTraceId(),
        spanId: newSpanId(),
        traceState: 'k=v',
        attributes: { 'link.kind': 'follows' },
        droppedAttributesCount: 0,
      },
    ],
    droppedLinksCount: 1,
    resource: {
      attributes: { 'service.name': service, 'host.name': 'box-1', 'process.pid': 1234 },
      droppedAttributesCount: 0,
    },
    scope: { name: '@rohas/conformance', version: '2.0.1', attributes: { 'scope.attr': 'yes' } },
    flags: 1,
  };
}

export interface PointInput {
  name: string;
  service?: string;
  time: bigint;
  value?: number;
  attributes?: Attributes;
  type?: MetricPoint['type'];
  temporality?: MetricPoint['temporality'];
  histogram?: MetricPoint['histogram'];
}

export function makePoint(input: PointInput): MetricPoint {
  const type = input.type ?? (input.histogram ? 'histogram' : 'gauge');
  const point: MetricPoint = {
    name: input.name,
    description: `description of ${input.name}`,
    unit: 'ms',
    type,
    temporality: input.temporality ?? (type === 'gauge' ? 'unspecified' : 'cumulative'),
    attributes: input.attributes ?? {},
    resource: { attributes: { 'service.name': input.service ?? 'svc' } },
    scope: { name: 'conformance' },
    startTimeUnixNano: input.time - 10n * SECOND,
    timeUnixNano: input.time,
  };
  if (type === 'counter' || type === 'up_down_counter') point.isMonotonic = type === 'counter';
  if (input.histogram) point.histogram = input.histogram;
  else point.value = input.value ?? 0;
  return point;
}

export interface LogInput {
  time?: bigint;
  severity?: number;
  body?: LogRecord['body'];
  service?: string;
  traceId?: string;
  spanId?: string;
  attributes?: Attributes;
}

export function makeLog(input: LogInput = {}): LogRecord {
  const time = input.time ?? nowNano();
  const log: LogRecord = {
    timeUnixNano: time,
    observedTimeUnixNano: time + 17n,
    severityNumber: input.severity ?? 9,
    severityText: severityText(input.severity ?? 9),
    body: 'body' in input ? (input.body as LogRecord['body']) : 'hello',
    attributes: input.attributes ?? {},
    resource: { attributes: { 'service.name': input.service ?? 'svc' } },
    scope: { name: 'conformance' },
  };
  if (input.traceId) log.traceId = input.traceId;
  if (input.spanId) log.spanId = input.spanId;
  return log;
}

export function severityText(n: number): string {
  if (n >= 21) return 'FATAL';
  if (n >= 17) return 'ERROR';
  if (n >= 13) return 'WARN';
  if (n >= 9) return 'INFO';
  if (n >= 5) return 'DEBUG';
  return 'TRACE';
}

/** A log with every field set and a structured body of every value type. */
export function makeFullLog(service: string): LogRecord {
  const time = nowNano();
  return {
    timeUnixNano: time,
    observedTimeUnixNano: time + 5n,
    severityNumber: 17,
    severityText: 'ERROR',
    body: {
      message: 'Handler failed ✗',
      nested: { list: [1, 'two', true, null], big: 12_345_678_901_234_567_890n },
      bytes: new Uint8Array([9, 8, 7]),
      $int: 'not a tag',
    },
    attributes: {
      handler: 'CreateUser',
      execution_time_ms: 45,
      ok: false,
      tags: ['a', 'b'],
      long: 'y'.repeat(64 * 1024),
    },
    droppedAttributesCount: 2,
    traceId: newTraceId(),
    spanId: newSpanId(),
    flags: 1,
    eventName: 'handler.failed',
    resource: { attributes: { 'service.name': service, 'deployment.environment': 'test' }, droppedAttributesCount: 1 },
    scope: { name: 'logger', version: '0.1.0', attributes: { 'scope.k': 1 } },
  };
}
