import { TIKI_ERROR_REASONS } from '../facts/schemas.ts';

/**
 * What can go wrong when talking to Tiki, as classes to narrow with `instanceof`. Messages name the cause and
 * never contain tokens, auth codes, secrets or signatures: they end up in logs.
 */

export class TikiError extends Error {
  override name = 'TikiError';
}

/** Tiki answered and said no (an error envelope, also when it came with HTTP 200, or an Open API 4xx/5xx). */
export class TikiApiError extends TikiError {
  override name = 'TikiApiError';
  /**
   * Tiki's reason, e.g. 'invalid_code', 'invalid_token', 'invalid_signature', 'scope_missing', 'server_error';
   * may be '' (the payment docs show such refusals).
   */
  readonly reason: string;
  /** The HTTP status of the response. */
  readonly status: number;
  /** The envelope's numeric `code`, when there was one. */
  readonly tikiCode: number | null;
  /** The envelope's `metadata` (the payment API sends one with some refusals), or null. */
  readonly metadata: unknown;

  constructor(i: {
    reason: string;
    status: number;
    tikiCode?: number | null;
    metadata?: unknown;
    message: string;
  }) {
    super(i.message);
    this.reason = i.reason;
    this.status = i.status;
    this.tikiCode = i.tikiCode ?? null;
    this.metadata = i.metadata ?? null;
  }
}

/** The call's deadline passed before a complete response arrived. The call may or may not have taken effect. */
export class TikiTimeoutError extends TikiError {
  override name = 'TikiTimeoutError';
  readonly timeoutMs: number;

  constructor(i: { timeoutMs: number; message: string; cause?: unknown }) {
    super(i.message, { cause: i.cause });
    this.timeoutMs = i.timeoutMs;
  }
}

/** No response: connection refused or reset, DNS failure, TLS failure. */
export class TikiNetworkError extends TikiError {
  override name = 'TikiNetworkError';
  /** The system error code when there was one, e.g. 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND'. */
  readonly code: string | null;

  constructor(i: { code?: string | null; message: string; cause?: unknown }) {
    super(i.message, { cause: i.cause });
    this.code = i.code ?? null;
  }
}

/** A response arrived but is not JSON, or does not match the documented shape. */
export class TikiResponseError extends TikiError {
  override name = 'TikiResponseError';
  readonly status: number;

  constructor(i: { status: number; message: string; cause?: unknown }) {
    super(i.message, { cause: i.cause });
    this.status = i.status;
  }
}

/**
 * How a failure is read, in one place for every caller. Each predicate answers one question; they are kept
 * side by side so that what "retry now", "try later" and "the token is dead" mean stays consistent.
 */

/**
 * Retry within the same call? Only for reads: a network failure or a 5xx is often transient. A timeout is not
 * retried (the caller's deadline is already spent) and a 4xx will not change on a second try.
 */
export function isRetryable(error: unknown): boolean {
  return error instanceof TikiNetworkError || (error instanceof TikiApiError && error.status >= 500);
}

/**
 * Worth trying later? Tiki gave no verdict on the request: unreachable, slower than the deadline, failing
 * (5xx), shedding load (429), or answering something we cannot read. The call may or may not have taken effect.
 */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof TikiTimeoutError ||
    error instanceof TikiNetworkError ||
    error instanceof TikiResponseError ||
    (error instanceof TikiApiError && (error.status >= 500 || error.status === 429))
  );
}

/** Is the token itself dead? Tiki refused the access or refresh token (`invalid_token`): only consent helps. */
export function isTokenRefused(error: unknown): boolean {
  return error instanceof TikiApiError && error.reason === TIKI_ERROR_REASONS.invalidToken;
}

/**
 * What came of one attempt, for an operator's counts (a server's metrics): few values, so that they can label a
 * series. `refused` is Tiki saying no (4xx, or an error envelope); `server_error` a 5xx; `rate_limited` a 429;
 * `timeout`, `network` and `unreadable` as the classes above; `error` anything else (a bug, not Tiki).
 */
export type TikiAttemptOutcome =
  | 'ok'
  | 'refused'
  | 'rate_limited'
  | 'server_error'
  | 'timeout'
  | 'network'
  | 'unreadable'
  | 'error';

const KNOWN_REASONS: ReadonlySet<string> = new Set(Object.values(TIKI_ERROR_REASONS));

/**
 * A failed attempt's outcome, and for a refusal its reason: one of TIKI_ERROR_REASONS, or `other` (a reason
 * Tiki did not document, or none), so that a label never takes a value from the wire unchecked.
 */
export function attemptOutcomeOf(error: unknown): { outcome: TikiAttemptOutcome; reason: string } {
  if (error instanceof TikiApiError) {
    if (error.status === 429) return { outcome: 'rate_limited', reason: '' };
    if (error.status >= 500) return { outcome: 'server_error', reason: '' };
    return { outcome: 'refused', reason: KNOWN_REASONS.has(error.reason) ? error.reason : 'other' };
  }
  if (error instanceof TikiTimeoutError) return { outcome: 'timeout', reason: '' };
  if (error instanceof TikiNetworkError) return { outcome: 'network', reason: '' };
  if (error instanceof TikiResponseError) {
    // An answer we cannot read that came with a 5xx is the platform failing, as isTransient reads it.
    return { outcome: error.status >= 500 ? 'server_error' : 'unreadable', reason: '' };
  }
  return { outcome: 'error', reason: '' };
}
