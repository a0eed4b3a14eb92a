import { makeFullLog, makeFullSpan, makePoint, makeSpan } from '@rohas/telemetry-test-suite';
import { describe, expect, it } from 'vitest';
import { formatPoint } from '../src/line-protocol.js';
import { metricLine } from '../src/metric-schema.js';
import {
  logLine,
  logPointTime,
  nextPointSeq,
  SECOND,
  secondOf,
  slottedWindow,
  spanLine,
  spanPointTime,
  traceBoundsLines,
} from '../src/schema.js';

const M = { spans: 'spans', metrics: 'metrics', logs: 'logs', traceBounds: 'trace_bounds' };

/** Field keys of a line: the text between the first unescaped space and the last space, split on top-level commas. */
function fieldKeys(line: string): string[] {
  const body = line.slice(line.search(/(?<!\\) /) + 1, line.lastIndexOf(' '));
  const keys: string[] = [];
  let inString = false;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '"') inString = !inString;
    else if (c === ',' && !inString) {
      keys.push(body.slice(start, body.indexOf('=', start)));
      start = i + 1;
    }
  }
  keys.push(body.slice(start, body.indexOf('=', start)));
  return keys;
}

describe('schema lines', () => {
  it('uses only plain field keys, so formatPoint may skip key escaping', () => {
    const lines = [
      spanLine(M, makeFullSpan('svc'), 2, 1n),
      metricLine(M, makePoint({ name: 'm', time: 5n, value: 1, attributes: { a: 'b' } })),
      metricLine(M, makePoint({ name: 'h', time: 5n, histogram: { count: 1, sum: 2, bounds: [1], counts: [1, 0] } })),
      logLine(M, makeFullLog('svc'), 7n),
    ];
    for (const line of lines) for (const key of fieldKeys(line)) expect(key).toMatch(/^[a-z_]+$/);
  });

  it('formatPoint writes the pre-escaped tag set, fields and time', () => {
    expect(formatPoint('m', ',a=x\\ y', { n: 1n, s: 'q"', f: 1.5, skip: undefined }, 9n)).toBe(
      'm,a=x\\ y n=1i,s="q\\"",f=1.5 9',
    );
  });

  it('writes one trace_bounds point per trace of a batch, at the second of its latest start, covering its earliest', () => {
    const a = 'a'.repeat(32);
    const b = 'b'.repeat(32);
    const spans = [
      makeSpan({ traceId: a, start: 1_700_000_005_500_000_000n }),
      makeSpan({ traceId: b, start: 1_700_000_001_000_000_001n }),
      makeSpan({ traceId: a, start: 1_700_000_002_250_000_000n }),
      makeSpan({ traceId: a, start: 1_700_000_009_999_999_999n }),
    ];
    const lines = traceBoundsLines(M, spans);
    expect(lines).toHaveLength(2);
    const [la, lb] = lines as [string, string];
    expect(la).toMatch(
      /^trace_bounds,tt=aaaa trace_id="a{32}",first_ns=1700000002250000000i,last_ns=1700000009999999999i \d+$/,
    );
    expect(secondOf(BigInt(la.slice(la.lastIndexOf(' ') + 1)))).toBe(1_700_000_009_000_000_000n);
    expect(lb).toMatch(
      /^trace_bounds,tt=bbbb trace_id="b{32}",first_ns=1700000001000000001i,last_ns=1700000001000000001i 1700000001\d{9}$/,
    );
    // The same part written again says the same at another point time; the tag is the id's tail, not its head.
    const again = traceBoundsLines(M, spans);
    expect(again.map((l) => l.slice(0, l.lastIndexOf(' ')))).toEqual(lines.map((l) => l.slice(0, l.lastIndexOf(' '))));
    expect(again.map((l) => l.split(' ').pop())).not.toEqual(lines.map((l) => l.split(' ').pop()));
    expect(traceBoundsLines(M, [makeSpan({ traceId: `${'0'.repeat(28)}c0de` })])[0]).toMatch(/^trace_bounds,tt=c0de /);
  });

  it('puts a span in the second of its start, with a point time no other span of this process shares', () => {
    const span = makeSpan({ start: 1_700_000_000_987_654_321n });
    const seq = nextPointSeq();
    const t = spanPointTime(span.startTimeUnixNano, seq);
    expect(secondOf(t)).toBe(1_700_000_000_000_000_000n);
    expect(t - secondOf(t)).toBe(seq % 1_000_000_000n);
    expect(spanLine(M, span, 2, 1n, seq).endsWith(` ${t}`)).toBe(true);
    // The same span written again is a new point (reads keep its newest copy); so is every other span.
    const times = new Set(Array.from({ length: 1_000 }, () => spanLine(M, span, 2, 1n).split(' ').pop()));
    expect(times.size).toBe(1_000);
  });

  it('widens query windows to whole seconds so slotted point times are never missed', () => {
    expect(slottedWindow(1_700_000_000_500_000_000n, 1_700_000_002_000_000_000n)).toEqual({
      from: 1_700_000_000_000_000_000n,
      to: 1_700_000_002_000_000_000n,
    });
    expect(slottedWindow(undefined, 1_700_000_002_000_000_001n)).toEqual({ to: 1_700_000_002_000_000_000n + SECOND });
  });

  it('keeps non-finite metric values as text (InfluxDB stores no NaN or Infinity floats)', () => {
    expect(metricLine(M, makePoint({ name: 'n', time: 1n, value: Number.NaN }))).toContain('value_text="NaN"');
    expect(metricLine(M, makePoint({ name: 'n', time: 1n, value: Number.NEGATIVE_INFINITY }))).toContain(
      'value_text="-Infinity"',
    );
  });

  it('gives log records of one second distinct point times, however far apart they are written', async () => {
    const t = 1_700_000_000_250_000_000n;
    const times = new Set<bigint>();
    const first = nextPointSeq();
    times.add(logPointTime(t, first));
    for (let i = 0; i < 9_999; i++) times.add(logPointTime(t, nextPointSeq()));
    // Written a second later (a 1 s flush timer): still new slots.
    await new Promise((r) => setTimeout(r, 1_000));
    for (let i = 0; i < 100; i++) times.add(logPointTime(t, nextPointSeq()));
    expect(times.size).toBe(10_100);
    for (const p of times) expect(secondOf(p)).toBe(1_700_000_000_000_000_000n);
  });
});
