import { retryableBy, where, writeFailureFor } from '@rohas/telemetry/adapter';

export const W = where('clickhouse');

// ClickHouse error codes after which the same request can succeed later: timeouts, network, too many parts or
// queries, memory limits, a replica or Keeper that is away (https://clickhouse.com/docs/operations/error-codes).
// Node's network codes are the kit's (NETWORK_ERROR_CODES).
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
export const isRetryable = retryableBy({ codes: RETRYABLE_CH_CODES, messages: RETRYABLE_MESSAGES });

export const writeFailure = writeFailureFor('clickhouse', isRetryable);
