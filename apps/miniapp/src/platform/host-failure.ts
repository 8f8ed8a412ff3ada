/**
 * What a `my.*` fail callback reported, whatever its shape. Hosts and APIs differ: most send
 * `{ error, errorMessage }` (a number and a text), `my.getUserInfo` documents `{ code, message }`, and some
 * hosts pass a bare string. A reader of only one shape would report "no message" for the others.
 */
export interface HostFailure {
  /** The host's error code, when there is one (a number for most APIs, a string for some). */
  code: number | string | undefined;
  message: string;
}

export function readHostFailure(failure: unknown): HostFailure {
  if (typeof failure === 'string') return { code: undefined, message: failure || 'no message' };
  if (typeof failure !== 'object' || failure === null) return { code: undefined, message: 'no message' };
  const f = failure as { error?: unknown; errorMessage?: unknown; code?: unknown; message?: unknown };
  const code = [f.error, f.code].find((value) => typeof value === 'number' || typeof value === 'string');
  const message = [f.errorMessage, f.message].find((value) => typeof value === 'string' && value !== '');
  return {
    code: code as number | string | undefined,
    message: typeof message === 'string' ? message : 'no message',
  };
}

/** The numeric code, if the host gave one as a number or a numeric string (`"11"`). */
export function numericCode(failure: HostFailure): number | undefined {
  if (typeof failure.code === 'number') return failure.code;
  if (typeof failure.code === 'string' && /^\d+$/.test(failure.code)) return Number(failure.code);
  return undefined;
}
