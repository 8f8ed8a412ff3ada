/**
 * What can go wrong with `my.request`, as named classes the rest of the app narrows with `instanceof`.
 * Messages are for developers and logs; the screens word things for people (see account/explain.ts).
 */
export class RequestError extends Error {
  override name = 'RequestError';
}

/** The server answered with an error status; `body` is what it said (parsed JSON when it was JSON). */
export class HttpStatusError extends RequestError {
  override name = 'HttpStatusError';
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`The server answered HTTP ${status}`);
  }
}

/** No answer: connection refused or reset, DNS, offline. `hostError` is the host's numeric code, if any. */
export class NetworkError extends RequestError {
  override name = 'NetworkError';
  constructor(
    message: string,
    readonly hostError?: number,
  ) {
    super(message);
  }
}

/**
 * The host refused to send the request to this domain (Tini error 11): production mini apps may only call
 * HTTPS domains registered in Tini Console.
 */
export class DomainNotAllowedError extends RequestError {
  override name = 'DomainNotAllowedError';
}

/** The deadline passed before an answer arrived. */
export class TimeoutError extends RequestError {
  override name = 'TimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`No answer within ${timeoutMs} ms`);
  }
}

/** An answer arrived but it is not what was asked for (not JSON, or not the agreed shape). */
export class ResponseFormatError extends RequestError {
  override name = 'ResponseFormatError';
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}
