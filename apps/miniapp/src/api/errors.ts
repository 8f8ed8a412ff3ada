import type { ErrorCode } from '@tini-starter/api-contract/errors';

/** Our server said no, in the agreed error shape: decide from `code`, show people something else. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
