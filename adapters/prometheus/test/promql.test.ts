import type { NormalizedMetricQuery } from '@rohas/telemetry/adapter';
import { describe, expect, it } from 'vitest';
import { buildPromQL, globToRe2, labelMatcher, promqlString } from '../src/promql.js';

const q = (over: Partial<NormalizedMetricQuery> = {}): NormalizedMetricQuery => ({
  name: 'x',
  start: 0n,
  end: 60_000_000_000n,
  aggregation: 'avg',
  attributes: [],
  ...over,
});

describe('PromQL text', () => {
  it('string literals escape quotes, backslashes and control characters', () => {
    expect(promqlString('plain')).toBe('"plain"');
    expect(promqlString('a"b')).toBe('"a\\"b"');
    expect(promqlString('a\\"}) or vector(1) #')).toBe('"a\\\\\\"}) or vector(1) #"');
    expect(promqlString('l1\nl2\r\t\u0000\u007f')).toBe('"l1\\nl2\\r\\t\\x00\\x7f"');
    expect(promqlString("ünï 😀 `'")).toBe('"ünï 😀 `\'"');
  });

  it('label matchers per operator, keys sanitized, values stringified as exposed', () => {
    expect(labelMatcher({ key: 'http.route', op: '=', value: '/a"b' })).toBe('http_route="/a\\"b"');
    expect(labelMatcher({ key: 'code', op: '!=', value: 500 })).toBe('code!="500"');
    expect(labelMatcher({ key: 'k', op: 'exists' })).toBe('k!=""');
    expect(labelMatcher({ key: 'k', op: 'wildcard', value: 'a.*?' })).toBe('k=~"a\\\\.(?s:.*)(?s:.)"');
    expect(labelMatcher({ key: 'k', op: 'regex', value: '^ab+' })).toBe('k=~"(?s:.*)(?:^ab+)(?s:.*)"');
  });

  it('globs become anchored RE2 with metacharacters quoted', () => {
    expect(globToRe2('a+b(c)|[d]{2}$^')).toBe('a\\+b\\(c\\)\\|\\[d\\]\\{2\\}\\$\\^');
  });

  it('builds aggregations over the bucket range, grouped as asked', () => {
    const counter = { family: 'reqs_total', type: 'counter' as const };
    expect(buildPromQL(q({ aggregation: 'max', groupBy: ['http.route'] }), counter, '10000ms')).toBe(
      'max by (http_route) (max_over_time(reqs_total{}[10000ms]))',
    );
    expect(buildPromQL(q({ aggregation: 'last' }), counter, '1s')).toBe(
      'sum without (job, instance, otel_scope_name, otel_scope_version) (last_over_time(reqs_total{}[1s]))',
    );
    const hist = { family: 'lat_seconds', type: 'histogram' as const };
    expect(buildPromQL(q({ aggregation: 'p95', groupBy: [] }), hist, '1s')).toBe(
      'histogram_quantile(0.95, sum by (le) (sum_over_time(lat_seconds_bucket{}[1s])))',
    );
    expect(buildPromQL(q({ aggregation: 'count', service: 'svc"x' }), hist, '1s')).toContain(
      'and on (job, instance) last_over_time(target_info{service_name="svc\\"x"}[1s])',
    );
    expect(() => buildPromQL(q({ aggregation: 'min' }), hist, '1s')).toThrow(/not available for histograms/);
  });
});
