import { describe, expect, it } from 'vitest';
import { attributeCondition, decodeAttributeMaps, encodeAttributeMaps, globToLike, plainText } from '../src/codec.js';
import { Params } from '../src/db.js';
import { createStatements, lookupViewStatement, TABLES } from '../src/migrations.js';
import { resolveOptions } from '../src/options.js';

describe('attribute maps', () => {
  it('writes the Collector text form and a typed map for non-strings only, and reads both back exactly', () => {
    const attrs = {
      s: 'x',
      n: 42,
      d: 3.25,
      b: true,
      big: 9_007_199_254_740_993n,
      arr: ['a', 'b'],
      bytes: new Uint8Array([1, 2]),
    };
    const { plain, typed } = encodeAttributeMaps(attrs);
    expect(plain).toEqual({
      s: 'x',
      n: '42',
      d: '3.25',
      b: 'true',
      big: '9007199254740993',
      arr: '["a","b"]',
      bytes: 'AQI=',
    });
    expect(Object.keys(typed).sort()).toEqual(['arr', 'b', 'big', 'bytes', 'd', 'n']);
    expect(decodeAttributeMaps(plain, typed)).toEqual(attrs);
    // A row a Collector wrote has no typed map: every value is the string it holds.
    expect(decodeAttributeMaps(plain, {})).toEqual(plain);
    expect(plainText(null)).toBe('');
  });

  it('runs regex as match() on string values with the pattern bound, and refuses what RE2 lacks by name', () => {
    const p = new Params();
    const own = { plain: 'SpanAttributes', typed: 'SpanAttributesTyped' };
    const resource = { plain: 'ResourceAttributes', typed: 'ResourceAttributesTyped' };
    const pattern = "^user-(2|3)$'; --";
    const sql = attributeCondition({ key: 'user.id', op: 'regex', value: pattern }, p, own, resource);
    expect(sql).toContain('match(');
    expect(sql).not.toContain('user-');
    expect(Object.values(p.values)).toContain(pattern);
    for (const bad of ['a(?=b)', '(?!x)y', '(?<=a)b', '(a)\\1', '(?<n>a)\\k<n>'])
      expect(() => attributeCondition({ key: 'k', op: 'regex', value: bad }, new Params(), own, resource)).toThrow(
        /\[clickhouse\] attributes: regex .* lookaround or a backreference/,
      );
  });

  it('binds every key and value as a parameter, never in the SQL text', () => {
    const p = new Params();
    const hostile = "'; DROP TABLE otel_traces; --";
    const sql = attributeCondition(
      { key: hostile, op: '=', value: hostile },
      p,
      { plain: 'SpanAttributes', typed: 'SpanAttributesTyped' },
      { plain: 'ResourceAttributes', typed: 'ResourceAttributesTyped' },
    );
    expect(sql).not.toContain('DROP');
    expect(Object.values(p.values)).toEqual([hostile, hostile]);
  });

  it('compares numbers with their typed forms: 200 matches 200 and 200n, never "200"', () => {
    const p = new Params();
    attributeCondition(
      { key: 'code', op: '=', value: 200 },
      p,
      { plain: 'A', typed: 'AT' },
      { plain: 'R', typed: 'RT' },
    );
    expect(p.values.p1).toEqual(['200', '{"$int":"200"}']);
  });

  it('turns a glob into a LIKE pattern with %, _ and \\ taken literally', () => {
    expect(globToLike('per%cent_*?\\')).toBe('per\\%cent\\_%_\\\\');
  });
});

describe('DDL', () => {
  const single = { db: '`otel`', cluster: undefined, onCluster: '' };
  const cluster = { db: '`otel`', cluster: 'c1', onCluster: 'ON CLUSTER `c1`' };

  it('creates the Collector tables, adds rohas columns to existing ones, and sets the TTL from retention', () => {
    const s = createStatements(single, TABLES.otel_traces!, 7);
    expect(s[0]).toMatch(/^CREATE TABLE IF NOT EXISTS `otel`.`otel_traces` +\(/);
    expect(s[0]).toContain('ENGINE = ReplacingMergeTree');
    expect(s[0]).toContain('`Timestamp` DateTime64(9)');
    expect(s[0]).toContain('TTL toDateTime(Timestamp) + toIntervalDay(10)');
    expect(s).toContain(
      'ALTER TABLE `otel`.`otel_traces`  ADD COLUMN IF NOT EXISTS `SpanAttributesTyped` Map(LowCardinality(String), String) CODEC(ZSTD(1))',
    );
    expect(createStatements(single, TABLES.otel_logs!, 0).join('\n')).not.toContain('TTL');
  });

  it('in cluster mode: ON CLUSTER, Replicated engines on <table>_local, a Distributed table of the Collector name', () => {
    const s = createStatements(cluster, TABLES.otel_traces!, 0);
    expect(s[0]).toContain('CREATE TABLE IF NOT EXISTS `otel`.`otel_traces_local` ON CLUSTER `c1`');
    expect(s[0]).toContain('ENGINE = ReplicatedReplacingMergeTree');
    expect(s.join('\n')).toContain(
      'CREATE TABLE IF NOT EXISTS `otel`.`otel_traces` ON CLUSTER `c1` AS `otel`.`otel_traces_local` ENGINE = Distributed(`c1`, `otel`, `otel_traces_local`, cityHash64(TraceId))',
    );
    expect(lookupViewStatement(cluster)).toContain('TO `otel`.`otel_traces_trace_id_ts_local`');
  });
});

describe('options', () => {
  it('applies defaults and names a bad key', () => {
    const read = (o: Record<string, unknown>) => resolveOptions({ options: { type: 'clickhouse', ...o } });
    expect(read({})).toMatchObject({ url: 'http://localhost:8123', database: 'otel', compress: true });
    expect(() => read({ database: 'x; DROP' })).toThrow(/\[clickhouse\] key database/);
    expect(() => read({ url: 'localhost' })).toThrow(/key url/);
    expect(() => read({ compres: true })).toThrow(/compres/);
  });
});
