import { describe, expect, it } from 'vitest';
import { copyField, copyRow } from '../src/copy-format.js';
import { isRetryable } from '../src/errors.js';
import { loadMigrations, lockKey } from '../src/migrations.js';
import { equalJsonForms, globToLike } from '../src/sql-filters.js';
import { ESC, escapeText, jsonForDb, jsonFromDb, unescapeText } from '../src/text-encoding.js';

describe('NUL-safe text encoding', () => {
  const samples = [
    '',
    'plain',
    'nul\0byte',
    '\0',
    '\0\0',
    ESC,
    `${ESC}0`,
    `a${ESC}${ESC}\0b`,
    `\0${ESC}0${ESC}`,
    'unicode héllo 🌍',
  ];
  it('round-trips every string and never leaves a NUL', () => {
    for (const s of samples) {
      const e = escapeText(s);
      expect(e.includes('\0')).toBe(false);
      expect(unescapeText(e)).toBe(s);
    }
  });
  it('is injective, so equality on stored text is exact', () => {
    const encoded = samples.map(escapeText);
    expect(new Set(encoded).size).toBe(samples.length);
  });
  it('leaves strings without NUL or the escape character alone', () => {
    expect(escapeText('nothing to do')).toBe('nothing to do');
  });
  it('escapes strings and keys inside JSON and restores them', () => {
    const json = JSON.stringify({ 'k\0': ['v\0', `${ESC}`, { deep: '\0' }], n: 1 });
    const stored = jsonForDb(json);
    expect(stored.includes('\\u0000')).toBe(false);
    expect(JSON.parse(jsonFromDb(stored))).toEqual(JSON.parse(json));
    // A literal backslash-u0000 text (not a NUL) is not touched.
    const literal = JSON.stringify({ k: '\\u0000' });
    expect(JSON.parse(jsonFromDb(jsonForDb(literal)))).toEqual({ k: '\\u0000' });
  });
});

describe('COPY text format', () => {
  it('escapes backslash, newline, carriage return and tab, and writes null as \\N', () => {
    expect(copyField('a\\b\nc\rd\te')).toBe('a\\\\b\\nc\\rd\\te');
    expect(copyField(null)).toBe('\\N');
    expect(copyField(undefined)).toBe('\\N');
    expect(copyField('\\N')).toBe('\\\\N');
    expect(copyField('\\.')).toBe('\\\\.');
    expect(copyField('quote " and , comma')).toBe('quote " and , comma');
  });
  it('writes numbers, bigints and booleans as PostgreSQL reads them', () => {
    expect(copyField(Number.NaN)).toBe('NaN');
    expect(copyField(Number.POSITIVE_INFINITY)).toBe('Infinity');
    expect(copyField(-1.5)).toBe('-1.5');
    expect(copyField(12345678901234567890n)).toBe('12345678901234567890');
    expect(copyField(true)).toBe('t');
    expect(copyRow(['a', 1, null])).toBe('a\t1\t\\N\n');
  });
});

describe('attribute filter SQL pieces', () => {
  it('turns a glob into a LIKE pattern with %, _ and backslash escaped', () => {
    expect(globToLike('user-1*')).toBe('user-1%');
    expect(globToLike('user-?')).toBe('user-_');
    expect(globToLike('per%cent_under\\*')).toBe('per\\%cent\\_under\\\\%');
  });
  it('lists the stored JSON forms equal to a value under typed equality', () => {
    expect(equalJsonForms(200)).toEqual(['200', '{"$int":"200"}']);
    expect(equalJsonForms(200n)).toEqual(['200', '{"$int":"200"}']);
    expect(equalJsonForms(9_007_199_254_740_993n)).toEqual(['9007199254740993', '{"$int":"9007199254740993"}']);
    expect(equalJsonForms(1.5)).toEqual(['1.5']);
    expect(equalJsonForms('200')).toEqual(['"200"']);
    expect(equalJsonForms(true)).toEqual(['true']);
    expect(equalJsonForms(Number.NaN)).toEqual([]);
    expect(equalJsonForms(Number.POSITIVE_INFINITY)).toEqual(['{"$double":"Infinity"}']);
    expect(equalJsonForms('nul\0')).toEqual([JSON.stringify(`nul${ESC}0`)]);
  });
});

describe('errors and migrations', () => {
  it('treats connection and server-availability errors as retryable, data errors not', () => {
    expect(isRetryable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(
      isRetryable(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })),
    ).toBe(true);
    expect(isRetryable(Object.assign(new Error('deadlock detected'), { code: '40P01' }))).toBe(true);
    expect(isRetryable(new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }))).toBe(
      true,
    );
    expect(isRetryable(Object.assign(new Error('invalid input syntax'), { code: '22P02' }))).toBe(false);
    expect(isRetryable(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
  });
  it('loads versioned migrations in order, each for its modes', async () => {
    const m = await loadMigrations();
    expect(m.map((x) => x.version)).toEqual([...m.map((x) => x.version)].sort((a, b) => a - b));
    expect(m[0]).toMatchObject({ version: 1, modes: ['timescaledb', 'postgres'] });
    expect(m.find((x) => x.name.includes('.timescaledb.'))?.modes).toEqual(['timescaledb']);
  });
  it('derives a stable advisory-lock key per schema', () => {
    expect(lockKey('rohas_telemetry')).toBe(lockKey('rohas_telemetry'));
    expect(lockKey('rohas_telemetry')).not.toBe(lockKey('other'));
    expect(lockKey('x')).toBeGreaterThanOrEqual(0);
    expect(lockKey('x')).toBeLessThan(2 ** 31);
  });
});
