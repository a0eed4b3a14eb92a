import { describe, expect, it } from 'vitest';
import { familyNames, sanitizeLabelName, sanitizeMetricName, unitSuffix } from '../src/naming.js';

describe('Prometheus names (OTel compatibility spec)', () => {
  it('sanitizes metric names: invalid characters to _, runs collapsed, leading digit prefixed', () => {
    expect(sanitizeMetricName('http.server.request.duration')).toBe('http_server_request_duration');
    expect(sanitizeMetricName('a..b--c')).toBe('a_b_c');
    expect(sanitizeMetricName('2xx.count')).toBe('_2xx_count');
    expect(sanitizeMetricName('ns:rule')).toBe('ns:rule');
  });

  it('sanitizes label names and keeps them valid', () => {
    expect(sanitizeLabelName('http.route')).toBe('http_route');
    expect(sanitizeLabelName('__x')).toBe('_x');
    expect(sanitizeLabelName('1a')).toBe('key_1a');
    expect(sanitizeLabelName('ümlaut')).toBe('_mlaut');
    expect(sanitizeLabelName('a:b')).toBe('a_b');
  });

  it('converts units', () => {
    expect(unitSuffix('ms', false)).toBe('milliseconds');
    expect(unitSuffix('s', false)).toBe('seconds');
    expect(unitSuffix('By', false)).toBe('bytes');
    expect(unitSuffix('By/s', false)).toBe('bytes_per_second');
    expect(unitSuffix('{request}', false)).toBe('');
    expect(unitSuffix('{packet}/s', false)).toBe('per_second');
    expect(unitSuffix('1', true)).toBe('ratio');
    expect(unitSuffix('1', false)).toBe('');
    expect(unitSuffix('%', true)).toBe('percent');
    expect(unitSuffix(undefined, true)).toBe('');
  });

  it('builds family names: unit before _total, unit not repeated, prefix first', () => {
    expect(familyNames('handler.execution.count', '{execution}', 'counter', '')).toEqual({
      text: 'handler_execution_count_total',
      openMetrics: 'handler_execution_count',
      unit: '',
    });
    expect(familyNames('handler.execution.duration', 'ms', 'histogram', '')).toEqual({
      text: 'handler_execution_duration_milliseconds',
      openMetrics: 'handler_execution_duration_milliseconds',
      unit: 'milliseconds',
    });
    expect(familyNames('rpc.bytes', 'By', 'counter', 'rohas')?.text).toBe('rohas_rpc_bytes_total');
    expect(familyNames('requests_total', undefined, 'counter', '')?.text).toBe('requests_total');
    expect(familyNames('cpu.time', 's', 'counter', '')?.text).toBe('cpu_time_seconds_total');
    expect(familyNames('...', undefined, 'gauge', '')).toBeUndefined();
  });
});
