/** The one error the HTTP layer answers with: a contract code, a message for people, optional details. */
import { ERROR_STATUS, type ErrorCode } from '@tini-starter/api-contract/errors';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERROR_STATUS[code];
  }
}

/** A body that failed its contract schema: 400 invalid_request, the zod issues (no values) as details. */
export function invalidBody(
  message: string,
  issues: readonly { code: string; path: PropertyKey[]; message: string }[],
): ApiError {
  return new ApiError(
    'invalid_request',
    message,
    issues.map(({ code, path, message }) => ({ code, path, message })),
  );
}
