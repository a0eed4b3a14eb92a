import { retryableBy, where, writeFailureFor } from '@rohas/telemetry/adapter';

export const W = where('timescaledb');

// SQLSTATE classes and codes after which the same write can succeed later (Node's network codes are the kit's).
const RETRYABLE_CLASSES = ['08', '53', '57', '58'];
const RETRYABLE_CODES = new Set(['40001', '40P01', '55P03', '57014']);
const RETRYABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|not queryable|terminating connection|the database system is (starting up|shutting down)|Connection ended/i;

/** Whether an error from pg means the server was unreachable or busy (retry) rather than that the data was bad. */
export const isRetryable = retryableBy({
  codes: RETRYABLE_CODES,
  codeMatches: (code) => code.length === 5 && RETRYABLE_CLASSES.includes(code.slice(0, 2)),
  messages: RETRYABLE_MESSAGES,
});

export const writeFailure = writeFailureFor('timescaledb', isRetryable);
