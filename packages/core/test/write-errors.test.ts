import { describe, expect, it } from 'vitest';
import { retryableBy, writeFailureFor } from '../src/adapter/index.js';

const coded = (message: string, code: string | number) => Object.assign(new Error(message), { code });

describe('kit: retryableBy / writeFailureFor', () => {
  const isRetryable = retryableBy({
    codes: new Set(['40P01', '159']),
    codeMatches: (c) => c.startsWith('08'),
    messages: /Connection terminated/,
  });

  it("retries network codes, the adapter's codes, code rules and messages, through causes and AggregateErrors", () => {
    expect(isRetryable(coded('connect ECONNREFUSED', 'ECONNREFUSED'))).toBe(true);
    expect(isRetryable(coded('deadlock', '40P01'))).toBe(true);
    expect(isRetryable(coded('timeout', 159))).toBe(true);
    expect(isRetryable(coded('connection failure', '08006'))).toBe(true);
    expect(isRetryable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isRetryable(new Error('wrapped', { cause: coded('x', 'ECONNRESET') }))).toBe(true);
    expect(isRetryable(new AggregateError([new Error('bad'), coded('x', 'ETIMEDOUT')]))).toBe(true);
  });

  it('does not retry bad data', () => {
    expect(isRetryable(coded('invalid input syntax', '22P02'))).toBe(false);
    expect(isRetryable(new Error('duplicate key'))).toBe(false);
    expect(isRetryable(undefined)).toBe(false);
    expect(retryableBy({})(coded('deadlock', '40P01'))).toBe(false);
  });

  it('builds a WriteResult naming the adapter, saying whether to retry, keeping the cause', () => {
    const writeFailure = writeFailureFor('pgx', isRetryable);
    const cause = coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED');
    const r = writeFailure('writing 3 spans', cause);
    expect(r).toMatchObject({ ok: false, retryable: true });
    if (r.ok) throw new Error('unreachable');
    expect(r.error.message).toBe(
      '[rohas-telemetry] [pgx] writing 3 spans failed (backend unreachable or busy; retry): connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(r.error.cause).toBe(cause);
    const bad = writeFailure('writing 1 span', 'value too long');
    expect(bad).toMatchObject({ ok: false, retryable: false });
    if (!bad.ok) expect(bad.error.message).toBe('[rohas-telemetry] [pgx] writing 1 span failed: value too long');
  });
});
