import type { WriteResult } from '@rohas/telemetry/adapter';
import { asError, where } from '@rohas/telemetry/adapter';

export const W = where('clickhouse');

const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);
// ClickHouse error codes after which the same request can succeed later: timeouts, network, too many parts or
// queries, memory limits, a replica or Keeper that is away (https://clickhouse.com/docs/operations/error-codes).
const RETRYABLE_CH_CODES = new Set([
  '159', // TIMEOUT_EXCEEDED
  '164', // READONLY (a replica that lost Keeper)
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '285', // TOO_FEW_LIVE_REPLICAS
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
  '999', // KEEPER_EXCEPTION
]);
const RETRYABLE_MESSAGES = /socket hang up|Timeout error|ECONNRESET|ECONNREFUSED|other side closed|fetch failed/i;

/** Whether an error means the server was unreachable or busy (retry) rather than that the data was bad. */
export function isRetryable(error: unknown): boolean {
  const e = error as { code?: string | number; message?: string; cause?: unknown } | undefined;
  if (!e) return false;
  const code = e.code === undefined ? undefined : String(e.code);
  if (code && (RETRYABLE_NODE_CODES.has(code) || RETRYABLE_CH_CODES.has(code))) return true;
  if (typeof e.message === 'string' && RETRYABLE_MESSAGES.test(e.message)) return true;
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
      {
        cause,
      },
    ),
  };
}
