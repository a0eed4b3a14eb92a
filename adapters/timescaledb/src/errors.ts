import type { WriteResult } from '@rohas/telemetry/adapter';
import { asError, where } from '@rohas/telemetry/adapter';

export const W = where('timescaledb');

// SQLSTATE classes and codes after which the same write can succeed later.
const RETRYABLE_CLASSES = ['08', '53', '57', '58'];
const RETRYABLE_CODES = new Set(['40001', '40P01', '55P03', '57014']);
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ENETUNREACH',
]);
const RETRYABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|terminating connection|the database system is (starting up|shutting down)|Connection ended/i;

/** Whether an error from pg means the server was unreachable or busy (retry) rather than that the data was bad. */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  if (typeof e.code === 'string') {
    if (RETRYABLE_NODE_CODES.has(e.code) || RETRYABLE_CODES.has(e.code)) return true;
    if (e.code.length === 5 && RETRYABLE_CLASSES.includes(e.code.slice(0, 2))) return true;
  }
  if (typeof e.message === 'string' && RETRYABLE_MESSAGES.test(e.message)) return true;
  if (e instanceof AggregateError) return e.errors.some(isRetryable);
  return e.cause !== undefined && e.cause !== e ? isRetryable(e.cause) : false;
}

export function writeFailure(what: string, error: unknown): WriteResult {
  const cause = asError(error);
  const retryable = isRetryable(error);
  return {
    ok: false,
    retryable,
    error: new Error(
      `${W} ${what} failed${retryable ? ' (backend unreachable or busy; retry)' : ''}: ${cause.message}`,
      { cause },
    ),
  };
}
