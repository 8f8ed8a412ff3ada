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
