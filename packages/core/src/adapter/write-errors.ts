import { asError, where } from '../errors.js';
import type { WriteResult } from './contract.js';

/** Node's network error codes (and undici's socket error): the backend was unreachable, the same write may succeed. */
export const NETWORK_ERROR_CODES: ReadonlySet<string> = new Set([
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

/** An adapter's own table of what makes a failed write worth retrying (besides {@link NETWORK_ERROR_CODES}). */
export interface RetryRules {
  /** The backend's error codes (as strings) after which the same write can succeed later. */
  codes?: ReadonlySet<string>;
  /** A rule over a code the table cannot list, e.g. a whole SQLSTATE class. */
  codeMatches?: (code: string) => boolean;
  /** Messages of errors that carry no code (a client library's own timeouts, a closed socket). */
  messages?: RegExp;
}

/**
 * Whether an error means the backend was unreachable or busy (retry) rather than that the data was bad: by its
 * `code`, its message, any error of an AggregateError, or its `cause`, each against the adapter's rules.
 */
export function retryableBy(rules: RetryRules): (error: unknown) => boolean {
  const isRetryable = (error: unknown): boolean => {
    const e = error as { code?: string | number; message?: string; cause?: unknown } | undefined;
    if (!e) return false;
    const code = e.code === undefined ? undefined : String(e.code);
    if (code && (NETWORK_ERROR_CODES.has(code) || rules.codes?.has(code) || rules.codeMatches?.(code))) return true;
    if (typeof e.message === 'string' && rules.messages?.test(e.message)) return true;
    if (e instanceof AggregateError) return e.errors.some(isRetryable);
    return e.cause !== undefined && e.cause !== e ? isRetryable(e.cause) : false;
  };
  return isRetryable;
}

/**
 * The failed WriteResult of an adapter's write: `[rohas-telemetry] [<component>] <what> failed: <message>`, retryable
 * when `isRetryable` says so (and then saying so), with the original error as `cause`.
 */
export function writeFailureFor(
  component: string,
  isRetryable: (error: unknown) => boolean,
): (what: string, error: unknown) => WriteResult {
  const prefix = where(component);
  return (what, error) => {
    const cause = asError(error);
    const retryable = isRetryable(error);
    return {
      ok: false,
      retryable,
      error: new Error(
        `${prefix} ${what} failed${retryable ? ' (backend unreachable or busy; retry)' : ''}: ${cause.message}`,
        {
          cause,
        },
      ),
    };
  };
}
